// SPDX-License-Identifier: Apache-2.0
// The local store at scale: `tb images` (listImages) over 1,000 / 10,000 / 100,000 tags, each
// a distinct image (own manifest and config, one shared layer: the worst case, nothing is
// shared between tags), and adding one tag to such a store (index.json rewritten, fsync'd). Goal:
// listing 10,000 tags under a second, time linear in the number of tags. Stores are generated once
// (not timed) on disk (TB_BENCH_WORK) and on tmpfs (/dev/shm) and reused.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include <tb/context.h>
#include <tb/images.h>

#include "bench_common.h"
#include "tbsupport/oci_layout.h"
#include "tbsupport/sha256.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string workDir(bool tmpfs)
{
	if (tmpfs)
		return "/dev/shm/tb-bench-store";
	const char *w = std::getenv("TB_BENCH_WORK");
	return w && *w ? w : "/var/tmp/tb-bench-store";
}

std::string slurp(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBlob(const std::string &store, const std::string &bytes, tb::Digest &digest)
{
	digest = tb::support::Sha256::of(bytes);
	std::ofstream(store + "/blobs/sha256/" + digest.hex, std::ios::binary) << bytes;
}

// XDG_DATA_HOME for a store of \a tags distinct images, made from one real `tb create`.
std::string makeStore(bool tmpfs, int tags)
{
	std::string home = workDir(tmpfs) + "/" + std::to_string(tags);
	std::string store = home + "/tb/store";
	// Reused between runs unless an interrupted run left an extra tag behind.
	if (fs::exists(home + "/done")) {
		boost::system::error_code ec;
		json::value index = json::parse(slurp(store + "/index.json"), ec);
		if (!ec && index.is_object() && index.as_object().contains("manifests") &&
		    index.at("manifests").is_array() &&
		    index.at("manifests").as_array().size() == static_cast<size_t>(tags))
			return home;
	}
	fs::remove_all(home);
	::setenv("XDG_DATA_HOME", home.c_str(), 1);
	auto ctx = tb::Context::create({});
	if (!ctx)
		return {};
	std::string src = std::string(TB_SOURCE_ROOT) + "/tests/data/caches/vector-add-cuda-sm75";
	int rc = std::system(("XDG_DATA_HOME=" + home + " " + TB_EXE + " create -q -i seed:v1 -d " +
			      src + " >/dev/null")
				     .c_str());
	if (rc != 0)
		return {};
	json::value index = json::parse(slurp(store + "/index.json"));
	json::array &list = index.as_object().at("manifests").as_array();
	json::object seed = list.at(0).as_object();
	std::string seedHex = std::string(seed.at("digest").as_string()).substr(7);
	json::value manifest = json::parse(slurp(store + "/blobs/sha256/" + seedHex));
	std::string cfgHex = std::string(manifest.at("config").at("digest").as_string()).substr(7);
	json::value config = json::parse(slurp(store + "/blobs/sha256/" + cfgHex));
	list.clear();
	for (int i = 0; i < tags; ++i) {
		config.as_object()["config"].as_object()["Labels"].as_object()["bench.index"] =
			std::to_string(i);
		std::string cfgBytes = json::serialize(config);
		tb::Digest d;
		writeBlob(store, cfgBytes, d);
		manifest.as_object()["config"].as_object()["digest"] = d.str();
		manifest.as_object()["config"].as_object()["size"] = cfgBytes.size();
		std::string mBytes = json::serialize(manifest);
		writeBlob(store, mBytes, d);
		json::object e = seed;
		e["digest"] = d.str();
		e["size"] = mBytes.size();
		e["annotations"].as_object()["org.opencontainers.image.ref.name"] =
			"bench/cache:t" + std::to_string(i);
		list.push_back(std::move(e));
	}
	std::ofstream(store + "/index.json", std::ios::trunc) << json::serialize(index);
	std::ofstream(home + "/done") << "";
	return home;
}

void listImages(benchmark::State &state, bool tmpfs)
{
	int tags = static_cast<int>(state.range(0));
	std::string home = makeStore(tmpfs, tags);
	if (home.empty()) {
		state.SkipWithError("could not generate the store");
		return;
	}
	::setenv("XDG_DATA_HOME", home.c_str(), 1);
	auto ctx = tb::Context::create({});
	if (!ctx) {
		state.SkipWithError(ctx.error().message.c_str());
		return;
	}
	for (auto _ : state) {
		auto list = tb::listImages(**ctx);
		if (!list) {
			state.SkipWithError(("listing failed: " + list.error().message).c_str());
			return;
		}
		if (list->size() != static_cast<size_t>(tags)) {
			state.SkipWithError(("listing found " + std::to_string(list->size()) +
					     " images, not " + std::to_string(tags))
						    .c_str());
			return;
		}
		benchmark::DoNotOptimize(list);
	}
	state.SetItemsProcessed(state.iterations() * tags);
}

// One more tag in a store of N: index.json read, edited and rewritten (fsync included).
void addTag(benchmark::State &state, bool tmpfs)
{
	int tags = static_cast<int>(state.range(0));
	std::string home = makeStore(tmpfs, tags);
	auto layout = tb::support::OciLayout::open(home + "/tb/store");
	if (home.empty() || !layout) {
		state.SkipWithError("could not open the store");
		return;
	}
	auto top = layout->resolve("bench/cache:t0");
	if (!top) {
		state.SkipWithError(top.error().message.c_str());
		return;
	}
	for (auto _ : state)
		if (!layout->setTag("bench/extra:v1", *top))
			state.SkipWithError("setTag failed");
	// The store is kept between runs and listImages counts its tags: take ours away again.
	auto dropped = layout->filterIndex([](const std::vector<tb::support::IndexEntry> &entries) {
		std::vector<bool> keep;
		for (const auto &e : entries) {
			auto ref = e.descriptor.annotations.find(
				std::string(tb::support::RefNameAnnotation));
			keep.push_back(ref == e.descriptor.annotations.end() ||
				       ref->second != "bench/extra:v1");
		}
		return keep;
	});
	if (!dropped)
		state.SkipWithError(dropped.error().message.c_str());
}

} // namespace

// 100,000 distinct images are 200,000 files: generated on tmpfs only (disk file creation
// alone would take minutes here). Short mode (scripts/test.sh) keeps the 1,000-tag store only.
static void sizes(benchmark::internal::Benchmark *b, std::initializer_list<int64_t> full)
{
	for (int64_t n : full)
		if (!tb::bench::shortMode() || n <= 1000)
			b->Arg(n);
	b->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(listImages, disk, false)->Apply([](auto *b) { sizes(b, {1000, 10000}); });
BENCHMARK_CAPTURE(listImages, tmpfs, true)->Apply([](auto *b) { sizes(b, {1000, 10000, 100000}); });
BENCHMARK_CAPTURE(addTag, disk, false)->Apply([](auto *b) { sizes(b, {1000, 10000}); });
BENCHMARK_CAPTURE(addTag, tmpfs, true)->Apply([](auto *b) { sizes(b, {1000, 100000}); });

BENCHMARK_MAIN();
