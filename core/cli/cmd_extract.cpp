// SPDX-License-Identifier: Apache-2.0
// `tb extract`: check the image against the host GPUs, then unpack it safely into a cache dir.
#include <string>

#include <fmt/core.h>

#include <tb/caches.h>
#include <tb/printable.h>

#include "cli.h"

namespace tb::cli {

namespace {

struct ExtractArgs {
	CacheExtractRequest request;
	std::string dir;
	bool skipCompat = false;
	bool quiet = false;
	RegistryFlags flags;
	std::string platform;
};

void printWarning(std::string_view message)
{
	fmt::print(stderr, "tb: warning: {}\n", printable(message));
}

// The match table, before the verdict (an error, if any, follows it).
void printPreflight(const CacheImage &image, const CachePreflight &p, bool quiet)
{
	if (p.targets.empty()) {
		printWarning(image.name + " declares no targets; compatibility not checked");
		return;
	}
	if (quiet || p.compat.noGpu())
		return;
	fmt::print(stderr, "image targets: {}\n", describeCacheTargets(p.targets));
	for (const auto &g : p.compat.matching)
		fmt::print(stderr, "  match     {}\n", describeGpuCompute(g));
	for (const auto &g : p.compat.nonMatching)
		fmt::print(stderr, "  no match  {}\n", describeGpuCompute(g));
}

Status run(Env &env, ExtractArgs &a)
{
	Context *ctx = TB_TRY(env.openContext());
	a.request.checkGpus = !a.skipCompat;
	a.request.warn = printWarning;
	a.request.onPreflight = [&a](const CacheImage &image, const CachePreflight &p) {
		printPreflight(image, p, a.quiet);
	};
	auto r = TB_TRY(extractCacheImage(*ctx, a.request));
	if (!a.quiet)
		fmt::print("extracted {} ({}) into {}: {} added, {} replaced, {} unchanged; {} "
			   "file(s), {} bytes; {} __grp__ file(s) rewritten\n",
			   a.request.image, r.variant, r.destination, r.added.size(),
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
	cmd->add_option("-i,--image", a.request.image,
			"Image to read (store name or transport:location)")
		->required();
	auto *dir = cmd->add_option("-d,--dir", a.dir,
				    "Destination (default: $TRITON_CACHE_DIR, else "
				    "${TRITON_HOME:-~}/.triton/cache; never / or ~ itself)");
	cmd->add_flag("--allow-any-top-level", a.request.allowAnyTopLevel,
		      "Also extract names other than Triton cache-key directories at the top of "
		      "the cache (refused by default)");
	cmd->add_flag("--skip-compat,--no-gpu", a.skipCompat,
		      "Skip the check of the image targets against the host GPUs");
	cmd->add_flag("-q,--quiet", a.quiet, "Print nothing on success");
	addRegistryFlags(cmd, a.flags);
	addPlatformFlag(cmd, a.platform);
	onRun(cmd, env, [&env, dir]() {
		applyRegistryFlags(env, a.flags);
		quietTransfers(env, a.quiet);
		if (dir->count() > 0)
			a.request.destination = a.dir;
		a.request.platform = a.platform;
		return run(env, a);
	});
}

} // namespace tb::cli
