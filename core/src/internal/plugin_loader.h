// SPDX-License-Identifier: Apache-2.0
// Plugin discovery, validation and loading: the set of plugins a Context works with.
#pragma once

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

namespace tb {

struct LoaderOptions {
	std::vector<std::string> searchPath; ///< directories, highest priority first
	std::vector<std::string> disabled;   ///< "kind.name"
	std::vector<std::string> trusted;    ///< [core] trusted_plugin_paths
	const std::map<std::string, ConfigView> *sections = nullptr;
	const HostPaths *paths = nullptr;
};

class Library; // a loaded .so (Boost.DLL), see plugin_loader.cpp

/// \brief One live plugin object. Declaration order matters: the object is destroyed first,
/// then its Host, then (possibly) the library that holds its code.
template<typename T>
struct Loaded {
	std::string name;
	std::shared_ptr<Library> lib;
	std::unique_ptr<HostImpl> host;
	std::unique_ptr<T> obj;
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
	const std::vector<Loaded<Transport>> &transports() const noexcept { return transports_; }
	const std::vector<Loaded<CacheFormat>> &cacheFormats() const noexcept
	{
		return cacheFormats_;
	}
	const std::vector<Loaded<GpuProbe>> &gpuProbes() const noexcept { return gpuProbes_; }
	const std::vector<Loaded<Runtime>> &runtimes() const noexcept { return runtimes_; }

	/// \return Errc::NotFound / the plugin's status reason when a required plugin is not ok
	Result<void> checkRequired(const std::vector<std::string> &required) const;

private:
	static void instantiateKind(PluginSet &set, PluginInfo &info, std::shared_ptr<Library> lib,
				    const LoaderOptions &o);

	std::vector<PluginInfo> infos_;
	std::vector<Loaded<Transport>> transports_;
	std::vector<Loaded<CacheFormat>> cacheFormats_;
	std::vector<Loaded<GpuProbe>> gpuProbes_;
	std::vector<Loaded<Runtime>> runtimes_;
};

/// \brief The compiled-in plugin directory (${libdir}/tb/plugins).
const char *systemPluginDir() noexcept;

} // namespace tb
