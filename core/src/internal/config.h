// SPDX-License-Identifier: Apache-2.0
// Reading, finding and printing nvbind.toml; the typed values are in <tb/config.h>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <tb/config.h>
#include <tb/result.h>

namespace tb {

/// \brief Parse TOML text. \a origin names the source in messages ("/etc/tb/nvbind.toml").
/// \return Errc::InvalidArgument: "FILE:LINE:COL: ..." for syntax errors, "FILE: key 'x.y': ..."
///	    for unknown keys, wrong types and bad enum values
Result<Config> parseConfig(std::string_view text, std::string_view origin);
Result<Config> loadConfigFile(const std::string &path);
/// \brief The file's text (at most 4 MiB), errors naming the file.
Result<std::string> readConfigText(const std::string &path);

/// \brief Where the config comes from: --config, TB_CONFIG, ./nvbind.toml,
/// $XDG_CONFIG_HOME/tb/nvbind.toml, /etc/tb/nvbind.toml. "" = none found (defaults).
/// \return Errc::NotFound when an explicit --config / TB_CONFIG file is missing
Result<std::string> findConfigFile(const std::string &explicitPath);

/// \brief The effective configuration rendered as TOML (every key, defaults included).
std::string configToToml(const Config &config);
/// \brief The same as one JSON object (`tb config show --json`).
std::string configToJson(const Config &config);

/// \brief The documented default file, written from the key table (configs/nvbind.toml is a
/// committed copy, checked by the config-keys test).
std::string_view defaultConfigText() noexcept;

} // namespace tb
