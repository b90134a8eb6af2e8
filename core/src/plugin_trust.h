// SPDX-License-Identifier: Apache-2.0
// Whether a plugin file may be loaded: another user able to write it, or its directory, could
// run code in every tb process (root's included) and shadow the real plugin.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace tb {

/// \brief Why the plugin at \a path must not be loaded into a process running as \a uid, or
/// nullopt when it may. Refused: a file or directory on its way owned by someone other than
/// \a uid or root; a file writable by group or others (the group being other than \a uid's
/// own); a directory holding it writable by others (group likewise), or any other directory
/// on the way writable by others without the sticky bit (/tmp is fine, /tmp/x 0777 is not).
/// Links are followed and both the name and the target are checked.
/// \param allowed files or directories the configuration trusts as they are
///        ([core] trusted_plugin_paths); a plugin in or under one is never refused
std::optional<std::string> pluginDistrust(const std::string &path, uid_t uid,
					  const std::vector<std::string> &allowed);

} // namespace tb
