// SPDX-License-Identifier: Apache-2.0
// GPU probing speed: in-process probeGpus() on the 8x H100 fixture host, and a whole
// `tb info --json` process on the same host.
#include <cstdlib>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "bench_common.h"
#include "bench_host.h"

#include <tb/context.h>
#include <tb/gpus.h>

namespace {

using tb::bench::env;
using tb::bench::h100Context;
using tb::bench::h100Host;

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
	tb::bench::tbProcess(state, {"--host-root", h100Host(), "info", "--json"});
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
