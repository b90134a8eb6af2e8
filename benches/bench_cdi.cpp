// SPDX-License-Identifier: Apache-2.0
// CDI spec generation on the 8x H100 fixture host (docs/benchmarks.md, "CDI generation"):
// from an inventory already probed (its host facts read by an earlier call, or read afresh
// each time), probe + generate in process, and a whole `tb cdi generate` process; and
// rendering the spec as JSON on its own.
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "bench_common.h"

#include <tb/cdi.h>
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

// The fixture host's inventory, probed once outside the timed loop; nullopt (skipped) unless
// it has its 8 GPUs.
std::optional<tb::GpuInventory> probedH100(benchmark::State &state, tb::Context &ctx)
{
	auto inv = tb::probeGpus(ctx);
	if (!inv || inv->gpus.size() != 8) {
		state.SkipWithError("expected 8 GPUs on the fixture host");
		return std::nullopt;
	}
	return std::move(*inv);
}

void generateFromInventory(benchmark::State &state)
{
	auto ctx = h100Context(state);
	if (!ctx)
		return;
	auto inv = probedH100(state, *ctx);
	if (!inv)
		return;
	size_t devices = 0;
	for (auto _ : state) {
		auto gen = tb::generateCdi(*inv, ctx->config(), ctx->paths().hostRoot, {});
		devices = gen ? gen->specs[0].devices.size() : 0;
		benchmark::DoNotOptimize(devices);
	}
	state.counters["devices"] = static_cast<double>(devices);
}

// The first generation from an inventory: it also reads the host files it needs (node
// groups, library links, the hook binary).
void generateReadingHostFacts(benchmark::State &state)
{
	auto ctx = h100Context(state);
	if (!ctx)
		return;
	auto inv = probedH100(state, *ctx);
	if (!inv)
		return;
	for (auto _ : state) {
		inv->hostFacts = tb::cdi::newHostFacts();
		auto gen = tb::generateCdi(*inv, ctx->config(), ctx->paths().hostRoot, {});
		benchmark::DoNotOptimize(gen);
	}
}

void renderJson(benchmark::State &state)
{
	auto ctx = h100Context(state);
	if (!ctx)
		return;
	auto gen = tb::generateCdi(*ctx, tb::CdiOptions{});
	if (!gen) {
		state.SkipWithError(gen.error().message.c_str());
		return;
	}
	size_t bytes = 0;
	for (auto _ : state) {
		std::string json = tb::cdiSpecJson(gen->specs[0]);
		bytes = json.size();
		benchmark::DoNotOptimize(json.data());
	}
	state.counters["bytes"] = static_cast<double>(bytes);
}

void probeAndGenerate(benchmark::State &state)
{
	auto ctx = h100Context(state);
	if (!ctx)
		return;
	for (auto _ : state) {
		auto gen = tb::generateCdi(*ctx, tb::CdiOptions{});
		std::string json = gen ? tb::cdiSpecJson(gen->specs[0]) : "";
		benchmark::DoNotOptimize(json.data());
	}
}

void tbCdiGenerateProcess(benchmark::State &state)
{
	std::string exe = env("TB_EXE"), root = h100Host();
	std::string a0 = "tb", a1 = "--host-root", a3 = "cdi", a4 = "generate";
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
			state.SkipWithError("tb cdi generate failed");
			break;
		}
	}
	posix_spawn_file_actions_destroy(&fa);
}

} // namespace

BENCHMARK(generateFromInventory)
	->Unit(benchmark::kMicrosecond)
	->Repetitions(tb::bench::repetitions(10))
	->ReportAggregatesOnly(true);
BENCHMARK(generateReadingHostFacts)
	->Unit(benchmark::kMicrosecond)
	->Repetitions(tb::bench::repetitions(10))
	->ReportAggregatesOnly(true);
BENCHMARK(renderJson)
	->Unit(benchmark::kMicrosecond)
	->Repetitions(tb::bench::repetitions(10))
	->ReportAggregatesOnly(true);
BENCHMARK(probeAndGenerate)
	->Unit(benchmark::kMicrosecond)
	->Repetitions(tb::bench::repetitions(10))
	->ReportAggregatesOnly(true);
BENCHMARK(tbCdiGenerateProcess)
	->Unit(benchmark::kMillisecond)
	->Repetitions(tb::bench::repetitions(10))
	->ReportAggregatesOnly(true);

BENCHMARK_MAIN();
