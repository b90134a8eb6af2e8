// SPDX-License-Identifier: Apache-2.0
// `tb extract` speed on a generated realistic cache (>= 400 MB, >= 10,000 files), from an oci:
// layout, gzip and zstd, to tmpfs and disk; `tar -xzf` and `umoci unpack` on the same layer.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <tb/caches.h>
#include <tb/context.h>
#include <tb/images.h>

namespace {

namespace fs = std::filesystem;

constexpr int KernelDirs = 1800; // x 7 files = 12,600 files
constexpr int Version = 2;       // bump when the generator changes

std::string workDir()
{
	const char *w = std::getenv("TB_BENCH_WORK");
	return w && *w ? w : "/var/tmp/tb-bench-extract";
}

struct Rng {
	uint64_t s = 0x9e3779b97f4a7c15ull;
	uint64_t next()
	{
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		return s;
	}
};

// IR-like text: a small vocabulary with random register numbers and locations, which gzip
// compresses about as well as Triton's .ttir/.llir/.ptx files.
std::string irText(Rng &r, size_t bytes)
{
	static const char *ops[] = {"add.s32",        "mul.lo.s32", "ld.global.v4.b32",
				    "st.global.b32",  "mad.lo.s32", "setp.lt.s32",
				    "cvt.rn.f32.f16", "fma.rn.f32", "tt.load",
				    "tt.store",       "arith.addi", "llvm.getelementptr"};
	std::string out;
	out.reserve(bytes + 128);
	char line[160];
	while (out.size() < bytes) {
		uint64_t v = r.next();
		int n = std::snprintf(
			line, sizeof line, "  %%r%u = %s %%r%u, %%r%u; // loc(#loc%u)\n",
			unsigned(v % 512), ops[(v >> 12) % 12], unsigned((v >> 20) % 512),
			unsigned((v >> 32) % 512), unsigned((v >> 44) % 97));
		out.append(line, static_cast<size_t>(n));
	}
	out.resize(bytes);
	return out;
}

// GPU-binary-like bytes: random instruction words mixed with zero padding and repeated tables.
std::string binaryBlob(Rng &r, size_t bytes)
{
	std::string out(bytes, '\0');
	for (size_t i = 0; i + 8 <= bytes; i += 8) {
		uint64_t v = r.next();
		if ((i / 64) % 3 != 0)
			continue; // padding and alignment gaps
		if ((v & 3) == 0)
			v &= 0x00000000ffff00ffull; // sparse words
		std::memcpy(&out[i], &v, 8);
	}
	return out;
}

void writeFile(const fs::path &p, const std::string &bytes)
{
	std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

// Build the cache and both images once; later runs reuse them (generation is not timed).
struct Fixture {
	std::string source, layout, gzipBlob;
	int64_t bytes = 0, files = 0;
	std::unique_ptr<tb::Context> ctx;

	bool setUp(std::string &error)
	{
		std::string root = workDir() + "/v" + std::to_string(Version);
		source = root + "/cache";
		layout = root + "/layout";
		auto c = tb::Context::create(tb::ContextOptions{});
		if (!c) {
			error = c.error().message;
			return false;
		}
		ctx = std::move(*c);
		if (!fs::exists(root + "/ready") && !generate(root, error))
			return false;
		std::ifstream(root + "/ready") >> bytes >> files >> gzipBlob;
		return true;
	}

	bool generate(const std::string &root, std::string &error)
	{
		fs::remove_all(root);
		fs::create_directories(source);
		Rng r;
		for (int k = 0; k < KernelDirs; ++k) {
			std::string hash;
			for (int i = 0; i < 4; ++i) {
				char h[17];
				std::snprintf(h, sizeof h, "%016llx",
					      static_cast<unsigned long long>(r.next()));
				hash += h;
			}
			std::string key = tb::tritonKeyForHash(hash);
			fs::path d = fs::path(source) / key;
			fs::create_directories(d);
			writeFile(d / "kernel.ttir", irText(r, 18000 + r.next() % 8000));
			writeFile(d / "kernel.ttgir", irText(r, 22000 + r.next() % 8000));
			writeFile(d / "kernel.llir", irText(r, 45000 + r.next() % 15000));
			writeFile(d / "kernel.ptx", irText(r, 55000 + r.next() % 15000));
			writeFile(d / "kernel.cubin", binaryBlob(r, 70000 + r.next() % 30000));
			writeFile(d / "kernel.json",
				  "{\"hash\": \"" + hash +
					  "\", \"target\": {\"backend\": \"cuda\", \"arch\": 90, "
					  "\"warp_size\": 32}, \"num_warps\": 4, \"num_stages\": "
					  "3, \"name\": \"kernel\"}");
			std::string grp = "{\"child_paths\": {";
			for (const char *ext : {"ttir", "ttgir", "llir", "ptx", "cubin", "json"})
				grp += std::string(ext == std::string("ttir") ? "" : ", ") +
				       "\"kernel." + ext + "\": \"/home/u/.triton/cache/" + key +
				       "/kernel." + ext + "\"";
			writeFile(d / "__grp__kernel.json", grp + "}}");
		}
		auto scan = tb::scanTritonCache(source);
		if (!scan) {
			error = scan.error().message;
			return false;
		}
		std::string gzipDigest;
		for (auto [tag, comp] :
		     {std::pair{"gzip", tb::Compression::Gzip}, {"zstd", tb::Compression::Zstd}}) {
			tb::CreateOptions o;
			o.compression = comp;
			o.title = "bench";
			auto dest = tb::openImageDestination(*ctx, "oci:" + layout + ":" + tag);
			if (!dest) {
				error = dest.error().message;
				return false;
			}
			auto r2 = tb::createCache(*scan, *ctx->cacheFormat("compat"), **dest, o);
			if (!r2) {
				error = r2.error().message;
				return false;
			}
			if (comp == tb::Compression::Gzip)
				gzipDigest = r2->layer.digest.hex;
		}
		int64_t fileCount = 0;
		for (const auto &f : scan->files)
			fileCount += f.directory ? 0 : 1;
		std::ofstream(root + "/ready") << scan->sizeBytes << " " << fileCount << " "
					       << layout + "/blobs/sha256/" + gzipDigest;
		return true;
	}
};

Fixture &fixture()
{
	static Fixture f;
	static bool ok = [] {
		std::string e;
		if (!f.setUp(e)) {
			std::fprintf(stderr, "bench_extract setup failed: %s\n", e.c_str());
			return false;
		}
		return true;
	}();
	(void)ok;
	return f;
}

std::string targetDir(bool tmpfs)
{
	std::string base = tmpfs ? "/dev/shm" : workDir();
	fs::create_directories(base);
	std::string t = base + "/tb-bench-dest-XXXXXX";
	return ::mkdtemp(t.data()) ? t : "";
}

void setCounters(benchmark::State &state, const Fixture &f)
{
	state.SetBytesProcessed(state.iterations() * f.bytes);
	state.counters["files"] = static_cast<double>(f.files);
	state.counters["MB"] = static_cast<double>(f.bytes) / 1e6;
}

void BM_TbExtract(benchmark::State &state, const char *tag, bool tmpfs)
{
	Fixture &f = fixture();
	std::string ref = "oci:" + f.layout + ":" + tag;
	for (auto _ : state) {
		state.PauseTiming();
		std::string dest = targetDir(tmpfs);
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

void BM_Command(benchmark::State &state, const std::string &what, bool tmpfs)
{
	Fixture &f = fixture();
	for (auto _ : state) {
		state.PauseTiming();
		std::string dest = targetDir(tmpfs);
		std::string cmd =
			what == "tar" ? "tar -xzf " + f.gzipBlob + " -C " + dest
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

// One iteration = one full extract of >= 400 MB; three repetitions, the median is reported.
void tune(benchmark::internal::Benchmark *b)
{
	b->Unit(benchmark::kMillisecond)
		->Iterations(1)
		->Repetitions(3)
		->ReportAggregatesOnly(true)
		->UseRealTime();
}

void registerAll()
{
	for (bool tmpfs : {true, false}) {
		std::string where = tmpfs ? "tmpfs" : "disk";
		for (const char *tag : {"gzip", "zstd"})
			tune(benchmark::RegisterBenchmark(
				("tb_extract/" + std::string(tag) + "/" + where).c_str(),
				BM_TbExtract, tag, tmpfs));
		tune(benchmark::RegisterBenchmark(("tar_xzf/gzip/" + where).c_str(), BM_Command,
						  "tar", tmpfs));
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
