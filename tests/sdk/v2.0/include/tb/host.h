// SPDX-License-Identifier: Apache-2.0
// The host a plugin talks to: logging, paths and version directly, everything else as
// services looked up by id and version (<tb/services.h>).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tb/result.h>
#include <tb/versioned.h>

/// Host grows like the kinds: functions appended in minor N exist when apiMinor() >= N.
#define TB_HOST_API_MINOR 0u

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
class Host : public Versioned {
public:
	virtual ~Host() = default;

	/// \brief Write one log line in this plugin's category (filtered by TB_LOG_LEVELS).
	virtual void log(LogLevel level, std::string_view message) noexcept = 0;
	/// \brief True when a message at \a level would be written (skip costly formatting).
	virtual bool logEnabled(LogLevel level) const noexcept = 0;
	virtual const HostPaths &paths() const noexcept = 0;
	/// \brief Version of the running tb core ("0.1.0").
	virtual std::string_view coreVersion() const noexcept = 0;
	/// \brief The service \a id of major version \a versionMajor, or nullptr when this host has
	/// none (an older core, a test harness). Prefer service<S>().
	virtual Versioned *findService(std::string_view id, uint16_t versionMajor) noexcept = 0;

	/// \brief Look up service S (a class of <tb/services.h>, or any class with `id`,
	/// `versionMajor` and `versionMinor` members) at least at minor \a minMinor.
	/// \return Errc::Unavailable, naming the service, when the host lacks it or has an
	///	    older minor: a plugin can degrade (no progress) or fail with that message
	template<typename S>
	Result<S *> service(uint16_t minMinor = 0) noexcept
	{
		Versioned *v = findService(S::id, S::versionMajor);
		std::string name = std::string(S::id) + " " + std::to_string(S::versionMajor) + ".";
		if (!v)
			return err(Errc::Unavailable, "host service " + name +
							      "x is not available" + " in tb " +
							      std::string(coreVersion()));
		if (v->apiMinor() < minMinor)
			return err(Errc::Unavailable,
				   "host service " + name + std::to_string(v->apiMinor()) +
					   " is older than the " + name + std::to_string(minMinor) +
					   " this plugin needs");
		return static_cast<S *>(v);
	}

protected:
	explicit Host(uint16_t m = TB_HOST_API_MINOR) noexcept : Versioned(m) {}
	Host(const Host &) = delete;
	Host &operator=(const Host &) = delete;
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
