// SPDX-License-Identifier: Apache-2.0
// XDG base directories and file helpers used by the core.
#pragma once

#include <string>

#include <tb/result.h>

namespace tb::paths {

std::string home();
std::string xdgConfigHome(); ///< $XDG_CONFIG_HOME or ~/.config
std::string xdgDataHome();   ///< $XDG_DATA_HOME or ~/.local/share
std::string xdgStateHome();  ///< $XDG_STATE_HOME or ~/.local/state
std::string xdgCacheHome();  ///< $XDG_CACHE_HOME or ~/.cache
std::string xdgRuntimeDir(); ///< $XDG_RUNTIME_DIR or /tmp/tb-<uid>

/// \brief Write a file atomically (temp file in the same dir + rename).
Result<void> writeFileAtomic(const std::string &path, const std::string &data, bool overwrite);

} // namespace tb::paths
