// SPDX-License-Identifier: Apache-2.0
// libtb: the effective nvbind.toml as typed, read-only values (no TOML type appears here).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <tb/config_view.h>

namespace tb {

// Every key has a default (the field's initializer), so a partial file is valid. Keys and
// defaults: docs/config.md. A new field is read, shown and documented once it has its row in
// the core's key table (core/src/config_keys.cpp). A program gets these from
// Context::config(); only libtb creates them.

/// \brief `[core]`: plugin search, required/disabled plugins, log levels.
struct CoreSection {
	std::vector<std::string> pluginPath;      ///< replaced by TB_PLUGIN_PATH
	bool systemPlugins = true;                ///< also scan the compiled-in plugin dir
	std::vector<std::string> requiredPlugins; ///< "kind.name"
	std::vector<std::string> disabledPlugins; ///< "kind.name"
	/// Plugin files or dirs loaded even when others could write them (plugin_trust.h).
	std::vector<std::string> trustedPluginPaths;
	std::string logLevels = "*:warn"; ///< replaced by TB_LOG_LEVELS, --log-level
	bool operator==(const CoreSection &) const = default;
};

/// \brief `[host]`: where host files (sysfs, procfs, devfs, drivers) live.
struct HostSection {
	std::string root = "/"; ///< replaced by TB_HOST_ROOT, --host-root
	bool operator==(const HostSection &) const = default;
};

/// \brief `[gpu]`: which GPUs a container gets and what comes with them.
struct GpuSection {
	std::string defaultSelection = "all"; ///< all | none | first | comma list of indices/UUIDs
	std::vector<std::string> additionalDevices;
	std::vector<std::string> additionalLibraries;
	bool enableIsolation = false; ///< accepted for nvbind compatibility; see docs/config.md
	bool operator==(const GpuSection &) const = default;
};

/// \brief `[runtime]`: the container runtime `tb run` uses and its defaults.
struct RuntimeSection {
	std::string defaultRuntime = "podman";
	std::vector<std::string> defaultArgs = {"--rm"};
	std::map<std::string, std::string> environment = {{"NVIDIA_DRIVER_CAPABILITIES", "all"}};
	std::string ociRuntime; ///< what tb-runtime execs: "" = runc, else crun, on PATH
	bool operator==(const RuntimeSection &) const = default;
};

/// \brief `[security]`: security options for containers.
struct SecuritySection {
	std::vector<std::string> securityOpts;
	bool allowRootless = true;
	bool restrictDevices = false;
	bool operator==(const SecuritySection &) const = default;
};

/// \brief `[store]`: the embedded local image store.
struct StoreSection {
	std::string path; ///< empty = $XDG_DATA_HOME/tb/store
	bool operator==(const StoreSection &) const = default;
};

/// \brief `[extract]`: caps that stop hostile or runaway images during extraction.
struct ExtractSection {
	int64_t maxTotalBytes = 64LL << 30; ///< uncompressed bytes per image
	int64_t maxEntries = 1'000'000;
	int64_t maxPathLength = 4096;
	int64_t maxRatio = 1000; ///< uncompressed / compressed
	int64_t maxManifestBytes = 4LL << 20;
	bool operator==(const ExtractSection &) const = default;
};

/// \brief `[create]`: defaults of `tb create`.
struct CreateSection {
	std::string defaultFormat = "compat";    ///< compat | plain
	std::string defaultCompression = "gzip"; ///< gzip | zstd | none
	bool operator==(const CreateSection &) const = default;
};

/// \brief `[cdi]`: CDI spec directories read after /etc/cdi and /var/run/cdi (later wins).
struct CdiSection {
	std::vector<std::string> specDirs;
	bool operator==(const CdiSection &) const = default;
};

/// \brief `[bolt.capsule]` (nvbind/Bolt guide keys).
struct BoltCapsule {
	bool snapshotGpuState = true;
	std::string isolationLevel = "exclusive"; ///< shared | exclusive | virtual
	bool quicAcceleration = true;
	std::string gpuMemoryLimit; ///< "" = no limit, else e.g. "8GB"
	bool operator==(const BoltCapsule &) const = default;
};

/// \brief `[bolt.gaming]`: the built-in gaming profile.
struct BoltGaming {
	bool dlssEnabled = true;
	bool rtCoresEnabled = true;
	std::string performanceProfile =
		"performance"; ///< performance | balanced | efficiency | ultra-low-latency
	bool wineOptimizations = true;
	bool vrsEnabled = true;
	std::string powerProfile = "maximum"; ///< maximum | balanced | power-saver
	bool operator==(const BoltGaming &) const = default;
};

/// \brief `[bolt.aiml]`: the built-in aiml profile.
struct BoltAiml {
	int64_t cudaCacheSize = 2048; ///< MB
	bool tensorCoresEnabled = true;
	bool mixedPrecision = true;
	std::string memoryPoolSize = "8GB";
	bool migEnabled = false;
	bool operator==(const BoltAiml &) const = default;
};

/// \brief `[bolt]`.
struct BoltSection {
	BoltCapsule capsule;
	BoltGaming gaming;
	BoltAiml aiml;
	bool operator==(const BoltSection &) const = default;
};

/// \brief A user profile `[profiles.<name>]`, applied by `tb run --profile <name>`.
struct Profile {
	std::string description;
	std::string extends; ///< "", "gaming" or "aiml": start from that built-in profile
	std::string gpus;    ///< GPU selection, "" = [gpu] default_selection
	std::map<std::string, std::string> environment;
	std::vector<std::string> runtimeArgs;
	std::vector<std::string> securityOpts;
	std::vector<std::string> additionalDevices;
	std::string cacheImage; ///< kernel cache image to mount
	bool operator==(const Profile &) const = default;
};

/// \brief The whole file, after environment and command-line overrides were applied.
struct Config {
	int64_t version = 1;
	CoreSection core;
	HostSection host;
	GpuSection gpu;
	RuntimeSection runtime;
	SecuritySection security;
	StoreSection store;
	ExtractSection extract;
	CreateSection create;
	CdiSection cdi;
	/// Top-level tables reserved for the plugin that declares them (`[registries."HOST"]`,
	/// the registry transport's), as written; that plugin's declaration checks them.
	std::map<std::string, ConfigView::Records> pluginTables;
	BoltSection bolt;
	std::map<std::string, Profile> profiles;
	std::map<std::string, ConfigView> plugins; ///< "kind.name" -> section
	bool operator==(const Config &) const = default;
};

} // namespace tb
