// SPDX-License-Identifier: Apache-2.0
// Plugin discovery, validation and loading: the set of plugins a Context works with.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <tb/cache_format.h>
#include <tb/config_view.h>
#include <tb/context.h>
#include <tb/gpu_probe.h>
#include <tb/runtime.h>
#include <tb/transport.h>

#include "internal/host_impl.h"
#include "internal/kinds.h"

namespace tb {

class Library; // a loaded .so (Boost.DLL), see plugin_loader.cpp
class PluginTrust;

/// \brief A plugin's declared settings, copied out of its library.
struct Declared {
	std::string uri;       ///< "kind.name"
	std::string path;      ///< the .so
	bool declares = false; ///< the descriptor has settings (else: the section is free-form)
	std::vector<Setting> settings;
	std::vector<SettingTable> tables;
	std::shared_ptr<Library> lib; ///< keeps the strings of the declaration mapped
};

struct LoaderOptions {
	std::vector<std::string> searchPath; ///< directories, highest priority first
	std::vector<std::string> disabled;   ///< "kind.name"
	/// Kind names to instantiate; empty = all. Plugins of other kinds are still validated
	/// and listed (status "skipped", reason "kind not loaded by this command").
	std::vector<std::string> kinds;
	std::vector<std::string> required; ///< "kind.name" loaded whatever `kinds` says
	/// Only load and read the declared settings; create no plugin object.
	bool declarationsOnly = false;
	std::vector<std::string> trusted; ///< [core] trusted_plugin_paths
	const std::map<std::string, ConfigView> *sections = nullptr;
	/// The view a plugin gets, from its declaration (checked, defaulted); when set it
	/// replaces `sections`. An error fails the plugin and is kept in configErrors().
	std::function<Result<ConfigView>(const Declared &)> configure;
	const HostPaths *paths = nullptr;
	const SharedServices *services = nullptr;
};

/// \brief One live plugin object. Declaration order matters: the object is destroyed first,
/// then its Host, then (possibly) the library that holds its code.
struct Loaded {
	std::string name;
	uint32_t kind = 0;
	std::shared_ptr<Library> lib;
	std::unique_ptr<HostImpl> host;
	PluginObject obj;
};

class PluginSet {
public:
	PluginSet() = default;
	~PluginSet();
	PluginSet(PluginSet &&) noexcept;
	PluginSet &operator=(PluginSet &&) noexcept;

	/// \brief Scan, validate, load and instantiate. Never fails as a whole: each plugin
	/// gets a status and a reason.
	static PluginSet load(const LoaderOptions &options);

	const std::vector<PluginInfo> &infos() const noexcept { return infos_; }
	const std::vector<Loaded> &loaded() const noexcept { return loaded_; }
	/// \brief Settings declared by the plugins that own their kind.name (any status but
	/// incompatible/disabled/shadowed), in search order.
	const std::vector<Declared> &declarations() const noexcept { return declared_; }

	/// \brief The ok objects of interface T, in load order.
	template<typename T>
	std::vector<T *> objects() const
	{
		std::vector<T *> out;
		for (const auto &l : loaded_)
			if (l.kind == KindTraits<T>::id)
				out.push_back(static_cast<T *>(l.obj.object.get()));
		return out;
	}
	std::vector<Transport *> transports() const { return objects<Transport>(); }
	std::vector<CacheFormat *> cacheFormats() const { return objects<CacheFormat>(); }
	std::vector<GpuProbe *> gpuProbes() const { return objects<GpuProbe>(); }
	std::vector<Runtime *> runtimes() const { return objects<Runtime>(); }

	/// \brief Errors of plugin sections that do not match their plugin's declaration.
	const std::vector<Error> &configErrors() const noexcept { return configErrors_; }

	/// \brief Load the plugins of \a kinds that load() left out (ContextOptions::kinds), with
	/// the options load() had. \return the number of configErrors() before the call
	size_t loadKinds(const LoaderOptions &o, const std::vector<std::string> &kinds);

	/// \return Errc::InvalidArgument naming the plugin when a required plugin is not ok
	Result<void> checkRequired(const std::vector<std::string> &required) const;

private:
	void loadFile(const std::string &path, const std::string &canonical, const LoaderOptions &o,
		      PluginTrust &trust, std::map<std::string, size_t> &owner);
	void instantiate(PluginInfo &info, std::shared_ptr<Library> lib, const LoaderOptions &o);

	std::vector<PluginInfo> infos_;
	std::vector<Declared> declared_;
	std::vector<Error> configErrors_;
	std::vector<Loaded> loaded_;
};

/// \brief The compiled-in plugin directory (${libdir}/tb/plugins).
const char *systemPluginDir() noexcept;

} // namespace tb
