// SPDX-License-Identifier: Apache-2.0
// The typed nvbind.toml configuration. Every key has a default, so a partial file is valid.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <tb/config_view.h>
#include <tb/result.h>

namespace tb {

struct CoreSection {
	std::vector<std::string> pluginPath;      ///< replaced by TB_PLUGIN_PATH
	bool systemPlugins = true;                ///< also scan the compiled-in plugin dir
	std::vector<std::string> requiredPlugins; ///< "kind.name"
	std::vector<std::string> disabledPlugins; ///< "kind.name"
	std::string logLevels = "*:warn";         ///< replaced by TB_LOG_LEVELS, --log-level
	bool operator==(const CoreSection &) const = default;
};

struct HostSection {
	std::string root = "/"; ///< replaced by TB_HOST_ROOT, --host-root
	bool operator==(const HostSection &) const = default;
};

struct GpuSection {
	std::string defaultSelection = "all"; ///< all | none | first | comma list of indices/UUIDs
	std::vector<std::string> additionalDevices;
	std::vector<std::string> additionalLibraries;
	bool enableIsolation = false; ///< accepted for nvbind compatibility; see docs/config.md
	bool operator==(const GpuSection &) const = default;
};

struct RuntimeSection {
	std::string defaultRuntime = "podman";
	std::vector<std::string> defaultArgs = {"--rm"};
	std::map<std::string, std::string> environment = {{"NVIDIA_DRIVER_CAPABILITIES", "all"}};
	bool operator==(const RuntimeSection &) const = default;
};

struct SecuritySection {
	std::vector<std::string> securityOpts;
	bool allowRootless = true;
	bool restrictDevices = false;
	bool operator==(const SecuritySection &) const = default;
};

struct StoreSection {
	std::string path; ///< empty = $XDG_DATA_HOME/tb/store
	bool operator==(const StoreSection &) const = default;
};

/// Caps that stop hostile or runaway images during extraction.
struct ExtractSection {
	int64_t maxTotalBytes = 64LL << 30; ///< uncompressed bytes per image
	int64_t maxEntries = 1'000'000;
	int64_t maxPathLength = 4096;
	int64_t maxRatio = 1000; ///< uncompressed / compressed
	int64_t maxManifestBytes = 4LL << 20;
	bool operator==(const ExtractSection &) const = default;
};

struct CreateSection {
	std::string defaultFormat = "compat";     ///< compat | plain
	std::string defaultCompression = "gzip";  ///< gzip | zstd | none
	bool operator==(const CreateSection &) const = default;
};

struct RegistryEntry {
	bool insecure = false; ///< plain HTTP / unverified TLS
	std::string ca;        ///< PEM file with extra CA certificates
	bool operator==(const RegistryEntry &) const = default;
};

struct BoltCapsule {
	bool snapshotGpuState = true;
	std::string isolationLevel = "exclusive"; ///< shared | exclusive | virtual
	bool quicAcceleration = true;
	std::string gpuMemoryLimit; ///< "" = no limit, else e.g. "8GB"
	bool operator==(const BoltCapsule &) const = default;
};

struct BoltGaming {
	bool dlssEnabled = true;
	bool rtCoresEnabled = true;
	std::string performanceProfile = "performance"; ///< performance | balanced | efficiency | ultra-low-latency
	bool wineOptimizations = true;
	bool vrsEnabled = true;
	std::string powerProfile = "maximum"; ///< maximum | balanced | power-saver
	bool operator==(const BoltGaming &) const = default;
};

struct BoltAiml {
	int64_t cudaCacheSize = 2048; ///< MB
	bool tensorCoresEnabled = true;
	bool mixedPrecision = true;
	std::string memoryPoolSize = "8GB";
	bool migEnabled = false;
	bool operator==(const BoltAiml &) const = default;
};

struct BoltSection {
	BoltCapsule capsule;
	BoltGaming gaming;
	BoltAiml aiml;
	bool operator==(const BoltSection &) const = default;
};

/// A user profile `[profiles.<name>]`, applied by `tb run --profile <name>`.
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
	std::map<std::string, RegistryEntry> registries;
	BoltSection bolt;
	std::map<std::string, Profile> profiles;
	std::map<std::string, ConfigView> plugins; ///< "kind.name" -> section
	bool operator==(const Config &) const = default;
};

/// \brief Parse TOML text. \a origin names the source in messages ("/etc/tb/nvbind.toml").
/// \return Errc::InvalidArgument: "FILE:LINE:COL: ..." for syntax errors, "FILE: key 'x.y': ..."
///	    for unknown keys, wrong types and bad enum values
Result<Config> parseConfig(std::string_view text, std::string_view origin);
Result<Config> loadConfigFile(const std::string &path);

/// \brief Where the config comes from: --config, TB_CONFIG, ./nvbind.toml,
/// $XDG_CONFIG_HOME/tb/nvbind.toml, /etc/tb/nvbind.toml. "" = none found (defaults).
/// \return Errc::NotFound when an explicit --config / TB_CONFIG file is missing
Result<std::string> findConfigFile(const std::string &explicitPath);

/// \brief The effective configuration rendered as TOML (every key, defaults included).
std::string configToToml(const Config &config);

/// \brief The documented default file (configs/nvbind.toml), embedded at build time.
std::string_view defaultConfigText() noexcept;

} // namespace tb
