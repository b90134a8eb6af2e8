// SPDX-License-Identifier: Apache-2.0
// libtb entry point: configuration, environment overrides, paths and plugins in one Context.
#include <tb/context.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "internal/context_impl.h"
#include "internal/log.h"
#include "internal/paths.h"

namespace tb {

namespace {

std::vector<std::string> splitColon(std::string_view s)
{
	std::vector<std::string> out;
	size_t pos = 0;
	while (pos <= s.size()) {
		size_t c = s.find(':', pos);
		auto item = s.substr(pos, c == std::string_view::npos ? s.npos : c - pos);
		if (!item.empty())
			out.emplace_back(item);
		if (c == std::string_view::npos)
			break;
		pos = c + 1;
	}
	return out;
}

const char *envValue(const char *name)
{
	const char *v = std::getenv(name);
	return (v && *v) ? v : nullptr;
}

// Where each overridable value came from, so an error names the variable or option the
// user actually set instead of the config key it replaced.
struct Sources {
	std::string logLevels = "[core] log_levels";
	std::string hostRoot = "[host] root";
};

// Environment variables override config keys; one table keeps the rules in one place.
struct EnvOverride {
	const char *variable;
	void (*apply)(Config &, Sources &, const char *);
};

const EnvOverride kEnvOverrides[] = {
	{"TB_PLUGIN_PATH",
	 [](Config &c, Sources &, const char *v) { c.core.pluginPath = splitColon(v); }},
	{"TB_LOG_LEVELS",
	 [](Config &c, Sources &s, const char *v) {
		 c.core.logLevels = v;
		 s.logLevels = "TB_LOG_LEVELS";
	 }},
	{"TB_HOST_ROOT",
	 [](Config &c, Sources &s, const char *v) {
		 c.host.root = v;
		 s.hostRoot = "TB_HOST_ROOT";
	 }},
};

Result<std::string> checkHostRoot(const std::string &root, const std::string &source)
{
	std::error_code ec;
	if (!std::filesystem::is_directory(root, ec))
		return err(Errc::InvalidArgument,
			   "host root " + root + " (from " + source + "): not a directory");
	return std::filesystem::absolute(root, ec).lexically_normal().string();
}

} // namespace

std::string_view version() noexcept
{
	return TB_VERSION;
}

std::string_view pluginStatusName(PluginStatus s) noexcept
{
	switch (s) {
	case PluginStatus::Ok:
		return "ok";
	case PluginStatus::Skipped:
		return "skipped";
	case PluginStatus::Failed:
		return "failed";
	case PluginStatus::Disabled:
		return "disabled";
	case PluginStatus::Shadowed:
		return "shadowed";
	case PluginStatus::Incompatible:
		return "incompatible";
	case PluginStatus::Untrusted:
		return "untrusted";
	}
	return "unknown";
}

Context::Context(std::unique_ptr<Impl> impl) : impl_(std::move(impl))
{
}
Context::~Context() = default;

Result<std::unique_ptr<Context>> Context::create(const ContextOptions &options)
{
	auto impl = std::make_unique<Impl>();
	impl->configPath = TB_TRY(findConfigFile(options.configFile));
	if (!impl->configPath.empty())
		impl->config = TB_TRY(loadConfigFile(impl->configPath));
	Config &c = impl->config;
	Sources src;
	if (!impl->configPath.empty()) {
		src.logLevels += " in " + impl->configPath;
		src.hostRoot += " in " + impl->configPath;
	}
	for (const auto &o : kEnvOverrides)
		if (const char *v = envValue(o.variable))
			o.apply(c, src, v);
	if (!options.hostRoot.empty()) {
		c.host.root = options.hostRoot;
		src.hostRoot = "--host-root";
	}
	if (!options.logLevels.empty()) {
		c.core.logLevels = options.logLevels;
		src.logLevels = "--log-level";
	}

	TB_TRY_CTX(log::setLevels(c.core.logLevels),
		   "log levels '" + c.core.logLevels + "' (from " + src.logLevels + ")");
	c.host.root = TB_TRY(checkHostRoot(c.host.root, src.hostRoot));

	HostPaths &p = impl->paths;
	p.hostRoot = c.host.root;
	p.stateDir = paths::xdgStateHome() + "/tb";
	p.cacheDir = paths::xdgCacheHome() + "/tb";
	p.runtimeDir = paths::xdgRuntimeDir() + "/tb";
	// The store is user data (images one would back up), so it lives under XDG_DATA_HOME.
	p.storeDir = c.store.path.empty() ? paths::xdgDataHome() + "/tb/store" : c.store.path;

	if (options.loadPlugins) {
		LoaderOptions lo;
		lo.searchPath = c.core.pluginPath;
		if (c.core.systemPlugins)
			lo.searchPath.emplace_back(systemPluginDir());
		lo.disabled = c.core.disabledPlugins;
		lo.trusted = c.core.trustedPluginPaths;
		// The registry transport refuses an over-long manifest before downloading it, so
		// it needs the core's cap: lent to it as a key of its section (its own key wins).
		auto sections = c.plugins;
		auto values = sections["transport.docker"].values();
		values.try_emplace("max_manifest_bytes", c.extract.maxManifestBytes);
		sections["transport.docker"] = ConfigView(std::move(values));
		lo.sections = &sections;
		lo.paths = &impl->paths;
		impl->plugins = PluginSet::load(lo);
		for (const auto &i : impl->plugins.infos()) {
			if (i.status == PluginStatus::Failed ||
			    i.status == PluginStatus::Incompatible)
				TB_LOG("loader", Warn)
					<< "plugin " << i.path << ": " << pluginStatusName(i.status)
					<< ": " << i.reason;
			else if (i.status == PluginStatus::Skipped)
				TB_LOG("loader", Info)
					<< "plugin " << i.uri << " skipped: " << i.reason;
		}
		TB_TRY(impl->plugins.checkRequired(c.core.requiredPlugins));
	}
	return std::unique_ptr<Context>(new Context(std::move(impl)));
}

const std::string &Context::configPath() const noexcept
{
	return impl_->configPath;
}
const Config &Context::config() const noexcept
{
	return impl_->config;
}
std::string Context::configToml() const
{
	return configToToml(impl_->config);
}
std::string Context::configJson() const
{
	return configToJson(impl_->config);
}
const HostPaths &Context::paths() const noexcept
{
	return impl_->paths;
}
const std::vector<PluginInfo> &Context::plugins() const noexcept
{
	return impl_->plugins.infos();
}

namespace {

template<typename T>
std::vector<T *> objects(const std::vector<Loaded<T>> &v)
{
	std::vector<std::pair<std::string, T *>> named;
	for (const auto &l : v)
		named.emplace_back(l.name, l.obj.get());
	std::sort(named.begin(), named.end(),
		  [](const auto &a, const auto &b) { return a.first < b.first; });
	std::vector<T *> out;
	for (auto &[n, o] : named)
		out.push_back(o);
	return out;
}

template<typename T>
T *byName(const std::vector<Loaded<T>> &v, std::string_view name)
{
	for (const auto &l : v)
		if (l.name == name)
			return l.obj.get();
	return nullptr;
}

} // namespace

std::vector<Transport *> Context::transports() const
{
	return objects(impl_->plugins.transports());
}
std::vector<CacheFormat *> Context::cacheFormats() const
{
	return objects(impl_->plugins.cacheFormats());
}
std::vector<GpuProbe *> Context::gpuProbes() const
{
	return objects(impl_->plugins.gpuProbes());
}
std::vector<Runtime *> Context::runtimes() const
{
	return objects(impl_->plugins.runtimes());
}
Transport *Context::transport(std::string_view n) const
{
	return byName(impl_->plugins.transports(), n);
}
CacheFormat *Context::cacheFormat(std::string_view n) const
{
	return byName(impl_->plugins.cacheFormats(), n);
}
GpuProbe *Context::gpuProbe(std::string_view n) const
{
	return byName(impl_->plugins.gpuProbes(), n);
}
Runtime *Context::runtime(std::string_view n) const
{
	return byName(impl_->plugins.runtimes(), n);
}

} // namespace tb
