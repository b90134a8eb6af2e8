// SPDX-License-Identifier: Apache-2.0
// Finding, loading and printing nvbind.toml.
#include "internal/config.h"

#include <tb/context.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <toml++/toml.h>

#include "internal/paths.h"
#include "tbsupport/host_fs.h"

namespace tb {

namespace {

// nvbind.toml is a few KiB; a larger file is a mistake (a log, an image), not a config.
constexpr size_t MaxConfigFileBytes = size_t(4) << 20;

// An explicit file must be there; a directory or a device is named as such, not "not found".
Result<std::string> explicitFile(const std::string &path, const char *source)
{
	std::error_code ec;
	auto st = std::filesystem::status(path, ec);
	if (st.type() == std::filesystem::file_type::not_found || ec)
		return err(Errc::NotFound,
			   "config file " + path + " (from " + source + "): not found");
	if (st.type() != std::filesystem::file_type::regular)
		return err(Errc::InvalidArgument,
			   "config file " + path + " (from " + source + "): not a regular file");
	return path;
}

bool isFile(const std::string &p)
{
	std::error_code ec;
	return std::filesystem::is_regular_file(p, ec);
}

toml::array toArray(const std::vector<std::string> &v)
{
	toml::array a;
	for (const auto &s : v)
		a.push_back(s);
	return a;
}

toml::table toTable(const std::map<std::string, std::string> &m)
{
	toml::table t;
	for (const auto &[k, v] : m)
		t.insert(k, v);
	return t;
}

} // namespace

Result<std::string> findConfigFile(const std::string &explicitPath)
{
	if (!explicitPath.empty())
		return explicitFile(explicitPath, "--config");
	if (const char *env = std::getenv("TB_CONFIG"); env && *env)
		return explicitFile(env, "TB_CONFIG");
	for (const std::string &candidate :
	     {std::string("nvbind.toml"), userConfigPath(), std::string("/etc/tb/nvbind.toml")})
		if (isFile(candidate))
			return std::filesystem::absolute(candidate).string();
	return std::string();
}

Result<Config> loadConfigFile(const std::string &path)
{
	auto text = support::readFile(path, MaxConfigFileBytes);
	if (!text) {
		// support::readFile names the file ("cannot open|read PATH: why"); keep only the
		// why.
		Error e = std::move(text).error();
		std::string named = path + ": ";
		auto at = e.message.find(named);
		std::string why =
			at == std::string::npos ? e.message : e.message.substr(at + named.size());
		return err(e.code, "config file " + path + ": cannot read: " + why);
	}
	return parseConfig(*text, path);
}

Result<void> validateConfigFile(const std::string &path)
{
	TB_TRY(loadConfigFile(path));
	return {};
}

std::string_view defaultConfigFile() noexcept
{
	return defaultConfigText();
}

std::string userConfigPath()
{
	return paths::xdgConfigHome() + "/tb/nvbind.toml";
}

Result<void> writeDefaultConfig(const std::string &path, bool overwrite)
{
	return paths::writeFileAtomic(path, std::string(defaultConfigText()), overwrite)
		.wrap("config init");
}

namespace {

toml::table configTable(const Config &c)
{
	toml::table root;
	root.insert("version", c.version);
	root.insert("core", toml::table{
				    {"plugin_path", toArray(c.core.pluginPath)},
				    {"system_plugins", c.core.systemPlugins},
				    {"required_plugins", toArray(c.core.requiredPlugins)},
				    {"disabled_plugins", toArray(c.core.disabledPlugins)},
				    {"trusted_plugin_paths", toArray(c.core.trustedPluginPaths)},
				    {"log_levels", c.core.logLevels},
			    });
	root.insert("host", toml::table{{"root", c.host.root}});
	root.insert("gpu", toml::table{
				   {"default_selection", c.gpu.defaultSelection},
				   {"additional_devices", toArray(c.gpu.additionalDevices)},
				   {"additional_libraries", toArray(c.gpu.additionalLibraries)},
				   {"enable_isolation", c.gpu.enableIsolation},
			   });
	root.insert("runtime", toml::table{
				       {"default_runtime", c.runtime.defaultRuntime},
				       {"default_args", toArray(c.runtime.defaultArgs)},
				       {"environment", toTable(c.runtime.environment)},
				       {"oci_runtime", c.runtime.ociRuntime},
			       });
	root.insert("security", toml::table{
					{"security_opts", toArray(c.security.securityOpts)},
					{"allow_rootless", c.security.allowRootless},
					{"restrict_devices", c.security.restrictDevices},
				});
	root.insert("store", toml::table{{"path", c.store.path}});
	root.insert("extract", toml::table{
				       {"max_total_bytes", c.extract.maxTotalBytes},
				       {"max_entries", c.extract.maxEntries},
				       {"max_path_length", c.extract.maxPathLength},
				       {"max_ratio", c.extract.maxRatio},
				       {"max_manifest_bytes", c.extract.maxManifestBytes},
			       });
	root.insert("create", toml::table{
				      {"default_format", c.create.defaultFormat},
				      {"default_compression", c.create.defaultCompression},
			      });
	root.insert("cdi", toml::table{{"spec_dirs", toArray(c.cdi.specDirs)}});
	toml::table regs;
	for (const auto &[host, r] : c.registries)
		regs.insert(host, toml::table{{"insecure", r.insecure}, {"ca", r.ca}});
	root.insert("registries", std::move(regs));
	const auto &b = c.bolt;
	root.insert("bolt", toml::table{
				    {"capsule",
				     toml::table{
					     {"snapshot_gpu_state", b.capsule.snapshotGpuState},
					     {"isolation_level", b.capsule.isolationLevel},
					     {"quic_acceleration", b.capsule.quicAcceleration},
					     {"gpu_memory_limit", b.capsule.gpuMemoryLimit},
				     }},
				    {"gaming",
				     toml::table{
					     {"dlss_enabled", b.gaming.dlssEnabled},
					     {"rt_cores_enabled", b.gaming.rtCoresEnabled},
					     {"performance_profile", b.gaming.performanceProfile},
					     {"wine_optimizations", b.gaming.wineOptimizations},
					     {"vrs_enabled", b.gaming.vrsEnabled},
					     {"power_profile", b.gaming.powerProfile},
				     }},
				    {"aiml",
				     toml::table{
					     {"cuda_cache_size", b.aiml.cudaCacheSize},
					     {"tensor_cores_enabled", b.aiml.tensorCoresEnabled},
					     {"mixed_precision", b.aiml.mixedPrecision},
					     {"memory_pool_size", b.aiml.memoryPoolSize},
					     {"mig_enabled", b.aiml.migEnabled},
				     }},
			    });
	toml::table profiles;
	for (const auto &[name, p] : c.profiles)
		profiles.insert(name, toml::table{
					      {"description", p.description},
					      {"extends", p.extends},
					      {"gpus", p.gpus},
					      {"environment", toTable(p.environment)},
					      {"runtime_args", toArray(p.runtimeArgs)},
					      {"security_opts", toArray(p.securityOpts)},
					      {"additional_devices", toArray(p.additionalDevices)},
					      {"cache_image", p.cacheImage},
				      });
	root.insert("profiles", std::move(profiles));
	toml::table plugins;
	for (const auto &[uri, view] : c.plugins) {
		toml::table t;
		for (const auto &kv : view.values()) {
			const auto &k =
				kv.first; // a structured binding: clang 14 cannot capture it
			std::visit(
				[&](const auto &x) {
					using X = std::decay_t<decltype(x)>;
					if constexpr (std::is_same_v<X, std::vector<std::string>>)
						t.insert(k, toArray(x));
					else
						t.insert(k, x);
				},
				kv.second);
		}
		plugins.insert(uri, std::move(t));
	}
	root.insert("plugins", std::move(plugins));
	return root;
}

} // namespace

std::string configToToml(const Config &c)
{
	std::ostringstream out;
	out << configTable(c) << "\n";
	return out.str();
}

std::string configToJson(const Config &c)
{
	std::ostringstream out;
	out << toml::json_formatter{configTable(c)} << "\n";
	return out.str();
}

} // namespace tb
