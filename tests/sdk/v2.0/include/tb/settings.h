// SPDX-License-Identifier: Apache-2.0
// Plugin-owned configuration: the keys a plugin declares, as plain constant data the core
// reads (after validating and loading the .so, before creating the plugin) to check, show,
// document and default the plugin's `[plugins."kind.name"]` section.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tb {

/// \brief Type of a declared key; the values a ConfigView holds.
enum class SettingType : uint32_t {
	Bool = 1,
	Int = 2,
	Double = 3,
	String = 4,
	StringList = 5,
};

/// \brief One key: `key = default` with a one-line doc.
struct Setting {
	const char *key;          ///< [a-z0-9_]+
	SettingType type;         ///< what the value must be
	const char *defaultValue; ///< the default as a TOML value: "true", "42", "\"auto\"", "[]"
	const char *doc;          ///< one line, shown by `tb config init` and docs
	const char *const *choices = nullptr; ///< String only: allowed values, nullptr-terminated
};

/// \brief A table of named records, `[plugins."kind.name".KEY."NAME"]`, each record holding
/// the keys in `fields` (e.g. per-registry settings keyed by host[:port]).
struct SettingTable {
	const char *key; ///< [a-z0-9_]+
	const char *doc; ///< one line; what the record names are ("registry host[:port]")
	const Setting *fields;
	uint32_t fieldCount;
	/// Also accept the records at the top level as `[ALIAS."NAME"]` (a spelling users know
	/// from elsewhere), or nullptr. Both spellings may not be used in one file.
	const char *topLevelAlias = nullptr;
};

/// \brief Everything a plugin declares. Layout versioned by `layout`.
struct PluginSettings {
	uint32_t layout; ///< TB_SETTINGS_LAYOUT
	const Setting *settings;
	uint32_t settingCount;
	const SettingTable *tables;
	uint32_t tableCount;
};

#define TB_SETTINGS_LAYOUT 1u

/// \brief Build a PluginSettings from arrays: `tb::declareSettings(kKeys)` or
/// `tb::declareSettings(kKeys, kTables)`.
template<size_t N>
constexpr PluginSettings declareSettings(const Setting (&keys)[N]) noexcept
{
	return {TB_SETTINGS_LAYOUT, keys, uint32_t(N), nullptr, 0};
}
template<size_t N, size_t M>
constexpr PluginSettings declareSettings(const Setting (&keys)[N],
					 const SettingTable (&tables)[M]) noexcept
{
	return {TB_SETTINGS_LAYOUT, keys, uint32_t(N), tables, uint32_t(M)};
}
template<size_t M>
constexpr PluginSettings declareTables(const SettingTable (&tables)[M]) noexcept
{
	return {TB_SETTINGS_LAYOUT, nullptr, 0, tables, uint32_t(M)};
}

} // namespace tb
