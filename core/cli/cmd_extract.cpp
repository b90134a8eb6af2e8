// SPDX-License-Identifier: Apache-2.0
// `tb extract`: check the image against the host GPUs, then unpack it safely into a cache dir.
#include <cstdio>
#include <string>

#include <fmt/core.h>

#include <tb/caches.h>
#include <tb/gpus.h>
#include <tb/images.h>
#include <tb/printable.h>

#include "cli.h"

namespace tb::cli {

namespace {

struct ExtractArgs {
	std::string image, dir;
	bool dirGiven = false;
	bool skipCompat = false;
	bool quiet = false;
	RegistryFlags flags;
	std::string platform;
	bool allowAnyTopLevel = false;
};

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
				    : "no usable driver (" + g.driverType + ")";
}

std::string describeGpu(const GpuDevice &g)
{
	return fmt::format("{} {} {}: {}", g.vendor, g.index, g.name.empty() ? g.pciBdf : g.name,
			   g.backend.empty() ? noBackend(g)
					     : describeTarget(g.backend, g.arch, g.warpSize));
}

// Print the match table; an error when nothing on this host can use the cache.
Result<void> preflight(Context &ctx, const CacheImage &img, bool quiet)
{
	auto inv = TB_TRY_CTX(probeGpus(ctx), "probing GPUs");
	std::string targets;
	for (const auto &t : img.info.targets)
		targets += (targets.empty() ? "" : ", ") +
			   describeTarget(t.backend, t.arch, t.warpSize);
	if (img.info.targets.empty()) {
		std::fprintf(stderr,
			     "tb: warning: %s declares no targets; compatibility not checked\n",
			     img.name.c_str());
		return {};
	}
	auto report = checkCacheCompat(img.info.targets, inv.gpus);
	if (report.noGpu()) {
		std::string why;
		for (const auto &p : inv.probes)
			if (p.status != ProbeStatus::Ok)
				why += fmt::format("; {}: {}", p.probe, p.error.message);
		return err(Errc::Unsupported, "no GPU found on this host" + why +
						      " (image targets: " + targets +
						      "); pass --skip-compat to extract anyway");
	}
	if (!quiet) {
		std::fprintf(stderr, "image targets: %s\n", targets.c_str());
		for (const auto &g : report.matching)
			std::fprintf(stderr, "  match     %s\n", describeGpu(g).c_str());
		for (const auto &g : report.nonMatching)
			std::fprintf(stderr, "  no match  %s\n", describeGpu(g).c_str());
	}
	if (report.matching.empty())
		return err(Errc::Unsupported, "no GPU on this host matches the targets of " +
						      img.name + " (" + targets +
						      "); pass --skip-compat to extract anyway");
	return {};
}

void printWarning(void *, std::string_view message)
{
	std::fprintf(stderr, "tb: warning: %s\n", printable(message).c_str());
}

Status run(Env &env, const ExtractArgs &a)
{
	// -d '' is a mistake (an unset variable), never a request for the default.
	if (a.dirGiven && a.dir.empty())
		return err(Errc::InvalidArgument, "-d/--dir: empty directory name");
	Context *ctx = TB_TRY(env.openContext());
	auto source = TB_TRY(openImageSource(*ctx, a.image));
	auto img = TB_TRY(openCacheImage(*source, a.image, ctx->cacheFormats(), a.platform));
	if (!a.skipCompat)
		TB_TRY(preflight(*ctx, img, a.quiet));
	ExtractOptions o;
	o.limits = extractLimits(*ctx);
	o.warn = printWarning;
	o.allowAnyTopLevel = a.allowAnyTopLevel;
	auto r = TB_TRY(extractCache(*source, img, defaultTritonCacheDir(a.dir), o));
	if (!a.quiet)
		fmt::print("extracted {} ({}) into {}: {} added, {} replaced, {} unchanged; {} "
			   "file(s), "
			   "{} bytes; {} __grp__ file(s) rewritten\n",
			   a.image, img.info.variant, r.destination, r.added.size(),
			   r.replaced.size(), r.unchanged.size(), r.files, r.bytes,
			   r.groupsRewritten);
	return ExitOk;
}

} // namespace

void registerExtract(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("extract",
				       "Unpack a kernel cache image into a Triton cache dir");
	static ExtractArgs a;
	cmd->add_option("-i,--image", a.image, "Image to read (store name or transport:location)")
		->required();
	auto *dir = cmd->add_option("-d,--dir", a.dir,
				    "Destination (default: $TRITON_CACHE_DIR, else "
				    "${TRITON_HOME:-~}/.triton/cache; never / or ~ itself)");
	cmd->add_flag("--allow-any-top-level", a.allowAnyTopLevel,
		      "Also extract names other than Triton cache-key directories at the top of "
		      "the cache (refused by default)");
	cmd->add_flag("--skip-compat,--no-gpu", a.skipCompat,
		      "Skip the check of the image targets against the host GPUs");
	cmd->add_flag("-q,--quiet", a.quiet, "Print nothing on success");
	addRegistryFlags(cmd, a.flags);
	addPlatformFlag(cmd, a.platform);
	onRun(cmd, env, [&env, dir]() {
		applyRegistryFlags(a.flags);
		quietTransfers(a.quiet);
		a.dirGiven = dir->count() > 0;
		return run(env, a);
	});
}

} // namespace tb::cli
