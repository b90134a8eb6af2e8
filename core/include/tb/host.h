// SPDX-License-Identifier: Apache-2.0
// Services the core hands to every plugin: logging, paths, version.
#pragma once

#include <string>
#include <string_view>

namespace tb {

/// \brief Log severities, lowest first.
enum class LogLevel : int { Debug = 0, Info = 1, Warn = 2, Error = 3 };

/// \brief Directories a plugin may use. Absolute paths; hostRoot is "/" on a real host.
struct HostPaths {
	std::string hostRoot;   ///< prefix for sysfs/procfs/devfs/driver files ([host] root)
	std::string stateDir;   ///< persistent state (e.g. $XDG_STATE_HOME/tb)
	std::string cacheDir;   ///< disposable data (e.g. $XDG_CACHE_HOME/tb)
	std::string runtimeDir; ///< per-boot data, locks (e.g. $XDG_RUNTIME_DIR/tb)
	std::string storeDir;   ///< the embedded local image store ([store] path)
};

/// \brief Host services. One instance per plugin: its log category is the plugin's
/// `kind.name`. Valid for as long as the plugin object lives.
class Host {
public:
	virtual ~Host() = default;

	/// \brief Write one log line in this plugin's category (filtered by TB_LOG_LEVELS).
	virtual void log(LogLevel level, std::string_view message) noexcept = 0;
	/// \brief True when a message at \a level would be written (skip costly formatting).
	virtual bool logEnabled(LogLevel level) const noexcept = 0;
	virtual const HostPaths &paths() const noexcept = 0;
	/// \brief Version of the running tb core ("0.1.0").
	virtual std::string_view coreVersion() const noexcept = 0;
};

/// \brief Turn a host-absolute path ("/sys/bus/pci") into one under the host root.
inline std::string hostPath(const HostPaths &paths, std::string_view absolute)
{
	std::string root = paths.hostRoot.empty() ? std::string("/") : paths.hostRoot;
	while (root.size() > 1 && root.back() == '/')
		root.pop_back();
	if (root == "/")
		return std::string(absolute);
	std::string out = root;
	if (absolute.empty() || absolute.front() != '/')
		out += '/';
	out += absolute;
	return out;
}

} // namespace tb
