// SPDX-License-Identifier: Apache-2.0
// Deterministic manifest JSON (fixed key order, compact) for reproducible image digests.
#include "tbsupport/cache_meta.h"

#include <cstdio>

#include "tbsupport/oci_json.h"

namespace tb::support {

std::string jsonQuote(std::string_view s)
{
	std::string out = "\"";
	for (unsigned char c : s) {
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\t':
			out += "\\t";
			break;
		case '\r':
			out += "\\r";
			break;
		default:
			if (c < 0x20) {
				char buf[8];
				std::snprintf(buf, sizeof buf, "\\u%04x", c);
				out += buf;
			} else {
				out += static_cast<char>(c);
			}
		}
	}
	return out + "\"";
}

namespace {

std::string annotationsJson(const std::map<std::string, std::string> &a)
{
	std::string out = "{";
	bool first = true;
	for (const auto &[k, v] : a) {
		out += (first ? "" : ",") + jsonQuote(k) + ":" + jsonQuote(v);
		first = false;
	}
	return out + "}";
}

} // namespace

std::string manifestJson(std::string_view mediaType, std::string_view artifactType,
			 const Descriptor &config, const std::vector<Descriptor> &layers,
			 const std::map<std::string, std::string> &annotations)
{
	std::string out = "{\"schemaVersion\":2,\"mediaType\":" + jsonQuote(mediaType);
	if (!artifactType.empty())
		out += ",\"artifactType\":" + jsonQuote(artifactType);
	out += ",\"config\":" + descriptorJson(config) + ",\"layers\":[";
	for (size_t i = 0; i < layers.size(); ++i)
		out += (i ? "," : "") + descriptorJson(layers[i]);
	out += "]";
	if (!annotations.empty())
		out += ",\"annotations\":" + annotationsJson(annotations);
	return out + "}";
}

} // namespace tb::support
