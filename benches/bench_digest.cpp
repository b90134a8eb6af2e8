// SPDX-License-Identifier: Apache-2.0
// The per-byte costs of a layer: SHA-256 (blob digest, diff_id), gzip inflate (the build's
// decoder: ISA-L or zlib), zstd decode, and gzip deflate of one 128 KiB block.
#include <cstring>
#include <string>

#include <benchmark/benchmark.h>

#include "bench_common.h"
#include "cache/codec.h"
#include "tbsupport/sha256.h"

namespace {

// One layer's worth of tar-like bytes: the generated cache's files, concatenated.
const std::string &sample()
{
	static std::string data = [] {
		std::string out;
		int64_t want = tb::bench::shortMode() ? 4 << 20 : 64 << 20;
		char text[] = "  %r12 = add.s32 %r7, %r9; // loc(#loc3)\n";
		uint64_t s = 0x9e3779b97f4a7c15ull;
		while (static_cast<int64_t>(out.size()) < want) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			text[5] = static_cast<char>('0' + s % 10);
			text[22] = static_cast<char>('0' + (s >> 8) % 10);
			out += text;
			if (s % 3 == 0)
				out.append(reinterpret_cast<const char *>(&s), 8);
		}
		return out;
	}();
	return data;
}

std::string compressed(tb::Compression c)
{
	std::string out;
	auto e = tb::cache::makeEncoder(
		c,
		[&out](const void *d, size_t n) -> tb::Result<void> {
			out.append(static_cast<const char *>(d), n);
			return {};
		},
		2);
	(void)(*e)->write(sample().data(), sample().size());
	(void)(*e)->finish();
	return out;
}

class Reader : public tb::BlobReader {
public:
	explicit Reader(const std::string &s) : s_(s) {}
	tb::Result<size_t> read(void *b, size_t n) noexcept override
	{
		n = std::min(n, s_.size() - pos_);
		std::memcpy(b, s_.data() + pos_, n);
		pos_ += n;
		return n;
	}

private:
	const std::string &s_;
	size_t pos_ = 0;
};

void BM_Sha256(benchmark::State &state)
{
	for (auto _ : state)
		benchmark::DoNotOptimize(tb::support::Sha256::of(sample()));
	state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(sample().size()));
}

void BM_Decode(benchmark::State &state, tb::Compression c)
{
	std::string blob = compressed(c);
	std::string buf(256 * 1024, '\0');
	for (auto _ : state) {
		Reader r(blob);
		auto d = tb::cache::makeDecoder(c, r);
		while (*(*d)->read(buf.data(), buf.size()) != 0) {
		}
	}
	state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(sample().size()));
	state.counters["ratio"] =
		static_cast<double>(sample().size()) / static_cast<double>(blob.size());
}

void BM_Encode(benchmark::State &state, tb::Compression c)
{
	for (auto _ : state)
		benchmark::DoNotOptimize(compressed(c));
	state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(sample().size()));
}

void tune(benchmark::internal::Benchmark *b, bool threaded = false)
{
	if (threaded) // throughput over wall time: the workers' CPU is not the caller's
		b->UseRealTime();
	b->Unit(benchmark::kMillisecond)->Repetitions(tb::bench::repetitions(3));
	if (tb::bench::shortMode())
		b->Iterations(1);
	else
		b->ReportAggregatesOnly(true);
}

} // namespace

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	tune(benchmark::RegisterBenchmark("sha256", BM_Sha256));
#ifdef TB_HAVE_ISAL
	tune(benchmark::RegisterBenchmark("decode/gzip(isa-l)", BM_Decode, tb::Compression::Gzip));
#else
	tune(benchmark::RegisterBenchmark("decode/gzip(zlib)", BM_Decode, tb::Compression::Gzip));
#endif
	tune(benchmark::RegisterBenchmark("decode/zstd", BM_Decode, tb::Compression::Zstd));
	tune(benchmark::RegisterBenchmark("encode/gzip/threads:2", BM_Encode,
					  tb::Compression::Gzip),
	     true);
	tune(benchmark::RegisterBenchmark("encode/zstd/threads:2", BM_Encode,
					  tb::Compression::Zstd),
	     true);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
