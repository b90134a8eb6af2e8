// SPDX-License-Identifier: Apache-2.0
// libtb: turn "run IMAGE with GPUs, a profile and a kernel cache" into a runtime's argv.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <tb/gpu.h>
#include <tb/result.h>
#include <tb/runtime.h>

namespace tb {

class Context;
class RunSignalGuard;

/// \brief What a caller of `tb run` asks for, before config and profile are applied. Empty
/// fields take their value from the config (`[runtime] default_runtime`, the profile, ...).
struct RunOptions {
	std::string runtime; ///< runtime plugin name ("podman"); "" = [runtime] default_runtime
	std::string profile; ///< "gaming", "aiml", a [profiles.NAME], or "" for none
	std::string gpus;    ///< GPU selection ("all", "0,2"); "" = the profile's or [gpu]'s
	std::string image;   ///< required
	std::vector<std::string> command;
	std::string cacheImage; ///< kernel cache image to mount; "" = the profile's, if any
	EnvList env;            ///< added to the container environment
	std::vector<std::string> extraArgs; ///< added runtime arguments
	std::string name;                   ///< container name, may be empty
	bool interactive = false;
	bool tty = false;
	std::string
		isolation; ///< shared | exclusive | virtual; "" = [bolt.capsule] isolation_level
	/// Build everything but write nothing: no transient CDI spec, no lease, no cache
	/// extraction (the image is only opened and checked), no writable view.
	bool dryRun = false;
	/// For a Boltfile (boltfileFor): a dry run whose GPUs are explicit devices, mounts and
	/// variables even for a runtime that resolves CDI names (a Boltfile has no field for
	/// them), and no invocation is built.
	bool forBoltfile = false;
	/// runContainer(): write the Boltfile here (implies forBoltfile); "" = only
	/// RunOutcome::boltfile.
	std::string boltfilePath;
	/// runContainer(): called with each warning of the plan as soon as it is known, before the
	/// runtime starts (they are in RunOutcome::warnings too).
	std::function<void(const std::string &)> onWarning;
};

/// \brief A run ready to start: the runtime's invocation plus what tb holds for it (the
/// transient CDI spec, the GPU lease, the container's writable kernel-cache view). All of it
/// is released when the plan is destroyed or release() is called, on every exit path.
class RunPlan {
public:
	RunPlan();
	~RunPlan();
	RunPlan(RunPlan &&) noexcept;
	RunPlan &operator=(RunPlan &&) noexcept;

	std::string runtime;         ///< the runtime plugin used
	std::vector<GpuDevice> gpus; ///< the GPUs passed to the container
	RunRequest request;          ///< what the plugin was given
	Invocation invocation;       ///< argv + environment of the runtime process
	/// The transient CDI spec files (written, or to be written in a dry run), with their text.
	std::vector<std::pair<std::string, std::string>> specs;
	/// Persistent spec files (CDI dirs, [cdi] spec_dirs) whose devices the run names
	/// instead of writing a transient spec, because they already give everything it needs.
	std::vector<std::string> persistentSpecs;
	std::string cacheDir;  ///< node-local shared copy of the kernel cache ("" = none)
	std::string cacheView; ///< the container's writable view of it ("" = none / dry run)
	std::string viewKind;  ///< "overlay" or "copy"
	std::vector<std::string> warnings; ///< what the spec left out or cannot honour

	/// \brief Remove the transient specs and the cache view, drop the lease. Idempotent.
	void release() noexcept;

	struct Held; ///< owned resources (libtb-internal)
	std::unique_ptr<Held> held;
};

/// \brief Apply config and profile, probe the GPUs, make the run's CDI spec, take the
/// isolation lease, prepare the kernel cache, and let the runtime plugin build the
/// invocation (argv + environment) that starts the container. Nothing is executed.
/// \return Errc::InvalidArgument for a missing image, a bad runtime name, an unknown profile
///	    or a request the runtime cannot express; Errc::NotFound for a runtime plugin that
///	    is not loaded; the runtime's own error when it is not usable here (a dry run
///	    accepts a runtime that is not installed)
Result<RunPlan> buildRunInvocation(Context &ctx, const RunOptions &options);

/// \brief A Boltfile (Bolt's Boltfile.toml) with one service for \a plan: image, command,
/// env, volumes and devices, and the GPU settings Bolt's schema has (`[services.X.gaming]`,
/// `.gpu`, `.gpu.nvidia`/`.amd`, `.gpu.gaming`/`.gpu.aiml` from the profile and `[bolt.*]`).
Result<std::string> boltfileFor(const Context &ctx, const RunPlan &plan);

/// \brief What runContainer() did.
struct RunOutcome {
	/// The runtime's exit code, 128+N when signal N killed it or stopped the run before the
	/// runtime started, 127 when it could not be started (startError); 0 for a dry run or
	/// a Boltfile.
	int exitCode = 0;
	bool started = false;            ///< the runtime process ran
	std::optional<Error> startError; ///< why the runtime could not be started
	std::vector<std::string> warnings;
	std::string runtime;   ///< the runtime plugin used
	Invocation invocation; ///< argv + environment of the runtime (dry run: what would run)
	/// Transient CDI spec files with their text; persistent spec files named instead.
	std::vector<std::pair<std::string, std::string>> specs;
	std::vector<std::string> persistentSpecs;
	std::string dryRun; ///< options.dryRun: what `tb run --dry-run` prints (shell line, specs)
	std::string boltfile; ///< options.forBoltfile: the Boltfile text
};

/// \brief `tb run` in one call: buildRunInvocation(), then the Boltfile (forBoltfile), the
/// dry-run report (dryRun), or the runtime started with runInvocation() and waited for. The
/// plan's resources (transient spec, lease, cache view) are released before it returns.
/// \param guard created by the caller before its Context (see RunSignalGuard)
/// \return the errors of buildRunInvocation() and boltfileFor(); Errc::Io when the Boltfile
///	    cannot be written. A runtime that cannot be started is RunOutcome::startError.
Result<RunOutcome> runContainer(Context &ctx, const RunOptions &options, RunSignalGuard &guard);

/// \brief One line a POSIX shell reads back as \a argv (single quotes where needed).
std::string shellQuote(const std::vector<std::string> &argv);

} // namespace tb
