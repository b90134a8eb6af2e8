// SPDX-License-Identifier: Apache-2.0
// libtb: the core as a library. Load configuration and plugins; everything else hangs off this.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tb/cache_format.h>
#include <tb/config.h>
#include <tb/gpu_probe.h>
#include <tb/host.h>
#include <tb/plugin.h>
#include <tb/result.h>
#include <tb/runtime.h>
#include <tb/transport.h>

namespace tb {

/// \brief How a Context is set up. Empty strings mean "use the normal search order".
struct ContextOptions {
	std::string configFile; ///< --config FILE (highest priority)
	std::string hostRoot;   ///< --host-root DIR (overrides TB_HOST_ROOT and [host] root)
	std::string logLevels;  ///< --log-level (overrides TB_LOG_LEVELS and [core] log_levels)
	bool loadPlugins = true;
};

/// \brief Outcome of loading one plugin file.
enum class PluginStatus { Ok, Skipped, Failed, Disabled, Shadowed, Incompatible, Untrusted };

std::string_view pluginStatusName(PluginStatus s) noexcept;

/// \brief One row of `tb plugins ls`.
struct PluginInfo {
	std::string kind; ///< "transport", "cache", "probe", "runtime" or "unknown"
	std::string name; ///< plugin name; the file stem when the descriptor is unreadable
	std::string uri;  ///< "kind.name"
	std::string version;
	std::string path;
	PluginStatus status = PluginStatus::Failed;
	std::string reason; ///< why it is not ok (empty when ok)
};

class Context {
public:
	/// \return Errc::InvalidArgument for a bad config file or a failed required plugin
	static Result<std::unique_ptr<Context>> create(const ContextOptions &options);
	~Context();
	Context(const Context &) = delete;
	Context &operator=(const Context &) = delete;

	/// \brief The config file in use, or "" when running on built-in defaults.
	const std::string &configPath() const noexcept;
	/// \brief The effective configuration: the file's values (or the defaults) after
	/// environment and command-line overrides. Read-only; valid as long as the Context.
	const Config &config() const noexcept;
	/// \brief The effective configuration as TOML text, every key with its value.
	std::string configToml() const;
	/// \brief The same as one JSON object (sections and keys as in the TOML).
	std::string configJson() const;
	const HostPaths &paths() const noexcept;

	/// \brief Every plugin file found, in search order, with its status.
	const std::vector<PluginInfo> &plugins() const noexcept;

	/// \brief Instances of the plugins that loaded with status ok, sorted by name.
	std::vector<Transport *> transports() const;
	std::vector<CacheFormat *> cacheFormats() const;
	std::vector<GpuProbe *> gpuProbes() const;
	std::vector<Runtime *> runtimes() const;

	/// \brief Find one ok plugin instance by name, or nullptr.
	Transport *transport(std::string_view name) const;
	CacheFormat *cacheFormat(std::string_view name) const;
	GpuProbe *gpuProbe(std::string_view name) const;
	Runtime *runtime(std::string_view name) const;

private:
	class Impl;
	explicit Context(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

/// \brief Version of the tb core ("0.1.0").
std::string_view version() noexcept;

/// \brief Parse and check a config file without using it.
/// \return Errc::InvalidArgument with "FILE:LINE:COL: ..." or "FILE: key 'x': ...", Errc::NotFound
Result<void> validateConfigFile(const std::string &path);
/// \brief The documented default nvbind.toml: every key with its default value.
std::string_view defaultConfigFile() noexcept;
/// \brief Where `tb config init` writes by default ($XDG_CONFIG_HOME/tb/nvbind.toml).
std::string userConfigPath();
/// \brief Write the default config file to \a path (atomically; Errc::Conflict if it exists
/// and \a overwrite is false).
Result<void> writeDefaultConfig(const std::string &path, bool overwrite);

} // namespace tb
