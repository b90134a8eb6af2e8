// SPDX-License-Identifier: Apache-2.0
// Pieces of `tb run` inside libtb: what a plan holds, the cache view, the transient spec.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <tb/cdi.h>
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

/// \brief The newest cdiVersion a transient spec may have: podman 4.3 (Debian 12) knows up
/// to 0.5.0, and every newer consumer reads older versions. Fields that need more (the
/// additionalGids of group-only nodes) are left out with a warning.
inline constexpr const char *kTransientCdiVersion = "0.5.0";

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
/// \a userEnv (the user's -e, applied last) decides whether a persistent spec's variables
/// would override something.
/// \a runtime nullptr: explicit edits whatever the runtime (a Boltfile).
Result<void> prepareGpus(Context &ctx, const std::string &selection, const Runtime *runtime,
			 const std::string &runId, bool dryRun, const EnvList &userEnv,
			 RunPlan &plan, std::vector<GpuDevice> &selected);

/// \brief Devices of the host's persistent CDI specs that a run can name instead of writing
/// its own spec.
struct PersistentDevices {
	std::vector<std::string> names; ///< fully qualified ("nvidia.com/gpu=all")
	std::vector<std::string> files; ///< the spec files defining them
	std::vector<std::string> env;   ///< the variables they set ("K=V"), applied after -e
};

/// \brief For each entry of \a candidates (the acceptable names of one GPU, or {"all"}),
/// the first name a spec of \a wanted's kind in \a dirs defines usably (runtime precedence,
/// no conflict, cdiVersion <= kTransientCdiVersion), provided those devices together give
/// every device node, mount and hook of \a wanted (variables travel as -e anyway).
/// \return nullopt when the persistent specs do not cover the request
std::optional<PersistentDevices>
findPersistentDevices(const std::vector<std::string> &dirs, const CdiSpec &wanted,
		      const std::vector<std::vector<std::string>> &candidates);

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
