// SPDX-License-Identifier: Apache-2.0
// The benchmarks on the 8x H100 fixture host: a context on it in process, and whole `tb`
// processes (TB_EXE spawned once per iteration, stdout to /dev/null).
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <tb/context.h>

extern char **environ;

namespace tb::bench {

inline std::string env(const char *name)
{
	const char *v = std::getenv(name);
	return v ? v : "";
}

/// \brief The 8x H100 fixture host (TB_FIXTURE_HOSTS/h100x8-open-mig).
inline std::string h100Host()
{
	return env("TB_FIXTURE_HOSTS") + "/h100x8-open-mig";
}

/// \brief A context on the fixture host, or null with \a state skipped when there is none.
inline std::unique_ptr<tb::Context> h100Context(benchmark::State &state)
{
	tb::ContextOptions o;
	o.hostRoot = h100Host();
	auto ctx = tb::Context::create(o);
	if (!ctx) {
		state.SkipWithError(ctx.error().message.c_str());
		return nullptr;
	}
	return std::move(*ctx);
}

/// \brief Spawn `tb ARGS` once per iteration and wait for it; a failing run stops the benchmark.
inline void tbProcess(benchmark::State &state, std::vector<std::string> args)
{
	std::string exe = env("TB_EXE");
	args.insert(args.begin(), "tb");
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (auto _ : state) {
		pid_t pid;
		if (posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ) != 0) {
			state.SkipWithError("cannot spawn tb (TB_EXE)");
			break;
		}
		int status = 0;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			state.SkipWithError(("tb " + args[1] + "... failed").c_str());
			break;
		}
	}
	posix_spawn_file_actions_destroy(&fa);
}

} // namespace tb::bench
