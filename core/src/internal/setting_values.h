// SPDX-License-Identifier: Apache-2.0
// Typed values of declared settings: TOML -> ConfigValue with the declared type and choices.
#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

#include <tb/config_view.h>
#include <tb/result.h>
#include <tb/settings.h>

namespace tb {

/// \brief The value of \a node as \a s declares it.
/// \return Errc::InvalidArgument "expected ..." / "invalid value ..." (no location)
Result<ConfigValue> settingValue(const toml::node &node, const Setting &s);
/// \brief The declared default of \a s, parsed.
Result<ConfigValue> parseSettingLiteral(const Setting &s);
/// \brief "bool", "integer", "float", "string", "array of strings".
const char *settingTypeName(SettingType t) noexcept;
/// \brief A value rendered as TOML ("true", "\"auto\"", "[\"a\", \"b\"]").
std::string settingToToml(const ConfigValue &v);
/// \brief "ORIGIN:LINE:COLUMN" of a TOML node (just ORIGIN when the node has no position).
std::string tomlWhere(std::string_view origin, const toml::source_region &src);

} // namespace tb
