// SPDX-License-Identifier: Apache-2.0
// tb-yaml.so: YAML spec text to JSON text, in a module of its own that libtb opens only when
// it meets a YAML spec (yaml_text.cpp). yaml-cpp is a C++ library, which cannot be opened
// lazily function by function as libtb does with C libraries, and loading it costs every tb
// process ~0.15 ms of start-up (docs/benchmarks.md); most hosts have no YAML spec to read.
#include <cstdlib>
#include <cstring>
#include <string>

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

namespace {

namespace json = boost::json;

bool integer(const std::string &s)
{
	size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
	if (i >= s.size() || s.size() > 19)
		return false;
	for (; i < s.size(); ++i)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

// Plain scalars get YAML 1.2 core-schema types; quoted ones ("!" tag) stay strings.
json::value scalar(const YAML::Node &n)
{
	const std::string &s = n.Scalar();
	if (n.Tag() == "!")
		return json::value(s);
	if (s == "null" || s == "~" || s.empty())
		return nullptr;
	if (s == "true" || s == "True" || s == "TRUE")
		return true;
	if (s == "false" || s == "False" || s == "FALSE")
		return false;
	if (integer(s))
		return json::value(std::stoll(s));
	return json::value(s);
}

json::value convert(const YAML::Node &n)
{
	switch (n.Type()) {
	case YAML::NodeType::Map: {
		json::object o;
		for (const auto &kv : n)
			o[kv.first.as<std::string>()] = convert(kv.second);
		return o;
	}
	case YAML::NodeType::Sequence: {
		json::array a;
		for (const auto &item : n)
			a.push_back(convert(item));
		return a;
	}
	case YAML::NodeType::Scalar:
		return scalar(n);
	default:
		return nullptr;
	}
}

char *copy(const std::string &s)
{
	char *p = static_cast<char *>(std::malloc(s.size() + 1));
	if (p)
		std::memcpy(p, s.c_str(), s.size() + 1);
	return p;
}

} // namespace

/// \brief YAML \a text of \a size bytes as JSON text: 0 and the JSON in *out, or 1 and the
/// parser's message in *out (both malloc()ed, for the caller to free()); nothing thrown.
extern "C" __attribute__((visibility("default"))) int tb_yaml_to_json(const char *text, size_t size,
								      char **out) noexcept;

int tb_yaml_to_json(const char *text, size_t size, char **out) noexcept
{
	try {
		*out = copy(json::serialize(convert(YAML::Load(std::string(text, size)))));
		return *out ? 0 : 1;
	} catch (const std::exception &e) {
		*out = copy(e.what());
		return 1;
	} catch (...) {
		*out = copy("unknown error");
		return 1;
	}
}
