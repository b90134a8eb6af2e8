// SPDX-License-Identifier: Apache-2.0
// The core's nvbind.toml keys (internal/config_keys.h). To add a key: a field with its default
// in <tb/config.h>, one row here; parsing, show, init and the docs table follow.
#include "internal/config_keys.h"

namespace tb::config {

namespace {

// A key's field: a captureless accessor, its return type is the key's type.
#define TB_KEY(expr)                                                                               \
	+[](Config & c) -> auto &                                                                  \
	{                                                                                          \
		return c.expr;                                                                     \
	}
#define TB_PROFILE_KEY(expr)                                                                       \
	+[](Profile & p) -> auto &                                                                 \
	{                                                                                          \
		return p.expr;                                                                     \
	}

constexpr const char *kFormats[] = {"compat", "plain", nullptr};
constexpr const char *kCompressions[] = {"gzip", "zstd", "none", nullptr};
constexpr const char *kIsolation[] = {"shared", "exclusive", "virtual", nullptr};
constexpr const char *kPerformance[] = {"performance", "balanced", "efficiency",
					"ultra-low-latency", nullptr};
constexpr const char *kPower[] = {"maximum", "balanced", "power-saver", nullptr};
constexpr const char *kExtends[] = {"", "gaming", "aiml", nullptr};

const Key<Config> kCoreKeys[] = {
	{"", "version", TB_KEY(version), "file format version", nullptr, nullptr, 1},

	{"core", "plugin_path", TB_KEY(core.pluginPath),
	 "extra plugin dirs, searched first; `TB_PLUGIN_PATH` (`:`-separated) replaces it"},
	{"core", "system_plugins", TB_KEY(core.systemPlugins),
	 "also search `${libdir}/tb/plugins`"},
	{"core", "required_plugins", TB_KEY(core.requiredPlugins),
	 "plugin URIs (`kind.name`) that must load, else tb exits 2", nullptr, checkPluginUri},
	{"core", "disabled_plugins", TB_KEY(core.disabledPlugins),
	 "plugin URIs (`kind.name`) never loaded", nullptr, checkPluginUri},
	{"core", "trusted_plugin_paths", TB_KEY(core.trustedPluginPaths),
	 "plugin files or dirs loaded even though another user could write them or a directory "
	 "above them (otherwise `untrusted`)"},
	{"core", "log_levels", TB_KEY(core.logLevels),
	 "log levels: `category:level,…`; categories `loader`, `kind.name`, `probe.*`; "
	 "`TB_LOG_LEVELS` and `--log-level` replace it",
	 nullptr, checkLogLevels},

	{"host", "root", TB_KEY(host.root),
	 "prefix for sysfs, procfs, devfs and driver files; `TB_HOST_ROOT` and `--host-root` "
	 "replace it"},

	{"gpu", "default_selection", TB_KEY(gpu.defaultSelection),
	 "GPUs a container gets when none are named: `all`, `none`, `first`, or indices/UUIDs "
	 "`\"0,2\"`",
	 nullptr, checkGpuSelection},
	{"gpu", "additional_devices", TB_KEY(gpu.additionalDevices),
	 "extra device nodes for GPU containers (`/dev/fuse`)"},
	{"gpu", "additional_libraries", TB_KEY(gpu.additionalLibraries),
	 "extra host libraries mounted read-only into GPU containers"},
	{"gpu", "enable_isolation", TB_KEY(gpu.enableIsolation),
	 "accepted for nvbind compatibility; no effect (tb sets up no cgroup isolation)"},

	{"runtime", "default_runtime", TB_KEY(runtime.defaultRuntime),
	 "runtime name: the runtime plugin `tb run` uses without `--runtime`", nullptr,
	 checkRuntimeName},
	{"runtime", "default_args", TB_KEY(runtime.defaultArgs),
	 "arguments inserted after `<runtime> run`"},
	{"runtime", "environment", TB_KEY(runtime.environment),
	 "environment of every container (a profile may add to it)"},
	{"runtime", "oci_runtime", TB_KEY(runtime.ociRuntime),
	 "OCI runtime the `tb-runtime` shim execs (docs/runtimes/shim.md); `\"\"` = `runc`, else "
	 "`crun`, on PATH"},

	{"security", "security_opts", TB_KEY(security.securityOpts), "`--security-opt` values"},
	{"security", "allow_rootless", TB_KEY(security.allowRootless),
	 "accepted for nvbind compatibility (rootless podman is always allowed)"},
	{"security", "restrict_devices", TB_KEY(security.restrictDevices),
	 "accepted for nvbind compatibility (device access is what CDI grants)"},

	{"store", "path", TB_KEY(store.path),
	 "embedded image store (an OCI layout); `\"\"` = `$XDG_DATA_HOME/tb/store` (default "
	 "`~/.local/share/tb/store`)"},

	{"extract", "max_total_bytes", TB_KEY(extract.maxTotalBytes),
	 "uncompressed bytes per image (64 GiB)", nullptr, nullptr, 1},
	{"extract", "max_entries", TB_KEY(extract.maxEntries),
	 "files, directories and links per image", nullptr, nullptr, 1},
	{"extract", "max_path_length", TB_KEY(extract.maxPathLength), "bytes per entry path",
	 nullptr, nullptr, 16},
	{"extract", "max_ratio", TB_KEY(extract.maxRatio),
	 "uncompressed/compressed ratio (bomb guard)", nullptr, nullptr, 1},
	{"extract", "max_manifest_bytes", TB_KEY(extract.maxManifestBytes),
	 "size cap (4 MiB) on the image manifest and on the layer's "
	 "`io.triton.manifest/manifest.json`, refused on its declared size before it is read; the "
	 "registry transport is lent it and refuses a longer manifest before reading it "
	 "(`Content-Length`) or stops reading at the cap; the manifest parser's own ceiling stays "
	 "4 MiB",
	 nullptr, nullptr, 1024},

	{"create", "default_format", TB_KEY(create.defaultFormat), "`compat` or `plain`", kFormats},
	{"create", "default_compression", TB_KEY(create.defaultCompression),
	 "`gzip`, `zstd` or `none`", kCompressions},

	{"cdi", "spec_dirs", TB_KEY(cdi.specDirs),
	 "CDI spec directories `tb cdi list` reads after `/etc/cdi`, `/var/run/cdi` (later ones "
	 "win)"},

	{"bolt.capsule", "snapshot_gpu_state", TB_KEY(bolt.capsule.snapshotGpuState),
	 "Bolt capsule key"},
	{"bolt.capsule", "isolation_level", TB_KEY(bolt.capsule.isolationLevel),
	 "`shared`, `exclusive`, `virtual` (docs/profiles.md)", kIsolation},
	{"bolt.capsule", "quic_acceleration", TB_KEY(bolt.capsule.quicAcceleration),
	 "Bolt capsule key"},
	{"bolt.capsule", "gpu_memory_limit", TB_KEY(bolt.capsule.gpuMemoryLimit),
	 "a size (`8GB`, `512MiB`), `\"\"` = no limit", nullptr, checkSizeOrNone},

	{"bolt.gaming", "dlss_enabled", TB_KEY(bolt.gaming.dlssEnabled), "gaming profile"},
	{"bolt.gaming", "rt_cores_enabled", TB_KEY(bolt.gaming.rtCoresEnabled), "gaming profile"},
	{"bolt.gaming", "performance_profile", TB_KEY(bolt.gaming.performanceProfile),
	 "`performance`, `balanced`, `efficiency`, `ultra-low-latency`", kPerformance},
	{"bolt.gaming", "wine_optimizations", TB_KEY(bolt.gaming.wineOptimizations),
	 "gaming profile"},
	{"bolt.gaming", "vrs_enabled", TB_KEY(bolt.gaming.vrsEnabled), "gaming profile"},
	{"bolt.gaming", "power_profile", TB_KEY(bolt.gaming.powerProfile),
	 "`maximum`, `balanced`, `power-saver`", kPower},

	{"bolt.aiml", "cuda_cache_size", TB_KEY(bolt.aiml.cudaCacheSize), "MB", nullptr, nullptr,
	 0},
	{"bolt.aiml", "tensor_cores_enabled", TB_KEY(bolt.aiml.tensorCoresEnabled), "aiml profile"},
	{"bolt.aiml", "mixed_precision", TB_KEY(bolt.aiml.mixedPrecision), "aiml profile"},
	{"bolt.aiml", "memory_pool_size", TB_KEY(bolt.aiml.memoryPoolSize),
	 "a size: `8GB` (10^9 bytes), `8GiB` (2^30)", nullptr, checkSize},
	{"bolt.aiml", "mig_enabled", TB_KEY(bolt.aiml.migEnabled),
	 "aiml profile; every `bolt.gaming`/`bolt.aiml` key's effect: docs/profiles.md"},
};

const Key<Profile> kProfileKeys[] = {
	{"", "description", TB_PROFILE_KEY(description),
	 "user profile for `tb run --profile NAME`"},
	{"", "extends", TB_PROFILE_KEY(extends),
	 "`\"\"`, `gaming` or `aiml`: start from that built-in profile", kExtends},
	{"", "gpus", TB_PROFILE_KEY(gpus), "GPU selection, `\"\"` = `gpu.default_selection`",
	 nullptr, checkProfileGpus},
	{"", "environment", TB_PROFILE_KEY(environment), "added to the container environment"},
	{"", "runtime_args", TB_PROFILE_KEY(runtimeArgs), "added runtime arguments"},
	{"", "security_opts", TB_PROFILE_KEY(securityOpts), "added `--security-opt` values"},
	{"", "additional_devices", TB_PROFILE_KEY(additionalDevices), "added device nodes"},
	{"", "cache_image", TB_PROFILE_KEY(cacheImage),
	 "kernel cache image to mount into the container"},
};

#undef TB_KEY
#undef TB_PROFILE_KEY

const Section kSections[] = {
	{"", SectionKind::Keys},
	{"core", SectionKind::Keys},
	{"host", SectionKind::Keys},
	{"gpu", SectionKind::Keys},
	{"runtime", SectionKind::Keys},
	{"security", SectionKind::Keys},
	{"store", SectionKind::Keys},
	{"extract", SectionKind::Keys,
	 "Caps that stop hostile or runaway cache images during `tb extract`."},
	{"create", SectionKind::Keys, "Defaults of `tb create`."},
	{"cdi", SectionKind::Keys},
	{"registries", SectionKind::Reserved,
	 "Per-registry settings of the registry transport (transport.docker), keyed by "
	 "host[:port]:\n"
	 "[registries.\"registry.example.com:5000\"]\n"
	 "insecure = false              # plain HTTP / unverified TLS\n"
	 "ca = \"\"                       # PEM file with extra CA certificates\n"
	 "mirrors = []                  # \"host[:port][/prefix]\" pulled from first, in order"},
	{"bolt.capsule", SectionKind::Keys,
	 "Bolt capsule settings (keys of the nvbind/Bolt guide)."},
	{"bolt.gaming", SectionKind::Keys, "Applied by `tb run --profile gaming`."},
	{"bolt.aiml", SectionKind::Keys, "Applied by `tb run --profile aiml`."},
	{"profiles", SectionKind::Profiles, "User profiles for `tb run --profile NAME`:"},
	{"plugins", SectionKind::Plugins,
	 "Plugin sections, keyed by \"kind.name\" (see `tb plugins ls`); each plugin's keys are "
	 "in\n"
	 "docs/config.md. `tb config init` adds the sections of the installed plugins below."},
};

} // namespace

std::span<const Section> sections()
{
	return kSections;
}

std::span<const Key<Config>> coreKeys()
{
	return kCoreKeys;
}

std::span<const Key<Profile>> profileKeys()
{
	return kProfileKeys;
}

} // namespace tb::config
