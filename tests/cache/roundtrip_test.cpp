// SPDX-License-Identifier: Apache-2.0
// Round trips: both fixture caches x both formats x three compressions through an oci: layout.
#include <atomic>
#include <chrono>
#include <thread>

#include <boost/json.hpp>

#include <tb/images.h>

#include "cache_test_util.h"

namespace tb::test {
namespace {

struct Case {
	std::string fixture, format;
	Compression compression;
	bool docker = false;
};

std::string caseName(const testing::TestParamInfo<Case> &i)
{
	std::string n = fs::path(i.param.fixture).filename().string() + "_" + i.param.format + "_" +
			std::string(compressionName(i.param.compression)) +
			(i.param.docker ? "_docker" : "");
	for (char &c : n)
		if (!isalnum(static_cast<unsigned char>(c)))
			c = '_';
	return n;
}

class RoundTrip : public testing::TestWithParam<Case> {};

Result<CreateResult> create(Context &ctx, const Case &c, const std::string &ref)
{
	auto scan = TB_TRY(scanTritonCache(c.fixture));
	CreateOptions o;
	o.title = "vector-add";
	o.compression = c.compression;
	o.dockerMediaTypes = c.docker;
	auto dest = TB_TRY(openImageDestination(ctx, ref));
	CacheFormat *f = ctx.cacheFormat(c.format);
	if (!f)
		return err(Errc::NotFound, "no cache format " + c.format);
	return createCache(scan, *f, *dest, o);
}

Result<ExtractReport> extract(Context &ctx, const std::string &ref, const std::string &dest,
			      std::string *variant = nullptr)
{
	auto src = TB_TRY(openImageSource(ctx, ref));
	auto img = TB_TRY(openCacheImage(*src, ref, ctx.cacheFormats()));
	if (variant)
		*variant = img.info.variant;
	return extractCache(*src, img, dest, ExtractOptions{});
}

TEST_P(RoundTrip, ExtractedTreeEqualsSourceAndDigestIsStable)
{
	const Case &c = GetParam();
	auto ctx = makeContext();
	ASSERT_TRUE(ctx);
	TempDir t;
	std::string ref = "oci:" + (t / "layout") + ":v1";
	auto first = create(*ctx, c, ref);
	ASSERT_TRUE(first) << first.error().message;
	auto second = create(*ctx, c, "oci:" + (t / "layout2") + ":v1");
	ASSERT_TRUE(second) << second.error().message;
	EXPECT_EQ(first->manifestDigest, second->manifestDigest) << "same dir, same digest";

	std::string dest = t / "cache";
	writeFile(dest + "/UNRELATED/keep.txt", "mine");
	std::string variant;
	auto rep = extract(*ctx, ref, dest, &variant);
	ASSERT_TRUE(rep) << rep.error().message;
	EXPECT_EQ(variant, c.format);
	auto scan = scanTritonCache(c.fixture);
	ASSERT_TRUE(scan);
	EXPECT_EQ(rep->entries.size(), scan->entries.size());
	int64_t groups = 0;
	for (const auto &f : scan->files)
		groups += fs::path(f.path).filename().string().rfind("__grp__", 0) == 0;
	EXPECT_EQ(rep->groupsRewritten, groups);

	auto want = snapshot(c.fixture), got = snapshot(dest);
	EXPECT_EQ(got["UNRELATED/keep.txt"], "mine");
	got.erase("UNRELATED");
	got.erase("UNRELATED/keep.txt");
	ASSERT_EQ(got.size(), want.size());
	for (const auto &[path, bytes] : want) {
		ASSERT_TRUE(got.count(path)) << path;
		if (fs::path(path).filename().string().rfind("__grp__", 0) != 0) {
			EXPECT_EQ(got[path], bytes) << path;
			continue;
		}
		// child paths now point into the destination, and every one exists there
		std::string key = fs::path(path).parent_path().string();
		auto v = boost::json::parse(got[path]);
		const auto &children = v.at("child_paths").as_object();
		EXPECT_EQ(children.size(),
			  boost::json::parse(bytes).at("child_paths").as_object().size());
		for (const auto &kv : children) {
			std::string p(kv.value().as_string());
			EXPECT_EQ(p, dest + "/" + key + "/" + std::string(kv.key())) << got[path];
			EXPECT_TRUE(fs::exists(p)) << p;
		}
	}

	// Idempotent: a second extract changes nothing.
	auto before = snapshot(dest);
	auto again = extract(*ctx, ref, dest);
	ASSERT_TRUE(again) << again.error().message;
	EXPECT_TRUE(again->added.empty());
	EXPECT_TRUE(again->replaced.empty());
	EXPECT_EQ(again->unchanged.size(), rep->added.size());
	EXPECT_EQ(snapshot(dest), before);
}

std::vector<Case> cases()
{
	std::vector<Case> out;
	for (const auto &fx :
	     {cudaFixture(), hipFixture(), dataDir() + "/caches/vllm-triton-cache-gfx90a"})
		for (const char *format : {"compat", "plain"})
			for (auto c : {Compression::Gzip, Compression::Zstd, Compression::None})
				out.push_back({fx, format, c});
	out.push_back({cudaFixture(), "compat", Compression::Gzip, true});
	out.push_back({hipFixture(), "compat", Compression::None, true});
	return out;
}

INSTANTIATE_TEST_SUITE_P(All, RoundTrip, testing::ValuesIn(cases()), caseName);

TEST(RoundTripOptions, DockerRefusesZstdAndPlainRefusesDocker)
{
	auto ctx = makeContext();
	ASSERT_TRUE(ctx);
	TempDir t;
	auto z = create(*ctx, {cudaFixture(), "compat", Compression::Zstd, true},
			"oci:" + (t / "a"));
	ASSERT_FALSE(z);
	EXPECT_EQ(z.error().code, Errc::Unsupported);
	auto p =
		create(*ctx, {cudaFixture(), "plain", Compression::Gzip, true}, "oci:" + (t / "b"));
	ASSERT_FALSE(p);
	EXPECT_EQ(p.error().code, Errc::Unsupported);
}

TEST(RoundTripOptions, UpdatesADifferingEntryAndKeepsForeignFiles)
{
	auto ctx = makeContext();
	ASSERT_TRUE(ctx);
	TempDir t;
	std::string ref = "oci:" + (t / "layout") + ":v1";
	ASSERT_TRUE(create(*ctx, {cudaFixture(), "compat", Compression::Gzip}, ref));
	std::string dest = t / "cache";
	std::string key = "NNIRBEH2OVXHBOQBWMZABZQUTHRBNTKPWP7Q45RX7SE5JGCMEUPA";
	writeFile(dest + "/" + key + "/cuda_utils.so", "stale");
	writeFile(dest + "/" + key + "/extra.log", "written by someone else");
	auto rep = extract(*ctx, ref, dest);
	ASSERT_TRUE(rep) << rep.error().message;
	ASSERT_EQ(rep->replaced, std::vector<std::string>{key});
	auto got = snapshot(dest);
	EXPECT_EQ(got[key + "/cuda_utils.so"], snapshot(cudaFixture())[key + "/cuda_utils.so"]);
	EXPECT_EQ(got[key + "/extra.log"], "written by someone else"); // lose nothing
	auto again = extract(*ctx, ref, dest);
	ASSERT_TRUE(again) << again.error().message;
	EXPECT_TRUE(again->replaced.empty()) << "a re-extract changes nothing";
	EXPECT_EQ(snapshot(dest), got);
	for (const auto &e : fs::directory_iterator(dest))
		EXPECT_NE(e.path().filename().string().rfind(".tb-extract-", 0), 0u)
			<< "staging left behind";
}

TEST(RoundTripOptions, ConcurrentExtractsIntoOneDestinationAreSerialised)
{
	TempDir t;
	std::string tb = tbExe();
	std::string ref = "oci:" + (t / "layout") + ":v1";
	ASSERT_EQ(sh(tb + " create -q -i " + ref + " -d " + hipFixture()).status, 0);
	std::string dest = t / "cache";
	// A staging dir left by a killed extract is cleaned up under the lock.
	writeFile(dest + "/.tb-extract-dead00/partial", "x");
	std::string one = "(" + tb + " extract -q --skip-compat -i " + ref + " -d " + dest +
			  " || echo EXTRACT-FAILED)";
	ShellResult r = sh(one + " & " + one + " & " + one + "; wait");
	ASSERT_EQ(r.status, 0) << r.output;
	EXPECT_EQ(r.output.find("EXTRACT-FAILED"), std::string::npos) << r.output;
	auto got = snapshot(dest);
	EXPECT_EQ(got.size(), snapshot(hipFixture()).size());
	for (const auto &[path, bytes] : got)
		EXPECT_EQ(path.rfind(".tb-extract-", 0), std::string::npos) << path;
}

// Holds the first read of every blob until released, then fails: an extract that dies while
// another one waits for the destination's lock.
class StalledSource : public ImageSource {
public:
	explicit StalledSource(ImageSource &inner) : inner_(inner) {}
	Result<RawManifest> manifest(const std::optional<Digest> &i) noexcept override
	{
		return inner_.manifest(i);
	}
	Result<std::unique_ptr<BlobReader>> openBlob(const Descriptor &) noexcept override
	{
		struct Reader : BlobReader {
			StalledSource *s;
			Result<size_t> read(void *, size_t) noexcept override
			{
				s->entered = true;
				while (!s->release)
					std::this_thread::sleep_for(std::chrono::milliseconds(5));
				return err(Errc::Io, "injected failure");
			}
		};
		auto r = std::make_unique<Reader>();
		r->s = this;
		return std::unique_ptr<BlobReader>(std::move(r));
	}
	std::atomic<bool> entered{false}, release{false};

private:
	ImageSource &inner_;
};

void noteWaiting(void *user, std::string_view m)
{
	if (m.find("waiting for another extract") != std::string_view::npos)
		*static_cast<std::atomic<bool> *>(user) = true;
}

template<class F>
bool waitFor(F done)
{
	for (int i = 0; i < 2000 && !done(); ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	return done();
}

TEST(RoundTripOptions, WaiterRecreatesADestinationTheFailedHolderRemoved)
{
	auto ctx = makeContext();
	ASSERT_TRUE(ctx);
	TempDir t;
	std::string ref = "oci:" + (t / "layout") + ":v1";
	ASSERT_TRUE(create(*ctx, {cudaFixture(), "compat", Compression::Gzip}, ref));
	std::string dest = t / "new/cache"; // neither exists: the first extract creates both
	auto srcA = openImageSource(*ctx, ref), srcB = openImageSource(*ctx, ref);
	ASSERT_TRUE(srcA && srcB);
	auto img = openCacheImage(**srcA, ref, ctx->cacheFormats());
	ASSERT_TRUE(img) << img.error().message;
	StalledSource stalled(**srcA);
	Result<ExtractReport> a = err(Errc::Internal, "not run"), b = a;
	std::thread first([&] { a = extractCache(stalled, *img, dest, ExtractOptions{}); });
	ASSERT_TRUE(waitFor([&] { return stalled.entered.load(); })) << "first extract stuck";
	std::atomic<bool> waiting{false};
	ExtractOptions ob;
	ob.warn = noteWaiting;
	ob.warnUser = &waiting;
	std::thread second([&] { b = extractCache(**srcB, *img, dest, ob); });
	bool waited = waitFor([&] { return waiting.load(); });
	stalled.release = true;
	first.join();
	second.join();
	ASSERT_TRUE(waited) << "the second extract never waited for the lock";
	ASSERT_FALSE(a);
	EXPECT_NE(a.error().message.find("injected failure"), std::string::npos)
		<< a.error().message;
	ASSERT_TRUE(b) << b.error().message;
	EXPECT_EQ(b->added.size(), 3u);
	EXPECT_EQ(snapshot(dest).size(), snapshot(cudaFixture()).size());
}

TEST(RoundTripOptions, KilledExtractLeavesTheDestinationAsItWas)
{
	TempDir t;
	std::string tb = tbExe();
	fs::copy(cudaFixture(), t / "src", fs::copy_options::recursive);
	{ // 256 MiB that do not compress, so the extract runs long enough to be killed
		std::ofstream big(
			t / "src/NNIRBEH2OVXHBOQBWMZABZQUTHRBNTKPWP7Q45RX7SE5JGCMEUPA/big.bin",
			std::ios::binary);
		uint64_t x = 88172645463325252ull;
		std::vector<uint64_t> block(1 << 16);
		for (int i = 0; i < 512; ++i) {
			for (auto &w : block) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				w = x;
			}
			big.write(reinterpret_cast<const char *>(block.data()), block.size() * 8);
		}
	}
	std::string ref = "oci:" + (t / "layout") + ":v1";
	ASSERT_EQ(sh(tb + " create -q --compression none -i " + ref + " -d " + (t / "src")).status,
		  0);
	std::string dest = t / "cache";
	writeFile(dest + "/UNRELATED/keep.txt", "mine");
	auto before = snapshot(dest);
	ShellResult k =
		sh(tb + " extract -q --no-gpu -i " + ref + " -d " + dest +
		   " & pid=$!; sleep 0.15; kill -9 $pid 2>/dev/null && echo KILLED; wait $pid");
	if (k.output.find("KILLED") == std::string::npos)
		GTEST_SKIP() << "extract finished before it could be killed";
	auto after = snapshot(dest);
	for (auto it = after.begin(); it != after.end();) // only the hidden staging dir may remain
		it = it->first.rfind(".tb-extract-", 0) == 0 ? after.erase(it) : std::next(it);
	EXPECT_EQ(after, before);
	ShellResult again = sh(tb + " extract -q --no-gpu -i " + ref + " -d " + dest);
	ASSERT_EQ(again.status, 0) << again.output;
	for (const auto &e : fs::directory_iterator(dest))
		EXPECT_NE(e.path().filename().string().rfind(".tb-extract-", 0), 0u)
			<< "stale staging kept";
	EXPECT_TRUE(
		fs::exists(dest + "/NNIRBEH2OVXHBOQBWMZABZQUTHRBNTKPWP7Q45RX7SE5JGCMEUPA/big.bin"));
}

TEST(RoundTripOptions, ExtractCapsComeFromTheConfigFile)
{
	TempDir t;
	std::string tb = tbExe();
	std::string ref = "oci:" + (t / "layout") + ":v1";
	ASSERT_EQ(sh(tb + " create -q -i " + ref + " -d " + cudaFixture()).status, 0);
	writeFile(t / "tb.toml", "[extract]\nmax_entries = 5\n");
	ShellResult r = sh(tb + " --config " + (t / "tb.toml") + " extract --no-gpu -i " + ref +
			   " -d " + (t / "cache"));
	EXPECT_EQ(r.status, 1) << r.output;
	EXPECT_NE(r.output.find("more than 5 entries (max_entries)"), std::string::npos)
		<< r.output;
	EXPECT_FALSE(fs::exists(t / "cache")) << "a failed extract leaves no destination behind";
}

TEST(RoundTripOptions, StoreReferenceAndCliPrintTheDigest)
{
	TempDir t;
	std::string env = "XDG_DATA_HOME=" + (t / "data") + " ";
	std::string tb = tbExe();
	ShellResult c = sh(env + tb + " create -q -i mycache:v1 -d " + cudaFixture());
	ASSERT_EQ(c.status, 0) << c.output;
	EXPECT_EQ(c.output.rfind("sha256:", 0), 0u) << c.output;
	EXPECT_EQ(c.output.size(), 72u) << c.output;
	ShellResult x = sh(env + tb + " extract -i mycache:v1 --skip-compat -d " + (t / "out"));
	ASSERT_EQ(x.status, 0) << x.output;
	EXPECT_NE(x.output.find("3 added"), std::string::npos) << x.output;
	ShellResult df = sh(env + tb + " create -q -i mycache:v2 -d " + cudaFixture() +
			    " --dockerfile " + (t / "build/Dockerfile"));
	ASSERT_EQ(df.status, 0) << df.output;
	auto files = snapshot(t / "build");
	EXPECT_NE(files["Dockerfile"].find("LABEL cache.triton.image/summary="), std::string::npos);
	EXPECT_NE(files["io.triton.manifest/manifest.json"].find("\"triton\""), std::string::npos);
}

} // namespace
} // namespace tb::test
