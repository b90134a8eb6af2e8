// SPDX-License-Identifier: Apache-2.0
// `tb extract` throughput on the generated cache (gzip / zstd / uncompressed layer; tmpfs and
// disk), next to `tar -xzf`, `tar -xf` and `umoci unpack` of the same layer.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <tb/caches.h>
#include <tb/images.h>

#include "bench_cache_fixture.h"
#include "bench_common.h"

namespace {

namespace fs = std::filesystem;
using tb::bench::CacheFixture;

void setCounters(benchmark::State &state, const CacheFixture &f)
{
	auto n = static_cast<double>(state.iterations());
	state.counters["bytes_per_second"] =
		benchmark::Counter(n * static_cast<double>(f.bytes), benchmark::Counter::kIsRate);
	state.counters["files_per_second"] =
		benchmark::Counter(n * static_cast<double>(f.files), benchmark::Counter::kIsRate);
	state.counters["files"] = static_cast<double>(f.files);
	state.counters["MB"] = static_cast<double>(f.bytes) / 1e6;
}

// The library path of the CLI: open source and image, extract (compatibility check skipped).
void BM_TbExtract(benchmark::State &state, std::string tag, bool tmpfs)
{
	CacheFixture &f = tb::bench::cacheFixture();
	std::string ref = "oci:" + f.layout + ":" + tag;
	for (auto _ : state) {
		state.PauseTiming();
		std::string dest = tb::bench::freshDir(tmpfs);
		state.ResumeTiming();
		auto src = tb::openImageSource(*f.ctx, ref);
		auto img = src ? tb::openCacheImage(**src, ref, f.ctx->cacheFormats())
			       : tb::Result<tb::CacheImage>(tb::unexpected(src.error()));
		auto r = img ? tb::extractCache(**src, *img, dest + "/cache", tb::ExtractOptions{})
			     : tb::Result<tb::ExtractReport>(tb::unexpected(img.error()));
		state.PauseTiming();
		if (!r)
			state.SkipWithError(r.error().message.c_str());
		fs::remove_all(dest);
		state.ResumeTiming();
	}
	setCounters(state, f);
}

void BM_Command(benchmark::State &state, std::string what, bool tmpfs)
{
	CacheFixture &f = tb::bench::cacheFixture();
	for (auto _ : state) {
		state.PauseTiming();
		std::string dest = tb::bench::freshDir(tmpfs);
		std::string cmd =
			what == "tar_xzf" ? "tar -xzf " + f.gzipBlob + " -C " + dest
			: what == "tar_xf"
				? "tar -xf " + f.tarBlob + " -C " + dest
				: "umoci unpack " +
					  std::string(::geteuid() == 0 ? "" : "--rootless ") +
					  "--image " + f.layout + ":gzip " + dest +
					  "/bundle >/dev/null";
		state.ResumeTiming();
		int rc = std::system(cmd.c_str());
		state.PauseTiming();
		if (rc != 0)
			state.SkipWithError((what + " failed").c_str());
		fs::remove_all(dest);
		state.ResumeTiming();
	}
	setCounters(state, f);
}

// One iteration = one whole extract; the median of the repetitions is reported.
void tune(benchmark::internal::Benchmark *b)
{
	b->Unit(benchmark::kMillisecond)
		->Iterations(1)
		->Repetitions(tb::bench::repetitions(3))
		->ReportAggregatesOnly(!tb::bench::shortMode())
		->UseRealTime();
}

void registerAll()
{
	for (bool tmpfs : {true, false}) {
		std::string where = tmpfs ? "tmpfs" : "disk";
		for (const char *tag : {"gzip", "zstd", "none"})
			tune(benchmark::RegisterBenchmark(
				("tb_extract/" + std::string(tag) + "/" + where).c_str(),
				BM_TbExtract, tag, tmpfs));
		tune(benchmark::RegisterBenchmark(("tar_xzf/gzip/" + where).c_str(), BM_Command,
						  "tar_xzf", tmpfs));
		tune(benchmark::RegisterBenchmark(("tar_xf/none/" + where).c_str(), BM_Command,
						  "tar_xf", tmpfs));
		tune(benchmark::RegisterBenchmark(("umoci_unpack/gzip/" + where).c_str(),
						  BM_Command, "umoci", tmpfs));
	}
}

} // namespace

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	registerAll();
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
