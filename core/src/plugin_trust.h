// SPDX-License-Identifier: Apache-2.0
// Whether a plugin file may be loaded: another user able to write it, or its directory, could
// run code in every tb process (root's included) and shadow the real plugin.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
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

/// \brief pluginDistrust() for many files in one scan: the user's group, the trusted paths and
/// the verdict on each directory are worked out once (a plugin path of ten plugin directories
/// shares all but the last directory of each chain). Meant for one scan, not kept: a directory
/// changed after its verdict is not seen again.
class PluginTrust {
public:
	PluginTrust(uid_t uid, const std::vector<std::string> &allowed);

	/// \param canonical \a path with every link resolved, when the caller already has it
	std::optional<std::string> distrust(const std::string &path,
					    const std::string *canonical = nullptr);

private:
	std::optional<std::string> chain(const std::string &file);
	std::optional<std::string> dir(const std::string &path, bool holding);
	bool allowed(const std::string &path) const;
	gid_t ownGroup();

	uid_t uid_;
	std::optional<gid_t> ownGroup_; // looked up on first need (reads the passwd database)
	std::vector<std::pair<std::string, std::string>> allowed_; // as named, canonical
	std::map<std::pair<std::string, bool>, std::optional<std::string>> dirs_;
};

} // namespace tb
