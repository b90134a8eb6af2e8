// SPDX-License-Identifier: Apache-2.0
// libtb: the core as a library. Load configuration and plugins; everything else hangs off this.
#pragma once

#include <map>
#include <memory>
#include <optional>
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
#include <tb/services.h>
#include <tb/transport.h>

namespace tb {

/// \brief How a Context is set up. Empty strings mean "use the normal search order".
struct ContextOptions {
	std::string configFile; ///< --config FILE (highest priority)
	std::string hostRoot;   ///< --host-root DIR (overrides TB_HOST_ROOT and [host] root)
	std::string logLevels;  ///< --log-level (overrides TB_LOG_LEVELS and [core] log_levels)
	bool loadPlugins = true;
	/// Kinds to load ("probe", "transport", ...) or single plugins ("runtime.podman"); empty
	/// = all. Other plugins are validated and listed with status not-loaded; a required
	/// plugin is always loaded.
	std::vector<std::string> kinds;
	/// Host service tb.credentials; nullptr = the core's (auth files, helpers).
	std::shared_ptr<CredentialStore> credentials;
	/// Host service tb.progress: receives the plugins' progress; nullptr = not offered (and
	/// plugins show none).
	std::shared_ptr<Progress> progress;
	/// `--tls-verify`: true = verified HTTPS, false = any certificate and plain HTTP, for
	/// every registry of this run, whatever the configuration says (tb.registry-tls 1.1).
	std::optional<bool> tlsVerify;
};

/// \brief Outcome of loading one plugin file.
enum class PluginStatus {
	Ok,
	Skipped,
	Failed,
	Disabled,
	Shadowed,
	Incompatible,
	Untrusted,
	NotLoaded,
};

std::string_view pluginStatusName(PluginStatus s) noexcept;

/// \brief One row of `tb plugins ls`.
struct PluginInfo {
	std::string kind; ///< "transport", "cache", "probe", "runtime" or "unknown"
	std::string name; ///< plugin name; the file stem when the descriptor is unreadable
	std::string uri;  ///< "kind.name"
	std::string version;
	std::string apiVersion; ///< "major.minor" of the kind API it was built against
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

	/// \brief Load the plugins of \a kinds (kinds or "kind.name", as ContextOptions::kinds)
	/// that ContextOptions::kinds left out (a verb that
	/// finds it needs them after all: `tb run` with a cache image). Plugins already loaded
	/// stay as they are. \return the first error of a plugin section, as create() would
	Result<void> loadKinds(const std::vector<std::string> &kinds);

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

	/// \brief The ok instances of any kind's interface T, sorted by plugin name.
	template<typename T>
	std::vector<T *> pluginsOf() const
	{
		std::vector<T *> out;
		for (void *p : objectsOfKind(KindTraits<T>::id))
			out.push_back(static_cast<T *>(p));
		return out;
	}

	/// \brief The section plugin \a uri ("transport.docker") gets: declared defaults filled
	/// in, its record tables (`[registries."HOST"]`); as written when it declares nothing.
	ConfigView pluginConfig(std::string_view uri) const;

	/// \brief Ask every plugin (through host service tb.cancel) to stop; safe to call from
	/// a signal handler or another thread. Operations then fail with Errc::Cancelled.
	void cancel() noexcept;
	bool cancelled() const noexcept;

private:
	std::vector<void *> objectsOfKind(uint32_t kind) const;
	std::map<std::string, ConfigView> pluginViews() const;
	class Impl;
	explicit Context(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

/// \brief Version of the tb core ("0.1.0").
std::string_view version() noexcept;

/// \brief A plugin kind this core loads, with the API version it implements.
struct PluginKindInfo {
	std::string name; ///< "transport"
	uint32_t id = 0;
	uint16_t versionMajor = 0;
	uint16_t versionMinor = 0;
};
std::vector<PluginKindInfo> pluginKinds();

/// \brief Parse and check a config file without using it: the core's keys, and the sections
/// of the installed plugins that declare their settings (read from them, none is created).
/// \return Errc::InvalidArgument with "FILE:LINE:COL: ..." or "FILE: key 'x': ...", Errc::NotFound
Result<void> validateConfigFile(const std::string &path);
/// \brief The same, with warnings (settings nothing reads, e.g. [registries] when no
/// installed plugin declares it).
Result<std::vector<std::string>> checkConfigFile(const std::string &path);
/// \brief The documented default file plus a section per installed plugin that declares
/// settings (what `tb config init` writes).
std::string defaultConfigWithPlugins();
/// \brief The documented default nvbind.toml: every key with its default value.
std::string_view defaultConfigFile() noexcept;
/// \brief Where `tb config init` writes by default ($XDG_CONFIG_HOME/tb/nvbind.toml).
std::string userConfigPath();
/// \brief Write the default config file to \a path (atomically; Errc::Conflict if it exists
/// and \a overwrite is false).
Result<void> writeDefaultConfig(const std::string &path, bool overwrite);

} // namespace tb
