// SPDX-License-Identifier: Apache-2.0
// A run's runtime process: spawn it with the caller's stdio, forward the signals the caller
// receives, reap it, report its exit status.
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>

#include <tb/run_process.h>

extern char **environ;

namespace tb {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

int statusCode(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

} // namespace

RunSignalGuard::RunSignalGuard()
{
	sigemptyset(&set_);
	for (int s : kForwarded)
		sigaddset(&set_, s);
	sigaddset(&set_, SIGCHLD);
	::pthread_sigmask(SIG_BLOCK, &set_, &old_);
}

RunSignalGuard::~RunSignalGuard()
{
	::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

int RunSignalGuard::takePending()
{
	sigset_t pending;
	sigemptyset(&pending);
	::sigpending(&pending);
	for (int s : {SIGINT, SIGTERM, SIGHUP}) {
		if (!sigismember(&pending, s))
			continue;
		sigset_t one;
		sigemptyset(&one);
		sigaddset(&one, s);
		int got = 0;
		::sigwait(&one, &got);
		return got;
	}
	return 0;
}

Result<int> runInvocation(const Invocation &inv, const RunSignalGuard &guard)
{
	if (inv.argv.empty())
		return err(Errc::InvalidArgument, "run: the runtime gave no command");
	// The runtime's own variables on top of ours (never the container's: those are in argv).
	std::vector<std::string> envStore;
	for (char **e = environ; *e; ++e) {
		std::string kv = *e;
		bool replaced = false;
		for (const auto &[k, v] : inv.env)
			replaced = replaced || kv.rfind(k + "=", 0) == 0;
		if (!replaced)
			envStore.push_back(std::move(kv));
	}
	for (const auto &[k, v] : inv.env)
		envStore.push_back(k + "=" + v);
	std::vector<char *> envp, argv;
	for (auto &e : envStore)
		envp.push_back(e.data());
	envp.push_back(nullptr);
	for (const auto &a : inv.argv)
		argv.push_back(const_cast<char *>(a.c_str()));
	argv.push_back(nullptr);

	// The child starts with the caller's original mask and default dispositions.
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &guard.previous());
	posix_spawnattr_setsigdefault(&attr, &guard.blocked());
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid = 0;
	int rc = ::posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), envp.data());
	posix_spawnattr_destroy(&attr);
	if (rc != 0)
		return err(Errc::NotFound, fmt::format("run: cannot start '{}': {}", inv.argv[0],
						       std::strerror(rc)));

	for (;;) {
		int status = 0;
		pid_t done = ::waitpid(pid, &status, WNOHANG);
		if (done == pid)
			return statusCode(status);
		if (done < 0 && errno != EINTR)
			return err(Errc::Internal, fmt::format("run: waiting for '{}': {}",
							       inv.argv[0], std::strerror(errno)));
		siginfo_t info{};
		int sig = ::sigwaitinfo(&guard.blocked(), &info);
		if (sig < 0 || sig == SIGCHLD)
			continue;
		// A key pressed on the terminal signals the whole foreground group, the runtime
		// included: sending it again would deliver it twice.
		bool fromTerminal = info.si_code == SI_KERNEL && ::getpgid(pid) == ::getpgrp();
		if (!fromTerminal)
			::kill(pid, sig);
	}
}

} // namespace tb
