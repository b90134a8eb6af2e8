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

/// \brief The keys of one section or one record.
using ConfigValues = std::map<std::string, ConfigValue>;

/// \brief The plugin's own section, converted from TOML by the core (no TOML types leak).
/// Declared keys missing from the file hold their declared defaults; declared record tables
/// (`[plugins."kind.name".TABLE."NAME"]`) are reached through record().
class ConfigView {
public:
	using Records = std::map<std::string, ConfigValues>; ///< record name -> its keys

	ConfigView() = default;
	explicit ConfigView(ConfigValues values) : values_(std::move(values)) {}
	ConfigView(ConfigValues values, std::map<std::string, Records> tables)
	    : values_(std::move(values)), tables_(std::move(tables))
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

	/// \brief Names of the records in table \a table, sorted ("registry.example.com:5000").
	std::vector<std::string> recordNames(std::string_view table) const
	{
		std::vector<std::string> out;
		auto it = tables_.find(std::string(table));
		if (it != tables_.end())
			for (const auto &[name, r] : it->second)
				out.push_back(name);
		return out;
	}
	/// \brief One record of table \a table as a view; empty when there is none.
	ConfigView record(std::string_view table, std::string_view name) const
	{
		auto it = tables_.find(std::string(table));
		if (it == tables_.end())
			return {};
		auto r = it->second.find(std::string(name));
		return r == it->second.end() ? ConfigView() : ConfigView(r->second);
	}

	const ConfigValues &values() const { return values_; }
	const std::map<std::string, Records> &tables() const { return tables_; }
	bool operator==(const ConfigView &) const = default;

private:
	ConfigValues values_;
	std::map<std::string, Records> tables_;
};

} // namespace tb
