// SPDX-License-Identifier: Apache-2.0
// Read-only view of one plugin's `[plugins."kind.name"]` config section.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tb {

/// \brief A scalar or a list of strings: everything a plugin section may hold.
using ConfigValue = std::variant<bool, int64_t, double, std::string, std::vector<std::string>>;

/// \brief The plugin's own section, converted from TOML by the core (no TOML types leak).
class ConfigView {
public:
	ConfigView() = default;
	explicit ConfigView(std::map<std::string, ConfigValue> values) : values_(std::move(values))
	{
	}

	bool has(std::string_view key) const
	{
		return values_.find(std::string(key)) != values_.end();
	}

	template<typename T>
	std::optional<T> get(std::string_view key) const
	{
		auto it = values_.find(std::string(key));
		if (it == values_.end())
			return std::nullopt;
		if (const T *v = std::get_if<T>(&it->second))
			return *v;
		return std::nullopt;
	}

	std::string getString(std::string_view key, std::string fallback = {}) const
	{
		return get<std::string>(key).value_or(std::move(fallback));
	}
	int64_t getInt(std::string_view key, int64_t fallback = 0) const
	{
		return get<int64_t>(key).value_or(fallback);
	}
	bool getBool(std::string_view key, bool fallback = false) const
	{
		return get<bool>(key).value_or(fallback);
	}
	std::vector<std::string> getStrings(std::string_view key) const
	{
		return get<std::vector<std::string>>(key).value_or(std::vector<std::string>{});
	}

	/// \brief Keys present in the section but not in \a known (the plugin warns about them).
	std::vector<std::string> unknownKeys(std::initializer_list<std::string_view> known) const
	{
		std::vector<std::string> out;
		for (const auto &[k, v] : values_) {
			bool found = false;
			for (auto n : known)
				found = found || n == k;
			if (!found)
				out.push_back(k);
		}
		return out;
	}

	const std::map<std::string, ConfigValue> &values() const { return values_; }
	bool operator==(const ConfigView &) const = default;

private:
	std::map<std::string, ConfigValue> values_;
};

} // namespace tb
