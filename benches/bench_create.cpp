// SPDX-License-Identifier: Apache-2.0
// `tb create` layer throughput on the generated cache: gzip (pigz-style blocks) and zstd on
// one thread and on every CPU, uncompressed; `tar -cf - | pigz -6` on the same directory.
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <thread>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <tb/caches.h>

#include "bench_cache_fixture.h"
#include "bench_common.h"

namespace {

using tb::bench::CacheFixture;

void setCounters(benchmark::State &state, const CacheFixture &f)
{
	auto n = static_cast<double>(state.iterations());
	state.counters["bytes_per_second"] =
		benchmark::Counter(n * static_cast<double>(f.bytes), benchmark::Counter::kIsRate);
	state.counters["files_per_second"] =
		benchmark::Counter(n * static_cast<double>(f.files), benchmark::Counter::kIsRate);
}

// Scanning and the reproducible tar + compression + both digests (writeCacheLayer), into an
// anonymous file on tmpfs; the image writing around it is a copy of that file.
void BM_TbCreateLayer(benchmark::State &state, tb::Compression c, int threads)
{
	CacheFixture &f = tb::bench::cacheFixture();
	int64_t blob = 0;
	for (auto _ : state) {
		int fd = ::open("/dev/shm", O_TMPFILE | O_RDWR, 0600);
		auto scan = tb::scanTritonCache(f.source);
		tb::CreateOptions o;
		o.compression = c;
		o.threads = threads;
		auto l = scan ? tb::writeCacheLayer(*scan, o, fd)
			      : tb::Result<tb::LayerInfo>(tb::unexpected(scan.error()));
		::close(fd);
		if (!l) {
			state.SkipWithError(l.error().message.c_str());
			break;
		}
		blob = l->blob.size;
	}
	setCounters(state, f);
	state.counters["ratio"] =
		blob ? static_cast<double>(f.bytes) / static_cast<double>(blob) : 0;
}

void BM_TarPigz(benchmark::State &state)
{
	CacheFixture &f = tb::bench::cacheFixture();
	std::string cmd = "tar -C " + f.source + " -cf - . | pigz -6 > /dev/null";
	for (auto _ : state)
		if (std::system(cmd.c_str()) != 0) {
			state.SkipWithError("tar | pigz failed (is pigz installed?)");
			break;
		}
	setCounters(state, f);
}

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
	int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
	for (auto c : {tb::Compression::Gzip, tb::Compression::Zstd})
		for (int threads : {1, cpus})
			tune(benchmark::RegisterBenchmark(("tb_create_layer/" +
							   std::string(tb::compressionName(c)) +
							   "/threads:" + std::to_string(threads))
								  .c_str(),
							  BM_TbCreateLayer, c, threads));
	tune(benchmark::RegisterBenchmark("tb_create_layer/none", BM_TbCreateLayer,
					  tb::Compression::None, 1));
	tune(benchmark::RegisterBenchmark("tar_pigz6", BM_TarPigz));
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
