// SPDX-License-Identifier: Apache-2.0
// `tb run`'s child: the runtime process, with tb's stdin/stdout/stderr (and so its terminal),
// the signals tb receives forwarded to it, and its exit status returned.
#pragma once

#include <csignal>

#include <tb/result.h>
#include <tb/runtime.h>

namespace tb::cli {

/// \brief Blocks the signals `tb run` forwards, from before the run is prepared (so a SIGINT
/// while the spec is written cannot skip its removal) until destroyed.
class SignalGuard {
public:
	SignalGuard();
	~SignalGuard();
	SignalGuard(const SignalGuard &) = delete;
	SignalGuard &operator=(const SignalGuard &) = delete;

	/// \brief A terminating signal (SIGINT, SIGTERM, SIGHUP) that arrived while blocked, or 0;
	/// it is consumed.
	int takePending();
	const sigset_t &blocked() const { return set_; }
	const sigset_t &previous() const { return old_; }

private:
	sigset_t set_{};
	sigset_t old_{};
};

/// \brief Start \a inv and wait for it, forwarding SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1
/// and SIGUSR2 (a terminal's own SIGINT/SIGQUIT already reached it: not sent twice).
/// \return the exit code, 128+N when killed by signal N; Errc::NotFound when the runtime
///	    cannot be started
Result<int> runChild(const Invocation &inv, const SignalGuard &guard);

} // namespace tb::cli
