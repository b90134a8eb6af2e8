// SPDX-License-Identifier: Apache-2.0
// Grammars of the nvbind.toml values that are strings with rules: plugin names, GPU
// selections, sizes. Shared by the config parser and the code that uses the values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tb::config {

/// \brief A plugin name: 1-63 characters of a-z, 0-9 and '-', not starting with '-'.
bool validPluginName(std::string_view name) noexcept;
/// \brief "transport, cache, probe or runtime": the kinds this core loads.
std::string kindNameList();
/// \brief "kind.name" with a kind this core loads and a valid name.
bool validPluginUri(std::string_view uri) noexcept;

/// \brief `all`, `none`, `first`, or a comma-separated list of GPU indices ("0") and UUIDs
/// ("GPU-...", "MIG-..."); spaces around items are allowed.
bool validGpuSelection(std::string_view selection) noexcept;

/// \brief "8GB", "512MiB", "4096" (bytes): a positive integer and an optional unit
/// B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), any case.
/// \return bytes, or nullopt for anything else (including overflow)
std::optional<uint64_t> parseSize(std::string_view text) noexcept;

/// \brief A rule for a string value: std::nullopt when \a v is fine, else the message
/// ("invalid value 'x' (expected ...)") that follows the key's name.
using Check = std::optional<std::string> (*)(const std::string &v);

std::optional<std::string> checkPluginUri(const std::string &v);
std::optional<std::string> checkLogLevels(const std::string &v); ///< parsed, not applied
std::optional<std::string> checkGpuSelection(const std::string &v);
std::optional<std::string> checkProfileGpus(const std::string &v); ///< selection or ""
std::optional<std::string> checkSize(const std::string &v);
std::optional<std::string> checkSizeOrNone(const std::string &v); ///< size or ""
std::optional<std::string> checkRuntimeName(const std::string &v);

} // namespace tb::config
