// SPDX-License-Identifier: Apache-2.0
// Workload profiles: which driver capabilities a container gets and which variables real
// software reads for the [bolt.gaming] / [bolt.aiml] keys (the mapping is docs/profiles.md).
#include "internal/profiles.h"

#include <algorithm>

#include "internal/config_values.h"

namespace tb {

namespace {

bool builtin(std::string_view n)
{
	return n == "default" || n == "gaming" || n == "aiml";
}

// "8GB" -> "8G", "512MiB" -> "512M": the unit letters MPS reads; whole MiB otherwise.
std::string mpsSize(uint64_t bytes)
{
	constexpr uint64_t G = 1ULL << 30, M = 1ULL << 20;
	if (bytes % G == 0)
		return std::to_string(bytes / G) + "G";
	return std::to_string(std::max<uint64_t>(1, bytes / M)) + "M";
}

void gamingEnv(const BoltGaming &g, std::string_view vendor, std::vector<std::string> &env)
{
	bool nv = vendor == "nvidia";
	const std::string &p = g.performanceProfile;
	// Frame pacing: NVIDIA's GL driver reads __GL_*, Mesa (AMD, Intel) reads vblank_mode;
	// DXVK reads its own config in every case.
	if (p == "ultra-low-latency" || p == "performance") {
		env.push_back(nv ? "__GL_SYNC_TO_VBLANK=0" : "vblank_mode=0");
		if (nv && p == "ultra-low-latency")
			env.push_back("__GL_MaxFramesAllowed=1");
		if (p == "ultra-low-latency")
			env.push_back(
				"DXVK_CONFIG=dxgi.maxFrameLatency = 1; d3d9.maxFrameLatency = 1");
	} else if (p == "efficiency") {
		env.push_back(nv ? "__GL_SYNC_TO_VBLANK=1" : "vblank_mode=3");
		env.push_back("DXVK_FRAME_RATE=60");
	}
	if (g.rtCoresEnabled)
		env.push_back("VKD3D_CONFIG=dxr");
	// DLSS under Proton goes through DXVK-NVAPI; it exists for NVIDIA GPUs only.
	if (nv && g.dlssEnabled) {
		env.push_back("DXVK_ENABLE_NVAPI=1");
		env.push_back("PROTON_ENABLE_NVAPI=1");
		env.push_back("PROTON_HIDE_NVIDIA_GPU=0");
	}
	if (g.wineOptimizations) {
		env.push_back("WINEESYNC=1");
		env.push_back("WINEFSYNC=1");
	}
}

void aimlEnv(const BoltAiml &a, std::string_view vendor, std::vector<std::string> &env)
{
	// 0 = no pool size (an empty or unreadable value; the config parser checks it)
	uint64_t pool =
		a.memoryPoolSize.empty() ? 0 : config::parseSize(a.memoryPoolSize).value_or(0);
	if (vendor == "nvidia" || vendor == "microsoft") {
		// The CUDA JIT cache holds at most 4 GiB.
		uint64_t cache = std::min<uint64_t>(static_cast<uint64_t>(a.cudaCacheSize) << 20,
						    4ULL << 30);
		env.push_back("CUDA_CACHE_MAXSIZE=" + std::to_string(cache));
		if (!a.tensorCoresEnabled || !a.mixedPrecision)
			env.push_back("NVIDIA_TF32_OVERRIDE=0");
		else
			env.push_back("TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1");
		if (pool)
			env.push_back("PYTORCH_CUDA_ALLOC_CONF=max_split_size_mb:" +
				      std::to_string(pool >> 20));
	} else if (vendor == "amd") {
		if (pool)
			env.push_back("PYTORCH_HIP_ALLOC_CONF=max_split_size_mb:" +
				      std::to_string(pool >> 20));
	}
}

} // namespace

std::string mpsMemoryLimit(uint64_t bytes)
{
	return mpsSize(bytes);
}

Result<void> checkProfile(const Config &config, std::string_view name)
{
	if (name.empty() || builtin(name) || config.profiles.count(std::string(name)))
		return {};
	std::string known = "default, gaming, aiml";
	for (const auto &[n, p] : config.profiles)
		known += ", " + n;
	return err(Errc::InvalidArgument,
		   "profile '" + std::string(name) + "': not defined (known: " + known + ")");
}

Result<ResolvedProfile> resolveProfile(const Config &config, std::string_view name)
{
	TB_TRY(checkProfile(config, name));
	ResolvedProfile r;
	r.name = name.empty() ? "default" : std::string(name);
	r.base = r.name;
	if (!builtin(r.name)) {
		const Profile &user = config.profiles.at(r.name);
		r.base = user.extends.empty() ? "default" : user.extends;
		if (!builtin(r.base))
			return err(Errc::InvalidArgument,
				   "profile '" + r.name + "': extends '" + user.extends +
					   "', which is not a built-in profile (default, gaming, "
					   "aiml)");
		for (const auto &[k, v] : user.environment)
			r.userEnv.emplace_back(k, v);
		r.additionalDevices = user.additionalDevices;
	}
	if (r.base == "gaming") {
		r.compute = false;
		r.partitions = false; // MIG instances have no graphics
	} else if (r.base == "aiml") {
		r.graphics = r.display = r.video = false;
		r.drmNodes = false;
		r.lib32 = false;
		r.partitions = config.bolt.aiml.migEnabled;
		// DataLoader workers share batches through /dev/shm; pinned memory needs memlock.
		uint64_t pool =
			config::parseSize(config.bolt.aiml.memoryPoolSize).value_or(8ULL << 30);
		r.runtimeArgs = {"--shm-size=" + std::to_string(pool >> 20) + "m",
				 "--ulimit=memlock=-1:-1"};
	}
	return r;
}

std::vector<std::string> profileEnv(const ResolvedProfile &profile, const Config &config,
				    std::string_view vendor)
{
	std::vector<std::string> env;
	if (vendor == "nvidia") {
		std::string caps;
		for (auto [on, word] : {std::pair{profile.compute, "compute"},
					{profile.utility, "utility"},
					{profile.graphics, "graphics"},
					{profile.display, "display"},
					{profile.video, "video"}})
			if (on)
				caps += (caps.empty() ? "" : ",") + std::string(word);
		if (profile.compute && profile.utility && profile.graphics && profile.display &&
		    profile.video)
			caps = "all";
		env.push_back("NVIDIA_DRIVER_CAPABILITIES=" + caps);
	}
	if (profile.base == "gaming") {
		env.push_back("BOLT_WORKLOAD_TYPE=gaming");
		gamingEnv(config.bolt.gaming, vendor, env);
	} else if (profile.base == "aiml") {
		env.push_back("BOLT_WORKLOAD_TYPE=ai-ml");
		aimlEnv(config.bolt.aiml, vendor, env);
	}
	for (const auto &[k, v] : profile.userEnv) {
		std::string prefix = k + "=";
		std::erase_if(env, [&](const std::string &e) { return e.starts_with(prefix); });
		env.push_back(prefix + v);
	}
	return env;
}

} // namespace tb
