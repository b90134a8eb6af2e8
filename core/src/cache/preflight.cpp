// SPDX-License-Identifier: Apache-2.0
// The GPU preflight of `tb extract`: can any GPU of this host use the image's kernels?
#include <fmt/core.h>

#include <tb/caches.h>
#include <tb/gpus.h>

namespace tb {

namespace {

std::string describeTarget(const std::string &backend, const std::string &arch, int warp)
{
	return fmt::format("{} {} (warp {})", backend, arch.empty() ? "?" : arch,
			   warp ? std::to_string(warp) : "?");
}

// A GPU a probe found but that no compute stack can drive: say why instead of " ? (warp ?)".
std::string noBackend(const GpuDevice &g)
{
	if (g.driverType == "nouveau")
		return "no usable driver (nouveau has no CUDA)";
	if (g.driverType == "wsl")
		return "no usable driver (GPU-PV adapter; no NVML to name the GPU behind it)";
	return g.driverType.empty() ? "no usable driver"
				    : fmt::format("no usable driver ({})", g.driverType);
}

} // namespace

std::string describeCacheTargets(const std::vector<CacheTarget> &targets)
{
	std::string out;
	for (const auto &t : targets)
		out += (out.empty() ? "" : ", ") + describeTarget(t.backend, t.arch, t.warpSize);
	return out;
}

std::string describeGpuCompute(const GpuDevice &g)
{
	return fmt::format("{} {} {}: {}", g.vendor, g.index, g.name.empty() ? g.pciBdf : g.name,
			   g.backend.empty() ? noBackend(g)
					     : describeTarget(g.backend, g.arch, g.warpSize));
}

CachePreflight judgeCachePreflight(const CacheImage &image, const GpuInventory &inventory)
{
	CachePreflight p;
	p.targets = image.info.targets;
	if (p.targets.empty())
		return p; // nothing to check against: the caller warns
	p.compat = checkCacheCompat(p.targets, inventory.gpus);
	std::string targets = describeCacheTargets(p.targets);
	if (p.compat.noGpu()) {
		std::string why;
		for (const auto &run : inventory.probes)
			if (run.status != ProbeStatus::Ok)
				why += fmt::format("; {}: {}", run.probe, run.error.message);
		p.verdict = err(Errc::Unsupported, fmt::format("no GPU found on this host{} (image "
							       "targets: {})",
							       why, targets));
	} else if (p.compat.matching.empty()) {
		p.verdict = err(Errc::Unsupported,
				fmt::format("no GPU on this host matches the targets of {} ({})",
					    image.name, targets));
	}
	return p;
}

Result<CachePreflight> preflightCacheImage(Context &ctx, const CacheImage &image)
{
	auto inventory = TB_TRY_CTX(probeGpus(ctx), "probing GPUs");
	return judgeCachePreflight(image, inventory);
}

} // namespace tb
