// SPDX-License-Identifier: Apache-2.0
// The core's nvbind.toml keys as one declaration table. The parser, `tb config show`,
// `tb config init` and the key table of docs/config.md are all derived from it, so a new
// core key is one typed field in <tb/config.h> (its initializer is the default) plus one row
// in config_keys.cpp. A key's type comes from the field it binds to.
#pragma once

#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <tb/config.h>
#include <tb/settings.h>

#include "internal/config_values.h"

namespace tb::config {

using StringMap = std::map<std::string, std::string>;

/// \brief A key's binding to its typed field of \a Rec (Config, or Profile for
/// `[profiles.NAME]`); the alternative held is the key's type.
template<typename Rec>
using Field = std::variant<bool &(*)(Rec &), int64_t &(*)(Rec &), std::string &(*)(Rec &),
			   std::vector<std::string> &(*)(Rec &), StringMap &(*)(Rec &)>;

/// \brief The value of one key: the type of the field it binds to.
using KeyValue = std::variant<bool, int64_t, std::string, std::vector<std::string>, StringMap>;

/// \brief One key: where it lives, what it binds to, what values it takes and its doc line.
template<typename Rec>
struct Key {
	const char *section; ///< "core", "bolt.capsule"; "" = top level (or the profile itself)
	const char *key;     ///< [a-z0-9_]+
	Field<Rec> field;
	const char *doc; ///< one line: the `tb config init` comment and the docs/config.md row
	const char *const *choices = nullptr; ///< string: allowed values, nullptr-terminated
	Check check = nullptr;                ///< string, or each string of a list: its grammar
	int64_t min = std::numeric_limits<int64_t>::min(); ///< integer: smallest value
};

/// \brief How a part of the file is read, shown and written.
enum class SectionKind {
	Keys,     ///< the core keys declared with this section name
	Reserved, ///< `[registries."HOST"]`: records of the plugin that declares the table
	Profiles, ///< `[profiles.NAME]`, each with profileKeys()
	Plugins,  ///< `[plugins."kind.name"]`
};

/// \brief A part of nvbind.toml, in file order, with the comment `tb config init` writes above
/// it (lines joined by '\n', or nullptr).
struct Section {
	const char *name;
	SectionKind kind;
	const char *comment = nullptr;
};

std::span<const Section> sections();
std::span<const Key<Config>> coreKeys();
std::span<const Key<Profile>> profileKeys();

template<typename Rec>
KeyValue keyValue(const Key<Rec> &k, const Rec &rec)
{
	// The accessors return a reference to the field; reading it does not modify \a rec.
	return std::visit([&](auto get) -> KeyValue { return get(const_cast<Rec &>(rec)); },
			  k.field);
}

template<typename Rec>
void setKeyValue(const Key<Rec> &k, Rec &rec, KeyValue v)
{
	std::visit(
		[&](auto get) {
			auto &field = get(rec);
			field = std::get<std::decay_t<decltype(field)>>(std::move(v));
		},
		k.field);
}

/// \brief The declared-setting type of a key (core keys and plugin keys share one set of
/// type names and value checks); a table of strings has none.
template<typename Rec>
std::optional<SettingType> settingType(const Key<Rec> &k)
{
	static constexpr SettingType types[] = {SettingType::Bool, SettingType::Int,
						SettingType::String, SettingType::StringList};
	if (k.field.index() >= std::size(types))
		return std::nullopt;
	return types[k.field.index()];
}

/// \brief "bool", "int", "string", "[string]", "table": the type column of docs/config.md.
const char *docTypeName(size_t fieldIndex) noexcept;
/// \brief A value as TOML, as `tb config init` writes it: `true`, `4096`, `"all"`,
/// `["--rm"]`, `{ NVIDIA_DRIVER_CAPABILITIES = "all" }`.
std::string keyValueToml(const KeyValue &v);
/// \brief The rows of the core-key table of docs/config.md, one per key and profile key.
std::string keysMarkdown();

} // namespace tb::config
