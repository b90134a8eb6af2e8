// SPDX-License-Identifier: Apache-2.0
// Pieces of `tb run` inside libtb: what a plan holds, the cache view, the transient spec.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <tb/gpu.h>
#include <tb/oci.h>
#include <tb/result.h>
#include <tb/run.h>

namespace tb {

class Context;

/// \brief Undo actions of a prepared run, run once in reverse order.
struct RunPlan::Held {
	std::vector<std::function<void()>> undo;
	~Held() { release(); }
	void release() noexcept;
};

namespace run {

/// \brief Where the kernel cache appears in the container (TRITON_CACHE_DIR is set to it).
inline constexpr const char *kTritonCachePath = "/root/.triton/cache";

/// \brief Where transient specs go: podman 4.3 reads only /etc/cdi and /var/run/cdi, and
/// /var/run/cdi is the dynamic (tmpfs) one.
inline constexpr const char *kTransientSpecDir = "/var/run/cdi";

/// \brief A random id for this run ("<pid>-<8 hex>"), part of the transient spec name.
std::string newRunId();

/// \brief The GPUs of \a gpus that \a selection names (all, first, indices, UUIDs).
/// \return Errc::NotFound naming a selected GPU that is not there
Result<std::vector<GpuDevice>> selectGpus(const std::vector<GpuDevice> &gpus,
					  const std::string &selection);

/// \brief Probe, select the GPUs, generate their CDI edits for the request's profile, and
/// hand them to the runtime: as a transient CDI spec plus device names when it resolves
/// CDI, else as explicit device nodes, mounts and variables. Takes the exclusive lease.
/// \a selected receives the GPUs passed (for the kernel cache check).
Result<void> prepareGpus(Context &ctx, const std::string &selection, const Runtime &runtime,
			 const std::string &runId, bool dryRun, RunPlan &plan,
			 std::vector<GpuDevice> &selected);

/// \brief The node-local, content-addressed dir holding the cache image \a digest.
std::string sharedCacheDir(const Context &ctx, const Digest &digest);

/// \brief Open \a ref, check it against \a gpus, extract it (unless it is there already or
/// \a dryRun) into the node-local content-addressed dir, and give the container a writable
/// view: sets plan.cacheDir/cacheView/viewKind, adds the mount and TRITON_CACHE_DIR to
/// plan.request, and the view's removal to plan.held.
Result<void> prepareCache(Context &ctx, const std::string &ref, const std::vector<GpuDevice> &gpus,
			  const std::string &runId, bool dryRun, RunPlan &plan);

} // namespace run
} // namespace tb
