// SPDX-License-Identifier: Apache-2.0
// `tb run --emit-boltfile`: the run as a Bolt service, in the schema Bolt really parses
// (src/config/mod.rs of CK-Technology/bolt): GPU settings live under [services.X.gaming].
#include <sstream>

#include <toml++/toml.h>

#include <tb/context.h>
#include <tb/run.h>

#include "internal/config_values.h"

namespace tb {
namespace {

toml::array strings(const std::vector<std::string> &v)
{
	toml::array a;
	for (const auto &s : v)
		a.push_back(s);
	return a;
}

const GpuDevice *firstOf(const std::vector<GpuDevice> &gpus, std::string_view vendor)
{
	for (const auto &g : gpus)
		if (g.vendor == vendor)
			return &g;
	return nullptr;
}

} // namespace

Result<std::string> boltfileFor(const Context &ctx, const RunPlan &plan)
{
	const Config &c = ctx.config();
	const RunRequest &r = plan.request;
	// Bolt refuses service names with spaces; a container name is a fine service name.
	std::string service = r.name.empty() ? "gpu" : r.name;
	toml::table svc;
	svc.insert("image", r.image);
	if (!r.command.empty())
		svc.insert("command", strings(r.command));
	if (!r.name.empty())
		svc.insert("container_name", r.name);
	// `surge up` reads `env`, not `environment`.
	toml::table env;
	for (const auto &[k, v] : r.env)
		env.insert_or_assign(k, v);
	if (!env.empty())
		svc.insert("env", env);
	std::vector<std::string> volumes, devices;
	for (const auto &m : r.mounts) {
		bool ro = false;
		for (const auto &opt : m.options)
			ro = ro || opt == "ro";
		volumes.push_back(m.hostPath + ":" + m.containerPath + (ro ? ":ro" : ""));
	}
	for (const auto &d : r.devices)
		devices.push_back((d.hostPath.empty() ? d.path : d.hostPath) + ":" + d.path);
	if (!volumes.empty())
		svc.insert("volumes", strings(volumes));
	// Bolt's `devices` are host nodes; CDI names have no place in its schema.
	if (!devices.empty())
		svc.insert("devices", strings(devices));
	if (!r.securityOpts.empty())
		svc.insert("security_opt", strings(r.securityOpts));

	const GpuDevice *nvidia = firstOf(plan.gpus, "nvidia");
	const GpuDevice *amd = firstOf(plan.gpus, "amd");
	bool gaming = r.profile == "gaming";
	bool aiml = r.profile == "aiml";
	if (auto it = c.profiles.find(r.profile); it != c.profiles.end()) {
		gaming = it->second.extends == "gaming";
		aiml = it->second.extends == "aiml";
	}
	// The six booleans are required by Bolt whenever [gaming] is present.
	toml::table g{{"enabled", gaming},
		      {"gpu_passthrough", !plan.gpus.empty()},
		      {"nvidia_runtime", nvidia != nullptr},
		      {"amd_runtime", amd != nullptr},
		      {"audio_passthrough", false},
		      {"real_time_priority", false}};
	toml::table gpu{{"passthrough", !plan.gpus.empty()},
			{"isolation_level",
			 r.isolation.empty() ? c.bolt.capsule.isolationLevel : r.isolation}};
	if (nvidia)
		gpu.insert("runtime", "nvidia");
	else if (amd)
		gpu.insert("runtime", "amd");
	if (!c.bolt.capsule.gpuMemoryLimit.empty())
		gpu.insert("memory_limit", c.bolt.capsule.gpuMemoryLimit);
	if (nvidia) {
		toml::table n{{"device", static_cast<int64_t>(nvidia->index)}, {"cuda", true}};
		if (gaming) {
			n.insert("dlss", c.bolt.gaming.dlssEnabled);
			n.insert("raytracing", c.bolt.gaming.rtCoresEnabled);
		}
		gpu.insert("nvidia", n);
	}
	if (amd)
		gpu.insert("amd", toml::table{{"device", static_cast<int64_t>(amd->index)},
					      {"rocm", true}});
	if (gaming)
		gpu.insert("gaming",
			   toml::table{{"profile", c.bolt.gaming.performanceProfile},
				       {"dlss_enabled", c.bolt.gaming.dlssEnabled},
				       {"rt_cores_enabled", c.bolt.gaming.rtCoresEnabled},
				       {"wine_optimizations", c.bolt.gaming.wineOptimizations},
				       {"vrs_enabled", c.bolt.gaming.vrsEnabled},
				       {"performance_profile", c.bolt.gaming.performanceProfile}});
	if (aiml)
		gpu.insert("aiml",
			   toml::table{{"mig_enabled", c.bolt.aiml.migEnabled},
				       {"tensor_cores_enabled", c.bolt.aiml.tensorCoresEnabled},
				       {"mixed_precision", c.bolt.aiml.mixedPrecision},
				       {"cuda_cache_size", c.bolt.aiml.cudaCacheSize},
				       {"memory_pool_size", c.bolt.aiml.memoryPoolSize}});
	g.insert("gpu", gpu);
	svc.insert("gaming", g);

	toml::table doc{{"project", "tb"}, {"services", toml::table{{service, svc}}}};
	std::ostringstream out;
	out << "# Boltfile.toml written by `tb run --emit-boltfile` (Bolt's schema; see "
	       "docs/runtimes/bolt.md)\n"
	    << doc << "\n";
	return out.str();
}

} // namespace tb
