// SPDX-License-Identifier: Apache-2.0
// Spec files as a JSON tree: JSON by Boost.JSON, YAML by yaml-cpp converted to the same tree
// (runtimes read both with one YAML-superset decoder, so the checks run on one model).
#include "cdi_internal.h"

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

namespace tb::cdi {

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

} // namespace

Result<boost::json::value> parseSpecText(std::string_view text)
{
	size_t first = text.find_first_not_of(" \t\r\n");
	if (first != std::string_view::npos && text[first] == '{') {
		boost::system::error_code ec;
		json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
		if (ec)
			return err(Errc::Corrupt, "not valid JSON: " + ec.message());
		return v;
	}
	try {
		return convert(YAML::Load(std::string(text)));
	} catch (const YAML::Exception &e) {
		return err(Errc::Corrupt, std::string("not valid YAML: ") + e.what());
	}
}

} // namespace tb::cdi
