// SPDX-License-Identifier: Apache-2.0
// CDI spec generation on the 8x H100 fixture host (docs/benchmarks.md, "CDI generation"):
// from an inventory already probed (its host facts read by an earlier call, or read afresh
// each time), probe + generate in process, and a whole `tb cdi generate` process; and
// rendering the spec as JSON on its own.
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <benchmark/benchmark.h>

#include "bench_common.h"
#include "bench_host.h"

#include <tb/cdi.h>
#include <tb/context.h>
#include <tb/gpus.h>

namespace {

using tb::bench::env;
using tb::bench::h100Context;
using tb::bench::h100Host;

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
	tb::bench::tbProcess(state, {"--host-root", h100Host(), "cdi", "generate"});
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
