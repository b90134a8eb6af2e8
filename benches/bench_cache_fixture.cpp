// SPDX-License-Identifier: Apache-2.0
// Generation of the benchmark cache and its three images, cached in the work dir.
#include "bench_cache_fixture.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <tb/caches.h>
#include <tb/images.h>

#include "bench_common.h"
#include "dataset.h"

namespace tb::bench {

namespace {

namespace fs = std::filesystem;

constexpr int Version = 3; // bump when the generator or the image layout changes

[[noreturn]] void die(const std::string &what)
{
	std::fprintf(stderr, "benchmark setup failed: %s\n", what.c_str());
	std::exit(1);
}

void generate(CacheFixture &f, int64_t bytes)
{
	fs::remove_all(f.root);
	dataset::Options o;
	o.bytes = bytes;
	dataset::Summary sum;
	std::string error;
	if (!dataset::generate(f.source, o, sum, error))
		die(error);
	auto scan = scanTritonCache(f.source);
	if (!scan)
		die(scan.error().message);
	std::string blobs[3];
	int i = 0;
	for (auto c : {Compression::Gzip, Compression::Zstd, Compression::None}) {
		CreateOptions co;
		co.compression = c;
		co.title = "bench";
		std::string tag(compressionName(c));
		auto dest = openImageDestination(*f.ctx, "oci:" + f.layout + ":" + tag);
		if (!dest)
			die(dest.error().message);
		auto r = createCache(*scan, *f.ctx->cacheFormat("compat"), **dest, co);
		if (!r)
			die(r.error().message);
		blobs[i++] = f.layout + "/blobs/sha256/" + r->layer.digest.hex;
	}
	std::ofstream(f.root + "/ready")
		<< sum.bytes << " " << sum.files << " " << blobs[0] << " " << blobs[2];
}

} // namespace

CacheFixture &cacheFixture()
{
	static CacheFixture f;
	static bool ready = false;
	if (ready)
		return f;
	int64_t bytes = dataBytes(450);
	f.root = workDir("/var/tmp/tb-bench") + "/cache-v" + std::to_string(Version) + "-" +
		 std::to_string(bytes >> 20) + "m";
	f.source = f.root + "/cache";
	f.layout = f.root + "/layout";
	auto c = Context::create(ContextOptions{});
	if (!c)
		die(c.error().message);
	f.ctx = std::move(*c);
	if (!fs::exists(f.root + "/ready"))
		generate(f, bytes);
	std::ifstream(f.root + "/ready") >> f.bytes >> f.files >> f.gzipBlob >> f.tarBlob;
	ready = true;
	return f;
}

std::string freshDir(bool tmpfs)
{
	std::string base = tmpfs ? "/dev/shm" : workDir("/var/tmp/tb-bench");
	fs::create_directories(base);
	std::string t = base + "/tb-bench-dest-XXXXXX";
	return ::mkdtemp(t.data()) ? t : "";
}

} // namespace tb::bench
