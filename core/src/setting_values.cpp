// SPDX-License-Identifier: Apache-2.0
// Typed values of declared plugin settings.
#include "internal/setting_values.h"

#include <sstream>

namespace tb {

const char *settingTypeName(SettingType t) noexcept
{
	switch (t) {
	case SettingType::Bool:
		return "true or false";
	case SettingType::Int:
		return "an integer";
	case SettingType::Double:
		return "a number";
	case SettingType::String:
		return "a string";
	case SettingType::StringList:
		return "an array of strings";
	}
	return "?";
}

std::string tomlWhere(std::string_view origin, const toml::source_region &src)
{
	std::string out(origin);
	if (src.begin.line > 0)
		out += ":" + std::to_string(src.begin.line) + ":" +
		       std::to_string(src.begin.column);
	return out;
}

Result<ConfigValue> settingValue(const toml::node &node, const Setting &s)
{
	auto wrong = [&] {
		return err(Errc::InvalidArgument,
			   std::string("expected ") + settingTypeName(s.type));
	};
	switch (s.type) {
	case SettingType::Bool:
		if (auto b = node.as_boolean())
			return ConfigValue(b->get());
		return wrong();
	case SettingType::Int:
		if (auto i = node.as_integer())
			return ConfigValue(i->get());
		return wrong();
	case SettingType::Double:
		if (auto f = node.as_floating_point())
			return ConfigValue(f->get());
		if (auto i = node.as_integer())
			return ConfigValue(static_cast<double>(i->get()));
		return wrong();
	case SettingType::String: {
		auto str = node.as_string();
		if (!str)
			return wrong();
		if (s.choices) {
			std::string list;
			for (const char *const *c = s.choices; *c; ++c) {
				if (str->get() == *c)
					return ConfigValue(str->get());
				list += (list.empty() ? "" : ", ") +
					(**c ? std::string(*c) : std::string("\"\""));
			}
			return err(Errc::InvalidArgument, "invalid value '" + str->get() +
								  "' (expected one of: " + list +
								  ")");
		}
		return ConfigValue(str->get());
	}
	case SettingType::StringList: {
		auto arr = node.as_array();
		if (!arr)
			return wrong();
		std::vector<std::string> out;
		for (const auto &item : *arr) {
			if (!item.is_string())
				return wrong();
			out.push_back(*item.value<std::string>());
		}
		return ConfigValue(std::move(out));
	}
	}
	return wrong();
}

Result<ConfigValue> parseSettingLiteral(const Setting &s)
{
	toml::table t;
	try {
		t = toml::parse(std::string("v = ") + s.defaultValue);
	} catch (const toml::parse_error &e) {
		return err(Errc::InvalidArgument,
			   "not a TOML value: " + std::string(e.description()));
	}
	const toml::node *n = t.get("v");
	if (!n || t.size() != 1)
		return err(Errc::InvalidArgument, "not a single TOML value");
	return settingValue(*n, s);
}

std::string settingToToml(const ConfigValue &v)
{
	std::ostringstream out;
	std::visit(
		[&](const auto &x) {
			using X = std::decay_t<decltype(x)>;
			if constexpr (std::is_same_v<X, std::vector<std::string>>) {
				toml::array a;
				for (const auto &s : x)
					a.push_back(s);
				out << a;
			} else if constexpr (std::is_same_v<X, std::string>) {
				out << toml::value<std::string>(x);
			} else {
				out << toml::value<X>(x);
			}
		},
		v);
	return out.str();
}

} // namespace tb
