// SPDX-License-Identifier: Apache-2.0
// GPU probing speed: in-process probeGpus() on the 8x H100 fixture host, and a whole
// `tb info --json` process on the same host.
#include <cstdlib>
#include <memory>
#include <string>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "bench_common.h"

#include <tb/context.h>
#include <tb/gpus.h>

extern char **environ;

namespace {

std::string env(const char *name)
{
	const char *v = std::getenv(name);
	return v ? v : "";
}

std::string h100Host()
{
	return env("TB_FIXTURE_HOSTS") + "/h100x8-open-mig";
}

// A context on the fixture host, or null with \a state skipped when there is none.
std::unique_ptr<tb::Context> h100Context(benchmark::State &state)
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

void probeInProcess(benchmark::State &state)
{
	auto ctx = h100Context(state);
	if (!ctx)
		return;
	size_t gpus = 0;
	for (auto _ : state) {
		auto inv = tb::probeGpus(*ctx);
		gpus = inv ? inv->gpus.size() : 0;
		benchmark::DoNotOptimize(gpus);
	}
	if (gpus != 8)
		state.SkipWithError("expected 8 GPUs on the fixture host");
	state.counters["gpus"] = static_cast<double>(gpus);
}

void probeAndRenderJson(benchmark::State &state)
{
	auto ctx = h100Context(state);
	if (!ctx)
		return;
	for (auto _ : state) {
		auto inv = tb::probeGpus(*ctx);
		std::string json = tb::gpuInventoryJson(*inv);
		benchmark::DoNotOptimize(json.data());
	}
}

void tbInfoJsonProcess(benchmark::State &state)
{
	std::string exe = env("TB_EXE"), root = h100Host();
	std::string a0 = "tb", a1 = "--host-root", a3 = "info", a4 = "--json";
	char *argv[] = {a0.data(), a1.data(), root.data(), a3.data(), a4.data(), nullptr};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (auto _ : state) {
		pid_t pid;
		if (posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv, environ) != 0) {
			state.SkipWithError("cannot spawn tb (TB_EXE)");
			break;
		}
		int status = 0;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			state.SkipWithError("tb info --json failed");
			break;
		}
	}
	posix_spawn_file_actions_destroy(&fa);
}

} // namespace

BENCHMARK(probeInProcess)
	->Unit(benchmark::kMicrosecond)
	->Repetitions(tb::bench::repetitions(10))
	->ReportAggregatesOnly(true);
BENCHMARK(probeAndRenderJson)
	->Unit(benchmark::kMicrosecond)
	->Repetitions(tb::bench::repetitions(10))
	->ReportAggregatesOnly(true);
BENCHMARK(tbInfoJsonProcess)
	->Unit(benchmark::kMillisecond)
	->Repetitions(tb::bench::repetitions(10))
	->ReportAggregatesOnly(true);

BENCHMARK_MAIN();
