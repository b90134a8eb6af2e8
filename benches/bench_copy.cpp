// SPDX-License-Identifier: Apache-2.0
// `tb copy` speed on a generated 256 MiB single-layer image: oci -> oci, oci -> oci-archive,
// oci-archive -> oci, next to `skopeo copy --preserve-digests` oci -> oci on the same layout.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tb/context.h>
#include <tb/images.h>

#include "bench_common.h"
#include "tbsupport/oci_layout.h"
#include "tbsupport/sha256.h"

namespace {

namespace fs = std::filesystem;

// 256 MiB; 8 MiB in short mode (bench_common.h).
const int64_t LayerBytes = tb::bench::dataBytes(256);

std::string workDir()
{
	// One dir per size: a layout of another size is never reused.
	return tb::bench::workDir("/var/tmp/tb-bench-copy") + "/" +
	       std::to_string(LayerBytes >> 20) + "m";
}

// Incompressible bytes (xorshift), produced on the fly.
class NoiseReader : public tb::BlobReader {
public:
	explicit NoiseReader(int64_t size) : left_(size) {}
	tb::Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		size_t n =
			static_cast<size_t>(std::min<int64_t>(left_, static_cast<int64_t>(size))) &
			~size_t(7);
		if (n == 0 && left_ > 0)
			n = static_cast<size_t>(left_);
		auto *p = static_cast<unsigned char *>(buffer);
		for (size_t i = 0; i < n; ++i) {
			if (i % 8 == 0) {
				s_ ^= s_ << 13;
				s_ ^= s_ >> 7;
				s_ ^= s_ << 17;
			}
			p[i] = static_cast<unsigned char>(s_ >> ((i % 8) * 8));
		}
		left_ -= static_cast<int64_t>(n);
		return n;
	}

private:
	int64_t left_;
	uint64_t s_ = 0x9e3779b97f4a7c15ull;
};

tb::Digest noiseDigest()
{
	NoiseReader r(LayerBytes);
	tb::support::Sha256 h;
	std::string buf(1 << 20, '\0');
	for (;;) {
		size_t n = *r.read(buf.data(), buf.size());
		if (n == 0)
			return h.finish();
		h.update(buf.data(), n);
	}
}

// The source layout, generated once (not timed).
std::string sourceLayout()
{
	std::string dir = workDir() + "/src";
	if (fs::exists(dir + "/index.json") && tb::support::OciLayout::open(dir)->resolve("v1"))
		return dir;
	fs::remove_all(dir);
	fs::create_directories(workDir());
	auto layout = tb::support::OciLayout::openOrCreate(dir);
	tb::Descriptor layer{
		std::string(tb::media::OciLayerTar), noiseDigest(), LayerBytes, {}, {}, {}};
	NoiseReader data(LayerBytes);
	(void)layout->putBlob(layer, data);
	std::string config =
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		"\"diff_ids\":[\"" +
		layer.digest.str() + "\"]}}";
	tb::Descriptor cfg{std::string(tb::media::OciConfig),
			   tb::support::Sha256::of(config),
			   static_cast<int64_t>(config.size()),
			   {},
			   {},
			   {}};
	(void)layout->putBlobBytes(cfg, config);
	std::string manifest = "{\"schemaVersion\":2,\"mediaType\":\"" +
			       std::string(tb::media::OciManifest) +
			       "\",\"config\":" + tb::support::descriptorJson(cfg) +
			       ",\"layers\":[" + tb::support::descriptorJson(layer) + "]}";
	tb::Descriptor m{std::string(tb::media::OciManifest),
			 tb::support::Sha256::of(manifest),
			 static_cast<int64_t>(manifest.size()),
			 {},
			 {},
			 {}};
	(void)layout->putBlobBytes(m, manifest);
	(void)layout->setTag("v1", m);
	return dir;
}

tb::Context &context()
{
	static std::unique_ptr<tb::Context> ctx = [] {
		tb::ContextOptions o;
		auto c = tb::Context::create(o);
		if (!c) {
			std::fprintf(stderr, "context: %s\n", c.error().message.c_str());
			std::exit(1);
		}
		return std::move(*c);
	}();
	return *ctx;
}

void copyCase(benchmark::State &state, const std::string &from, const std::string &to,
	      const std::string &clean)
{
	for (auto _ : state) {
		state.PauseTiming();
		fs::remove_all(clean);
		state.ResumeTiming();
		auto r = tb::copyImage(context(), from, to);
		if (!r)
			state.SkipWithError(r.error().message.c_str());
	}
	state.SetBytesProcessed(state.iterations() * LayerBytes);
}

void BM_CopyOciToOci(benchmark::State &state)
{
	std::string src = sourceLayout();
	copyCase(state, "oci:" + src + ":v1", "oci:" + workDir() + "/dst:v1", workDir() + "/dst");
}

void BM_CopyOciToOciArchive(benchmark::State &state)
{
	std::string src = sourceLayout();
	copyCase(state, "oci:" + src + ":v1", "oci-archive:" + workDir() + "/a.tar:v1",
		 workDir() + "/a.tar");
}

void BM_CopyOciArchiveToOci(benchmark::State &state)
{
	std::string src = sourceLayout();
	std::string archive = workDir() + "/in.tar";
	if (!fs::exists(archive))
		(void)tb::copyImage(context(), "oci:" + src + ":v1",
				    "oci-archive:" + archive + ":v1");
	copyCase(state, "oci-archive:" + archive + ":v1", "oci:" + workDir() + "/dst:v1",
		 workDir() + "/dst");
}

void BM_SkopeoOciToOci(benchmark::State &state)
{
	std::string src = sourceLayout();
	std::string policy = workDir() + "/policy.json";
	FILE *f = std::fopen(policy.c_str(), "w");
	std::fputs("{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}", f);
	std::fclose(f);
	for (auto _ : state) {
		state.PauseTiming();
		fs::remove_all(workDir() + "/sk");
		state.ResumeTiming();
		std::string cmd = "skopeo --policy " + policy +
				  " copy -q --preserve-digests oci:" + src +
				  ":v1 oci:" + workDir() + "/sk:v1 >/dev/null 2>&1";
		if (std::system(cmd.c_str()) != 0)
			state.SkipWithError("skopeo copy failed (not installed?)");
	}
	state.SetBytesProcessed(state.iterations() * LayerBytes);
}

} // namespace

BENCHMARK(BM_CopyOciToOci)
	->Unit(benchmark::kMillisecond)
	->UseRealTime()
	->Iterations(1)
	->Repetitions(tb::bench::repetitions(5))
	->ReportAggregatesOnly(true);
BENCHMARK(BM_CopyOciToOciArchive)
	->Unit(benchmark::kMillisecond)
	->UseRealTime()
	->Iterations(1)
	->Repetitions(tb::bench::repetitions(5))
	->ReportAggregatesOnly(true);
BENCHMARK(BM_CopyOciArchiveToOci)
	->Unit(benchmark::kMillisecond)
	->UseRealTime()
	->Iterations(1)
	->Repetitions(tb::bench::repetitions(5))
	->ReportAggregatesOnly(true);
BENCHMARK(BM_SkopeoOciToOci)
	->Unit(benchmark::kMillisecond)
	->UseRealTime()
	->Iterations(1)
	->Repetitions(tb::bench::repetitions(5))
	->ReportAggregatesOnly(true);

BENCHMARK_MAIN();
