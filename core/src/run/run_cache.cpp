// SPDX-License-Identifier: Apache-2.0
// `tb run --cache-image`: one node-local, content-addressed copy of each kernel cache image,
// shared by every run, and a writable per-run view of it for the container.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fmt/core.h>

#include <tb/caches.h>
#include <tb/context.h>
#include <tb/images.h>

#include "run/cache_view.h"
#include "run/run_internal.h"
#include "tbsupport/unique_fd.h"

namespace fs = std::filesystem;

namespace tb::run {
namespace {

std::string describeTargets(const std::vector<CacheTarget> &targets)
{
	std::string out;
	for (const auto &t : targets)
		out += (out.empty() ? "" : ", ") +
		       fmt::format("{} {}", t.backend, t.arch.empty() ? "?" : t.arch);
	return out;
}

// The cache must suit the GPUs the container gets, not merely some GPU of the host.
Result<void> preflight(const CacheImage &img, const std::vector<GpuDevice> &gpus)
{
	if (img.info.targets.empty())
		return {}; // nothing declared, nothing to check (tb extract warns the same way)
	if (gpus.empty())
		return err(Errc::Unsupported,
			   "the container gets no GPU (--gpus none), so a kernel "
			   "cache for " +
				   describeTargets(img.info.targets) + " is of no use");
	auto report = checkCacheCompat(img.info.targets, gpus);
	if (report.matching.empty())
		return err(Errc::Unsupported, "built for " + describeTargets(img.info.targets) +
						      ", which none of the GPUs passed matches");
	return {};
}

class FileLock {
public:
	Result<void> lock(const std::string &path)
	{
		fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
		if (!fd_.isValid())
			return err(Errc::Io, "opening '" + path + "': " + std::strerror(errno));
		while (::flock(fd_.get(), LOCK_EX) != 0)
			if (errno != EINTR)
				return err(Errc::Io,
					   "locking '" + path + "': " + std::strerror(errno));
		return {};
	}

private:
	support::UniqueFd fd_; ///< closing it drops the flock
};

// Extract once per digest: concurrent runs of one image wait on the digest's lock, and the
// tree appears under its final name by one rename, complete or not at all.
Result<void> extractShared(Context &ctx, ImageSource &source, const CacheImage &img,
			   const std::string &dir)
{
	std::error_code ec;
	if (fs::is_directory(dir, ec))
		return {};
	fs::path parent = fs::path(dir).parent_path();
	fs::create_directories(parent, ec);
	if (ec)
		return err(Errc::Io, "creating '" + parent.string() + "': " + ec.message());
	FileLock lock;
	TB_TRY(lock.lock(dir + ".lock"));
	if (fs::is_directory(dir, ec))
		return {}; // another run extracted it while we waited
	std::string staging = dir + ".tmp-" + std::to_string(::getpid());
	fs::remove_all(staging, ec);
	ExtractOptions o;
	o.limits = extractLimits(ctx);
	o.groupRoot = kTritonCachePath; // Triton reads the __grp__ paths inside the container
	auto r = extractCache(source, img, staging, o);
	if (!r) {
		fs::remove_all(staging, ec);
		return unexpected(std::move(r).error());
	}
	if (::rename(staging.c_str(), dir.c_str()) != 0) {
		int e = errno;
		fs::remove_all(staging, ec);
		return err(Errc::Io, "publishing '" + dir + "': " + std::strerror(e));
	}
	return {};
}

} // namespace

std::string sharedCacheDir(const Context &ctx, const Digest &digest)
{
	// No ':' in the path: `-v HOST:CTR` would split there.
	return ctx.paths().cacheDir + "/kernels/" + digest.algorithm + "-" + digest.hex;
}

Result<void> prepareCache(Context &ctx, const std::string &ref, const std::vector<GpuDevice> &gpus,
			  const std::string &runId, bool dryRun, RunPlan &plan)
{
	auto source = TB_TRY(openImageSource(ctx, ref));
	auto img = TB_TRY(openCacheImage(*source, ref, ctx.cacheFormats()));
	TB_TRY(preflight(img, gpus));
	plan.cacheDir = sharedCacheDir(ctx, img.manifestDigest);
	std::string hostDir;
	if (dryRun) {
		hostDir = ctx.paths().runtimeDir + "/runs/" + runId + "/cache";
	} else {
		TB_TRY(extractShared(ctx, *source, img, plan.cacheDir));
		auto view = TB_TRY(makeCacheView(plan.cacheDir,
						 ctx.paths().runtimeDir + "/runs/" + runId,
						 CacheViewKind::Auto));
		hostDir = view.path;
		plan.viewKind = view.kind == CacheViewKind::Overlay ? "overlay" : "copy";
		// std::function needs a copyable target; the view itself is move-only.
		auto held = std::make_shared<CacheView>(std::move(view));
		plan.held->undo.push_back([held] { held->remove(); });
	}
	plan.cacheView = hostDir;
	plan.request.mounts.push_back(Mount{hostDir, kTritonCachePath, {"rw"}});
	plan.request.env.emplace_back("TRITON_CACHE_DIR", kTritonCachePath);
	return {};
}

} // namespace tb::run
