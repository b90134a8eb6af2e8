// SPDX-License-Identifier: Apache-2.0
// libtb entry point: configuration, environment overrides, paths and plugins in one Context.
#include <tb/context.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "auth/credential_chain.h"
#include "internal/context_impl.h"
#include "internal/kinds.h"
#include "internal/log.h"
#include "internal/paths.h"
#include "internal/plugin_config.h"

namespace tb {

namespace {

// Each entry a kind ("runtime") or one plugin of a kind ("runtime.podman").
Result<void> checkKinds(const std::vector<std::string> &kinds)
{
	for (const auto &k : kinds) {
		auto dot = k.find('.');
		if (!findKind(k) && (dot == std::string::npos || !findKind(k.substr(0, dot))))
			return err(Errc::InvalidArgument, "unknown plugin kind '" + k + "'");
	}
	return {};
}

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

// The plugins a file would load, declarations only (no plugin is created).
PluginSet declarationsFor(const Config &c)
{
	LoaderOptions lo;
	lo.searchPath = c.core.pluginPath;
	if (const char *v = envValue("TB_PLUGIN_PATH"))
		lo.searchPath = splitColon(v);
	if (c.core.systemPlugins)
		lo.searchPath.emplace_back(systemPluginDir());
	lo.disabled = c.core.disabledPlugins;
	lo.declarationsOnly = true;
	return PluginSet::load(lo);
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
	case PluginStatus::NotLoaded:
		return "not-loaded";
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
	std::string text;
	if (!impl->configPath.empty()) {
		text = TB_TRY(readConfigText(impl->configPath));
		impl->config = TB_TRY(parseConfig(text, impl->configPath));
		impl->configText = text;
	}
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

	impl->credentials = options.credentials ? options.credentials : defaultCredentialStore();
	impl->progress = options.progress;
	impl->services.credentials = impl->credentials.get();
	impl->services.progress = impl->progress.get();
	impl->services.cancel = &impl->cancel;
	impl->services.certsDirs = defaultCertsDirs();
	if (options.tlsVerify)
		impl->services.tlsVerify = *options.tlsVerify ? TlsVerifyOverride::Verify
							      : TlsVerifyOverride::NoVerify;

	if (options.loadPlugins) {
		impl->pluginsLoaded = true;
		TB_TRY(checkKinds(options.kinds));
		LoaderOptions lo;
		lo.searchPath = c.core.pluginPath;
		if (c.core.systemPlugins)
			lo.searchPath.emplace_back(systemPluginDir());
		lo.disabled = c.core.disabledPlugins;
		lo.kinds = options.kinds;
		lo.required = c.core.requiredPlugins;
		// parseConfig() accepted the text, so it parses; the nodes carry the positions
		// that messages about plugin keys name.
		impl->configRoot = text.empty() ? toml::table() : toml::parse(text);
		impl->configOrigin = impl->configPath.empty() ? "(defaults)" : impl->configPath;
		Impl *im = impl.get();
		int64_t manifestCap = c.extract.maxManifestBytes;
		lo.configure = [im, manifestCap](const Declared &d) -> Result<ConfigView> {
			auto v = declaredView(im->configRoot, im->configOrigin, d);
			// The registry transport refuses an over-long manifest before downloading
			// it: it is lent the core's `[extract] max_manifest_bytes`, the one knob.
			if (v && d.uri == "transport.docker") {
				auto values = v->values();
				values["max_manifest_bytes"] = manifestCap;
				v = ConfigView(std::move(values), v->tables());
			}
			if (v)
				im->effective[d.uri] = *v;
			return v;
		};
		lo.trusted = c.core.trustedPluginPaths;
		lo.paths = &impl->paths;
		lo.services = &impl->services;
		impl->loader = lo;
		impl->plugins = PluginSet::load(lo);
		// A plugin key is checked like a core key: a wrong one stops tb.
		if (!impl->plugins.configErrors().empty())
			return unexpected(impl->plugins.configErrors().front());
		if (options.kinds.empty())
			for (const auto &w :
			     unclaimedTableWarnings(impl->configRoot, impl->configOrigin,
						    impl->plugins.declarations()))
				TB_LOG("config", Warn) << w;
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

Result<void> Context::loadKinds(const std::vector<std::string> &kinds)
{
	TB_TRY(checkKinds(kinds));
	if (!impl_->pluginsLoaded)
		return {}; // made without plugins (ContextOptions::loadPlugins): it stays so
	size_t errorsBefore = impl_->plugins.loadKinds(impl_->loader, kinds);
	const auto &errors = impl_->plugins.configErrors();
	if (errors.size() > errorsBefore)
		return unexpected(errors[errorsBefore]);
	return {};
}

const std::string &Context::configPath() const noexcept
{
	return impl_->configPath;
}
const Config &Context::config() const noexcept
{
	return impl_->config;
}
// The file's values with each loaded plugin's section as the plugin sees it (defaults).
static Config effectiveConfig(Config c, const std::map<std::string, ConfigView> &effective)
{
	for (const auto &[uri, view] : effective)
		c.plugins[uri] = view;
	return c;
}
std::string Context::configToml() const
{
	return configToToml(effectiveConfig(impl_->config, pluginViews()));
}
std::string Context::configJson() const
{
	return configToJson(effectiveConfig(impl_->config, pluginViews()));
}
ConfigView Context::pluginConfig(std::string_view uri) const
{
	auto views = pluginViews();
	if (auto it = views.find(std::string(uri)); it != views.end())
		return it->second;
	auto raw = impl_->config.plugins.find(std::string(uri));
	return raw == impl_->config.plugins.end() ? ConfigView() : raw->second;
}
// What each plugin sees of its section. Without loaded plugins (`tb config show`), from the
// installed plugins' declarations; a section that does not match is shown as written.
std::map<std::string, ConfigView> Context::pluginViews() const
{
	if (impl_->pluginsLoaded)
		return impl_->effective;
	std::map<std::string, ConfigView> out;
	toml::table root =
		impl_->configText.empty() ? toml::table() : toml::parse(impl_->configText);
	PluginSet set = declarationsFor(impl_->config); // owns the declarations' libraries
	for (const auto &d : set.declarations())
		if (auto v = declaredView(root, impl_->configPath, d))
			out[d.uri] = std::move(*v);
	return out;
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

void *byName(const PluginSet &set, uint32_t kind, std::string_view name)
{
	for (const auto &l : set.loaded())
		if (l.kind == kind && l.name == name)
			return l.obj.object.get();
	return nullptr;
}

} // namespace

std::vector<void *> Context::objectsOfKind(uint32_t kind) const
{
	std::vector<const Loaded *> named;
	for (const auto &l : impl_->plugins.loaded())
		if (l.kind == kind)
			named.push_back(&l);
	std::sort(named.begin(), named.end(),
		  [](const auto *a, const auto *b) { return a->name < b->name; });
	std::vector<void *> out;
	for (const auto *l : named)
		out.push_back(l->obj.object.get());
	return out;
}

std::vector<Transport *> Context::transports() const
{
	return pluginsOf<Transport>();
}
std::vector<CacheFormat *> Context::cacheFormats() const
{
	return pluginsOf<CacheFormat>();
}
std::vector<GpuProbe *> Context::gpuProbes() const
{
	return pluginsOf<GpuProbe>();
}
std::vector<Runtime *> Context::runtimes() const
{
	return pluginsOf<Runtime>();
}
Transport *Context::transport(std::string_view n) const
{
	return static_cast<Transport *>(byName(impl_->plugins, KindTraits<Transport>::id, n));
}
CacheFormat *Context::cacheFormat(std::string_view n) const
{
	return static_cast<CacheFormat *>(byName(impl_->plugins, KindTraits<CacheFormat>::id, n));
}
GpuProbe *Context::gpuProbe(std::string_view n) const
{
	return static_cast<GpuProbe *>(byName(impl_->plugins, KindTraits<GpuProbe>::id, n));
}
Runtime *Context::runtime(std::string_view n) const
{
	return static_cast<Runtime *>(byName(impl_->plugins, KindTraits<Runtime>::id, n));
}

void Context::cancel() noexcept
{
	impl_->cancel.cancel();
}
bool Context::cancelled() const noexcept
{
	return impl_->cancel.cancelled();
}

std::vector<PluginKindInfo> pluginKinds()
{
	std::vector<PluginKindInfo> out;
	for (const auto &k : pluginKindEntries())
		out.push_back({k.name, k.id, k.versionMajor, k.versionMinor});
	return out;
}

Result<std::vector<std::string>> checkConfigFile(const std::string &path)
{
	std::string text = TB_TRY(readConfigText(path));
	Config c = TB_TRY(parseConfig(text, path));
	toml::table root = toml::parse(text);
	PluginSet set = declarationsFor(c);
	for (const auto &d : set.declarations())
		TB_TRY(declaredView(root, path, d));
	return unclaimedTableWarnings(root, path, set.declarations());
}

std::string defaultConfigWithPlugins()
{
	std::string out(defaultConfigText());
	PluginSet set = declarationsFor(Config{});
	std::string sections;
	for (const auto &d : set.declarations())
		if (d.declares)
			sections += declaredSectionToml(d);
	if (!sections.empty())
		out += "\n# Sections of the plugins installed when this file was written (`tb "
		       "plugins "
		       "ls`).\n" +
		       sections;
	return out;
}

} // namespace tb
