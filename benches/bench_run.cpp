// SPDX-License-Identifier: Apache-2.0
// `tb run` overhead (docs/benchmarks.md, "tb run"): the whole `tb run --dry-run` process on
// the 8x H100 fixture host (probe + CDI spec + argv), and the container's writable view of a
// shared kernel cache: overlay mount vs per-run copy, on tmpfs and on disk.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_common.h"
#include "bench_host.h"
#include <unistd.h>

#include "run/cache_view.h"

namespace {

namespace fs = std::filesystem;

using tb::bench::env;
using tb::bench::tbProcess;

// probe + CDI generation for 8 GPUs + the run's spec + argv; no runtime process is asked.
void tbRunDryRunProcess(benchmark::State &state)
{
	tbProcess(state,
		  {"--host-root", tb::bench::h100Host(), "run", "--dry-run", "--runtime", "podman",
		   "--profile", "aiml", "--gpus", "all", "--isolation", "shared", "img", "true"});
}

// The floor under it: starting tb at all (dynamic linking of libtb and its libraries).
void tbVersionProcess(benchmark::State &state)
{
	tbProcess(state, {"--version"});
}

// A Triton cache like a small model's: 64 kernel dirs of 6 files (json, source, IRs, binary).
std::string makeCache(const std::string &dir)
{
	std::string cache = dir + "/shared";
	if (fs::exists(cache))
		return cache;
	std::string blob(16 * 1024, 'k');
	for (int k = 0; k < 64; ++k) {
		std::string d = cache + "/KERNEL" + std::to_string(k);
		fs::create_directories(d);
		for (const char *f :
		     {"k.json", "k.source", "k.ttir", "k.ttgir", "k.llir", "k.hsaco"})
			if (FILE *fp = std::fopen((d + "/" + f).c_str(), "w")) {
				std::fwrite(blob.data(), 1, blob.size(), fp);
				std::fclose(fp);
			}
	}
	return cache;
}

void cacheView(benchmark::State &state, tb::run::CacheViewKind kind, const char *base)
{
	std::string dir = std::string(base) + "/tb-bench-view-" + std::to_string(::getpid());
	std::string shared = makeCache(dir);
	int n = 0;
	for (auto _ : state) {
		auto view =
			tb::run::makeCacheView(shared, dir + "/run" + std::to_string(n++), kind);
		if (!view) {
			state.SkipWithError(view.error().message.c_str());
			break;
		}
		view->remove();
	}
	state.counters["files"] = 64 * 6;
	fs::remove_all(dir);
}

} // namespace

BENCHMARK(tbRunDryRunProcess)
	->Unit(benchmark::kMillisecond)
	->Repetitions(tb::bench::repetitions(10))
	->ReportAggregatesOnly(true);
BENCHMARK(tbVersionProcess)
	->Unit(benchmark::kMillisecond)
	->Repetitions(tb::bench::repetitions(10))
	->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(cacheView, overlay_tmpfs, tb::run::CacheViewKind::Overlay, "/dev/shm")
	->Unit(benchmark::kMillisecond)
	->Repetitions(tb::bench::repetitions(5))
	->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(cacheView, copy_tmpfs, tb::run::CacheViewKind::Copy, "/dev/shm")
	->Unit(benchmark::kMillisecond)
	->Repetitions(tb::bench::repetitions(5))
	->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(cacheView, overlay_disk, tb::run::CacheViewKind::Overlay, "/var/tmp")
	->Unit(benchmark::kMillisecond)
	->Repetitions(tb::bench::repetitions(5))
	->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(cacheView, copy_disk, tb::run::CacheViewKind::Copy, "/var/tmp")
	->Unit(benchmark::kMillisecond)
	->Repetitions(tb::bench::repetitions(5))
	->ReportAggregatesOnly(true);
BENCHMARK_MAIN();
