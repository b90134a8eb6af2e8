// SPDX-License-Identifier: Apache-2.0
// Triton cache metadata JSON (summary, entries) and target normalisation.
#include "tbsupport/cache_meta.h"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "tbsupport/json_fields.h"

namespace tb::support {

namespace json = boost::json;

std::string normalizeArch(std::string_view backend, std::string_view arch)
{
	std::string a(arch);
	if (backend == "cuda" && (a.rfind("sm_", 0) == 0 || a.rfind("sm", 0) == 0))
		a = a.substr(a[2] == '_' ? 3 : 2);
	if (backend == "hip") {
		a = a.substr(0, a.find(':')); // drop target features (":sramecc+:xnack-")
		std::transform(a.begin(), a.end(), a.begin(),
			       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
	}
	return a;
}

std::optional<std::string> tarLayerCompression(std::string_view t)
{
	static constexpr std::pair<std::string_view, std::string_view> Known[] = {
		{media::OciLayerTar, "none"},
		{media::OciLayerGzip, "gzip"},
		{media::OciLayerZstd, "zstd"},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar", "none"},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", "gzip"},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", "zstd"},
		{media::DockerLayerTar, "none"},
		{media::DockerLayerGzip, "gzip"},
		{"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "gzip"},
		{plain::LayerTar, "none"},
		{plain::LayerGzip, "gzip"},
		{plain::LayerZstd, "zstd"},
		{McvAliasLayer, "gzip"},
	};
	for (const auto &[type, compression] : Known)
		if (t == type)
			return std::string(compression);
	return std::nullopt;
}

std::vector<CacheTarget> uniqueTargets(std::vector<CacheTarget> targets)
{
	std::sort(targets.begin(), targets.end());
	targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
	return targets;
}

std::string summaryJson(const std::vector<CacheTarget> &targets)
{
	std::string out = "{\"targets\":[";
	bool first = true;
	for (const auto &t : uniqueTargets(targets)) {
		if (!first)
			out += ',';
		first = false;
		out += "{\"backend\":" + jsonQuote(t.backend) + ",\"arch\":" + jsonQuote(t.arch) +
		       ",\"warp_size\":" + std::to_string(t.warpSize) + "}";
	}
	return out + "]}";
}

Result<std::vector<CacheTarget>> parseSummary(std::string_view text)
{
	auto v = TB_TRY_CTX(parseJson(text), "summary");
	const json::object *o = v.if_object();
	const json::value *targets = o ? o->if_contains("targets") : nullptr;
	if (!targets || !targets->is_array())
		return err(Errc::Corrupt, "summary: no \"targets\" array");
	std::vector<CacheTarget> out;
	for (const auto &t : targets->get_array()) {
		const json::object *to = t.if_object();
		if (!to)
			return err(Errc::Corrupt, "summary: target is not an object");
		CacheTarget ct;
		ct.backend = stringField(*to, "backend").value_or("");
		ct.arch = normalizeArch(ct.backend,
					scalarString(to->if_contains("arch")).value_or(""));
		ct.warpSize = static_cast<int>(intField(*to, "warp_size").value_or(0));
		if (ct.backend.empty() || ct.arch.empty())
			return err(Errc::Corrupt, "summary: target without backend or arch");
		out.push_back(std::move(ct));
	}
	return uniqueTargets(std::move(out));
}

namespace {

void appendEntryFields(std::string &out, const CacheEntry &e, std::string_view sep,
		       std::string_view indent)
{
	auto field = [&](std::string_view key, const std::string &value, bool firstField = false) {
		if (!firstField)
			out += ',';
		out += sep;
		out += indent;
		out += jsonQuote(key) + (sep.empty() ? ":" : ": ") + value;
	};
	field("hash", jsonQuote(e.hash), true);
	field("backend", jsonQuote(e.target.backend));
	field("arch", jsonQuote(e.target.arch));
	field("warp_size", std::to_string(e.target.warpSize));
	if (e.numStages && *e.numStages != 0)
		field("num_stages", std::to_string(*e.numStages));
	if (e.numWarps && *e.numWarps != 0)
		field("num_warps", std::to_string(*e.numWarps));
	if (e.ptxVersion && *e.ptxVersion != 0)
		field("ptx_version", std::to_string(*e.ptxVersion));
	if (e.debug && *e.debug)
		field("debug", "true");
}

Result<CacheEntry> entryFromJson(const json::value &v)
{
	const json::object *o = v.if_object();
	if (!o)
		return err(Errc::Corrupt, "entry is not an object");
	CacheEntry e;
	e.hash = stringField(*o, "hash").value_or("");
	if (e.hash.empty())
		return err(Errc::Corrupt, "entry without \"hash\"");
	e.target.backend = stringField(*o, "backend").value_or("");
	e.target.arch =
		normalizeArch(e.target.backend, scalarString(o->if_contains("arch")).value_or(""));
	e.target.warpSize = static_cast<int>(intField(*o, "warp_size").value_or(0));
	e.numStages = intField(*o, "num_stages");
	e.numWarps = intField(*o, "num_warps");
	e.ptxVersion = intField(*o, "ptx_version");
	if (const json::value *d = o->if_contains("debug"); d && d->is_bool())
		e.debug = d->get_bool();
	return e;
}

} // namespace

std::string entriesManifestJson(const std::vector<CacheEntry> &entries)
{
	std::string out = "{\n  \"triton\": [";
	for (size_t i = 0; i < entries.size(); ++i) {
		out += i ? ",\n    {" : "\n    {";
		appendEntryFields(out, entries[i], "\n", "      ");
		out += "\n    }";
	}
	out += entries.empty() ? "]\n}\n" : "\n  ]\n}\n";
	return out;
}

std::string entriesArrayJson(const std::vector<CacheEntry> &entries)
{
	std::string out = "[";
	for (size_t i = 0; i < entries.size(); ++i) {
		out += i ? ",{" : "{";
		appendEntryFields(out, entries[i], "", "");
		out += "}";
	}
	return out + "]";
}

Result<std::vector<CacheEntry>> parseEntries(std::string_view text)
{
	auto v = TB_TRY_CTX(parseJson(text), "cache entries");
	const json::array *arr = v.if_array();
	if (const json::object *o = v.if_object()) {
		const json::value *t = o->if_contains("triton");
		arr = t ? t->if_array() : nullptr;
	}
	if (!arr)
		return err(Errc::Corrupt, "cache entries: expected {\"triton\":[...]} or an array");
	std::vector<CacheEntry> out;
	for (const auto &item : *arr)
		out.push_back(TB_TRY_CTX(entryFromJson(item), "cache entries"));
	return out;
}

} // namespace tb::support
