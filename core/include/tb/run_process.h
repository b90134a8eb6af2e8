// SPDX-License-Identifier: Apache-2.0
// Starting the runtime of a prepared run (tb/run.h) as a child process: the caller's stdio
// (and so its terminal), the signals it receives forwarded, the exit status passed on.
#pragma once

#include <csignal>

#include <tb/result.h>
#include <tb/runtime.h>

namespace tb {

/// \brief Blocks, in the calling thread, the signals a run forwards (SIGINT, SIGTERM, SIGHUP,
/// SIGQUIT, SIGUSR1, SIGUSR2) and SIGCHLD, until destroyed. Create it before the run is
/// prepared (buildRunInvocation), so a SIGINT while the spec is written cannot skip its
/// removal, and before starting threads that should not take those signals.
class RunSignalGuard {
public:
	RunSignalGuard();
	~RunSignalGuard();
	RunSignalGuard(const RunSignalGuard &) = delete;
	RunSignalGuard &operator=(const RunSignalGuard &) = delete;

	/// \brief A terminating signal (SIGINT, SIGTERM, SIGHUP) that arrived while blocked, or 0;
	/// it is consumed.
	int takePending();
	const sigset_t &blocked() const { return set_; }
	const sigset_t &previous() const { return old_; }

private:
	sigset_t set_{};
	sigset_t old_{};
};

/// \brief Start \a inv (its env over the caller's environment) with the caller's stdio and
/// wait for it, forwarding SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 (a
/// terminal's own SIGINT/SIGQUIT already reached it: not sent twice).
/// \return the exit code, 128+N when killed by signal N; Errc::NotFound when the runtime
///	    cannot be started; Errc::InvalidArgument for an empty argv
Result<int> runInvocation(const Invocation &inv, const RunSignalGuard &guard);

} // namespace tb
