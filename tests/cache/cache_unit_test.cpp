// SPDX-License-Identifier: Apache-2.0
// Unit tests of the cache engine: base32 keys, scanner, metadata JSON, codecs, layer writer.
#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

#include <archive_entry.h>

#include "cache_test_util.h"

#include "cache/cache_internal.h"
#include "cache/codec.h"
#include "cache/pipeline.h"
#include "cache/staging_tree.h"
#include "tbsupport/cache_meta.h"

namespace tb::test {
namespace {

TEST(TritonKey, MatchesFixtureDirectoryNames)
{
	EXPECT_EQ(tritonKeyForHash(
			  "edbea4c0734897ca19ec52852fcc847e552b3b1cfff92cc3deff0b695cdd636f"),
		  "5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ");
	EXPECT_EQ(tritonKeyForHash(
			  "6088b9b2e5149e06670bcec5bb3df8c56758f20ec349dd5f77f1507fe7cdf5fa"),
		  "MCELTMXFCSPAMZYLZ3C3WPPYYVTVR4QOYNE52X3X6FIH7Z6N6X5A");
	EXPECT_EQ(tritonKeyForHash("xyz"), "");
	EXPECT_EQ(tritonKeyForHash(std::string(64, 'g')), "");
}

TEST(Scan, CudaFixture)
{
	auto s = scanTritonCache(cudaFixture());
	ASSERT_TRUE(s) << s.error().message;
	ASSERT_EQ(s->entries.size(), 1u);
	EXPECT_EQ(s->entries[0].target, (CacheTarget{"cuda", "75", 32})); // arch was the int 75
	EXPECT_EQ(s->entries[0].numStages, 3);
	EXPECT_EQ(s->entries[0].numWarps, 4);
	EXPECT_FALSE(s->entries[0].ptxVersion.has_value()); // null in the JSON
	EXPECT_EQ(s->sizeBytes, 72152);
	EXPECT_EQ(s->architecture, "amd64");
	EXPECT_TRUE(s->issues.empty()) << s->issues[0].path << ": " << s->issues[0].message;
	EXPECT_EQ(s->files.size(), 12u); // 3 dirs + 9 files
}

TEST(Scan, HipFixture)
{
	auto s = scanTritonCache(hipFixture());
	ASSERT_TRUE(s) << s.error().message;
	ASSERT_EQ(s->targets.size(), 1u);
	EXPECT_EQ(s->targets[0], (CacheTarget{"hip", "gfx90a", 64}));
	EXPECT_EQ(s->sizeBytes, 80415);
}

TEST(Scan, ReportsHashMismatchAndSkipsTransients)
{
	TempDir t;
	fs::copy(cudaFixture(), t.path(), fs::copy_options::recursive);
	fs::rename(t / "5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ", t / "WRONGNAME");
	writeFile(t / "WRONGNAME/tmp.pid_12_abc/partial.cubin", "x");
	writeFile(t / "WRONGNAME/add_kernel.cubin.tmp.pid_12_abc", "x");
	auto s = scanTritonCache(t.path());
	ASSERT_TRUE(s) << s.error().message;
	std::string all;
	for (const auto &i : s->issues)
		all += i.path + ": " + i.message + "\n";
	EXPECT_NE(all.find("WRONGNAME/add_kernel.json: kernel dir name does not match its hash "
			   "(expected 5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ)"),
		  std::string::npos)
		<< all;
	for (const auto &f : s->files)
		EXPECT_EQ(f.path.find("tmp.pid"), std::string::npos) << f.path;
	EXPECT_EQ(s->sizeBytes, 72152);
}

TEST(Scan, OnlyTritonsOwnTemporaryNamesAreSkipped)
{
	EXPECT_TRUE(cache::isTritonTransient("tmp.pid_12_0c3f"));
	EXPECT_TRUE(cache::isTritonTransient("add_kernel.cubin.tmp.pid_12_0c3f"));
	EXPECT_FALSE(cache::isTritonTransient("tmp.json")); // a kernel called "tmp"
	EXPECT_FALSE(cache::isTritonTransient("tmp.cubin"));
	TempDir t;
	fs::copy(cudaFixture(), t.path(), fs::copy_options::recursive);
	std::string k = "5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ";
	writeFile(t / (k + "/tmp.cubin"), "kernel tmp");
	auto s = scanTritonCache(t.path());
	ASSERT_TRUE(s) << s.error().message;
	EXPECT_TRUE(std::any_of(s->files.begin(), s->files.end(),
				[&](const CacheFile &f) { return f.path == k + "/tmp.cubin"; }));
	EXPECT_EQ(s->sizeBytes, 72152 + 10);
}

TEST(Scan, RefusesDirWithoutKernels)
{
	TempDir t;
	writeFile(t / "ABC/helper.so", "x");
	auto s = scanTritonCache(t.path());
	ASSERT_FALSE(s);
	EXPECT_EQ(s.error().code, Errc::InvalidArgument);
	EXPECT_NE(s.error().message.find("no Triton kernels found"), std::string::npos);
	EXPECT_EQ(scanTritonCache(t / "missing").error().code, Errc::NotFound);
}

TEST(Metadata, SummaryIsSortedAndNormalised)
{
	std::vector<CacheTarget> ts = {
		{"hip", "gfx90a", 64}, {"cuda", "75", 32}, {"hip", "gfx90a", 64}};
	EXPECT_EQ(support::summaryJson(ts),
		  "{\"targets\":[{\"backend\":\"cuda\",\"arch\":\"75\",\"warp_size\":32},"
		  "{\"backend\":\"hip\",\"arch\":\"gfx90a\",\"warp_size\":64}]}");
	auto p = support::parseSummary("{\"targets\":[{\"backend\":\"cuda\",\"arch\":\"sm_75\","
				       "\"warp_size\":32,\"ptx_version\":590}]}");
	ASSERT_TRUE(p);
	EXPECT_EQ((*p)[0], (CacheTarget{"cuda", "75", 32}));
	EXPECT_FALSE(support::parseSummary("{\"targets\":7}"));
	EXPECT_EQ(support::normalizeArch("hip", "gfx90a:sramecc+:xnack-"), "gfx90a");
}

TEST(Metadata, EntriesAcceptEveryHistoricShape)
{
	auto wrapped =
		support::parseEntries("{\"triton\":[{\"hash\":\"ab\",\"backend\":\"hip\",\"arch\":"
				      "\"gfx90a\",\"warp_size\":64,\"num_warps\":4}]}");
	ASSERT_TRUE(wrapped);
	EXPECT_EQ((*wrapped)[0].numWarps, 4);
	auto bare = support::parseEntries(
		"[{\"hash\":\"ab\",\"backend\":\"cuda\",\"arch\":75,\"warp_size\":32}]");
	ASSERT_TRUE(bare);
	EXPECT_EQ((*bare)[0].target.arch, "75");
	EXPECT_FALSE(support::parseEntries("{\"vllm\":[]}"));
	CacheEntry e{"ab", {"cuda", "75", 32}, 3, 4, std::nullopt, false};
	EXPECT_EQ(
		support::entriesManifestJson({e}),
		"{\n  \"triton\": [\n    {\n      \"hash\": \"ab\",\n      \"backend\": \"cuda\",\n"
		"      \"arch\": \"75\",\n      \"warp_size\": 32,\n      \"num_stages\": 3,\n"
		"      \"num_warps\": 4\n    }\n  ]\n}\n");
}

TEST(EntryNames, NormaliseAndRefuse)
{
	EXPECT_EQ(*cache::normalizeEntryName("./io.triton.cache//A/b"), "io.triton.cache/A/b");
	EXPECT_EQ(cache::normalizeEntryName("/etc/passwd").error().message, "absolute path");
	EXPECT_EQ(cache::normalizeEntryName("io.triton.cache/../x").error().message,
		  "path traversal ('..')");
}

TEST(StagingTree, RefusesSocketsThatNoTarCanCarry)
{
	// ustar, pax and GNU tar have no socket type: libarchive's writer drops the entry and its
	// reader never returns AE_IFSOCK, so no layer can test this; hand the entry over directly.
	EXPECT_EQ(makeTar({{"io.triton.cache/K/sock", 's'}}), makeTar({}));
	TempDir t;
	int fd = ::open(t.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ExtractOptions o;
	Result<void> r;
	{
		cache::StagingTree tree(fd, o);
		tree.beginLayer();
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, "io.triton.cache/K/sock");
		archive_entry_set_filetype(e, AE_IFSOCK);
		r = tree.addEntry(nullptr, e, 0);
		archive_entry_free(e);
	}
	::close(fd);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::Corrupt);
	EXPECT_EQ(r.error().message, "entry 'io.triton.cache/K/sock': socket refused");
	EXPECT_TRUE(fs::is_empty(t.path()));
}

Result<std::string> decodeAll(const std::string &blob)
{
	support::StringReader src(blob);
	auto c = cache::sniffCompression(reinterpret_cast<const unsigned char *>(blob.data()),
					 blob.size());
	auto dec = TB_TRY(cache::makeDecoder(c, src));
	std::string out;
	char buf[4096];
	for (;;) {
		size_t n = TB_TRY(dec->read(buf, sizeof buf));
		if (n == 0)
			return out;
		out.append(buf, n);
	}
}

TEST(Codec, RoundTripsAndDetectsTruncation)
{
	std::string data(300000, 'a');
	for (size_t i = 0; i < data.size(); i += 7)
		data[i] = static_cast<char>(i);
	for (auto c : {Compression::Gzip, Compression::Zstd, Compression::None}) {
		std::string blob = compress(data, c);
		EXPECT_EQ(compress(data, c), blob) << "encoder output must be reproducible";
		auto back = decodeAll(blob);
		ASSERT_TRUE(back) << back.error().message;
		EXPECT_EQ(*back, data);
		if (c == Compression::None)
			continue;
		auto cut = decodeAll(blob.substr(0, blob.size() / 2));
		ASSERT_FALSE(cut);
		EXPECT_NE(cut.error().message.find("truncated"), std::string::npos)
			<< cut.error().message;
	}
	std::string gz = compress(data, Compression::Gzip);
	EXPECT_EQ(gz.substr(4, 4), std::string(4, '\0')) << "gzip header mtime must be 0";
	auto multi = decodeAll(gz + gz); // `cat a.gz b.gz` is one valid stream
	ASSERT_TRUE(multi);
	EXPECT_EQ(*multi, data + data);
	auto garbage = decodeAll(gz + "junk");
	EXPECT_FALSE(garbage);
}

// A zstd skippable frame: magic 0x184D2A5?, little-endian length, payload (zstd:chunked's TOC).
std::string skippableFrame(const std::string &payload)
{
	std::string f = "\x50\x2a\x4d\x18";
	for (int i = 0; i < 4; ++i)
		f += static_cast<char>((payload.size() >> (8 * i)) & 0xff);
	return f + payload;
}

TEST(Codec, ZstdReadsEveryFrameAndSkipsSkippableOnes)
{
	std::string a(200000, 'a'), b = "second frame";
	std::string za = compress(a, Compression::Zstd), zb = compress(b, Compression::Zstd);
	auto two = decodeAll(za + zb); // `cat a.zst b.zst`, pzstd's output
	ASSERT_TRUE(two) << two.error().message;
	EXPECT_EQ(*two, a + b);
	std::string led = skippableFrame("toc bytes") + za + skippableFrame("") + zb;
	ASSERT_EQ(cache::sniffCompression(reinterpret_cast<const unsigned char *>(led.data()),
					  led.size()),
		  Compression::Zstd);
	auto skipped = decodeAll(led + skippableFrame("trailer"));
	ASSERT_TRUE(skipped) << skipped.error().message;
	EXPECT_EQ(*skipped, a + b);
	auto cut = decodeAll(za + zb.substr(0, zb.size() - 3));
	ASSERT_FALSE(cut);
	EXPECT_NE(cut.error().message.find("truncated zstd stream"), std::string::npos)
		<< cut.error().message;
	auto cutSkippable = decodeAll(za + skippableFrame("toc").substr(0, 8));
	ASSERT_FALSE(cutSkippable);
	EXPECT_NE(cutSkippable.error().message.find("truncated zstd stream"), std::string::npos)
		<< cutSkippable.error().message;
}

// Bytes that tell their own offset, in reads of uneven sizes.
class CountingReader : public BlobReader {
public:
	explicit CountingReader(size_t total) : total_(total) {}
	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		size_t n = std::min({size, total_ - pos_, size_t(1000) + pos_ % 7000});
		for (size_t i = 0; i < n; ++i)
			static_cast<char *>(buffer)[i] = static_cast<char>((pos_ + i) * 131 % 251);
		pos_ += n;
		return n;
	}

private:
	size_t total_, pos_ = 0;
};

bool isExpected(const std::string &seen, size_t from = 0)
{
	for (size_t i = 0; i < seen.size(); ++i)
		if (seen[i] != static_cast<char>((from + i) * 131 % 251))
			return false;
	return true;
}

// The onChunk thread sees every chunk, in order, while the consumer reads the same slots;
// a slow onChunk holds slots back from the producer rather than seeing them overwritten.
TEST(ReadAhead, OnChunkSeesEveryByteInOrderBeforeStopReturns)
{
	for (bool slowHash : {false, true}) {
		CountingReader src(200000);
		std::string hashed, consumed;
		cache::ReadAhead ra(
			src, [] { return int64_t(0); },
			[&](const char *d, size_t n) {
				if (slowHash)
					std::this_thread::sleep_for(std::chrono::microseconds(200));
				hashed.append(d, n);
			},
			4096, 2);
		for (;;) {
			auto c = ra.next();
			ASSERT_TRUE(c);
			if (c->size == 0)
				break;
			consumed.append(c->data, c->size);
		}
		ra.stop();
		EXPECT_EQ(consumed.size(), 200000u);
		EXPECT_TRUE(isExpected(consumed));
		EXPECT_EQ(hashed, consumed) << (slowHash ? "slow" : "fast") << " onChunk";
	}
}

TEST(ReadAhead, StoppingEarlyEndsEveryThread)
{
	CountingReader src(1 << 20);
	std::string hashed;
	size_t consumed = 0;
	{
		cache::ReadAhead ra(
			src, [] { return int64_t(0); },
			[&](const char *d, size_t n) { hashed.append(d, n); }, 4096, 3);
		for (int i = 0; i < 2; ++i) {
			auto c = ra.next();
			ASSERT_TRUE(c);
			consumed += c->size;
		}
	} // the destructor stops and joins; what was produced has been seen
	EXPECT_GE(hashed.size(), consumed);
	EXPECT_LT(hashed.size(), size_t(1) << 20);
	EXPECT_TRUE(isExpected(hashed));
}

TEST(Timestamps, ParseStrictly)
{
	EXPECT_EQ(*cache::parseTimestamp("2024-05-01T12:00:00.123456Z"), 1714564800);
	EXPECT_EQ(*cache::parseTimestamp("2024-05-01T07:30:00-04:30"), 1714564800);
	EXPECT_EQ(*cache::parseTimestamp("0"), 0);
	EXPECT_EQ(cache::formatTimestamp(1714564800), "2024-05-01T12:00:00Z");
	for (const char *bad : {"", "99999999999999999999", "253402300800", "2024-05-01T12:00:00",
				"2024-05-01T12:00:00+2", "2024-05-01T12:00:00+02:0",
				"2024-05-01T12:00:00+02:00x", "-5", "2024-05-01 12:00:00Z"}) {
		auto r = cache::parseTimestamp(bad);
		ASSERT_FALSE(r) << bad;
		EXPECT_EQ(r.error().code, Errc::InvalidArgument);
		EXPECT_EQ(r.error().message, "creation time '" + std::string(bad) +
						     "': expected RFC 3339 (2024-05-01T12:00:00Z) "
						     "or Unix seconds");
	}
}

std::string layerDigest(const ScannedCache &s, const CreateOptions &o)
{
	int fd = ::open("/tmp", O_TMPFILE | O_RDWR, 0600);
	auto l = writeCacheLayer(s, o, fd);
	::close(fd);
	EXPECT_TRUE(l);
	return l ? l->blob.digest.str() + " " + l->diffId.str() : "";
}

TEST(LayerWriter, IsReproducibleAndHonoursCreated)
{
	auto s = scanTritonCache(cudaFixture());
	ASSERT_TRUE(s);
	CreateOptions o;
	for (auto c : {Compression::Gzip, Compression::Zstd, Compression::None}) {
		o.compression = c;
		EXPECT_EQ(layerDigest(*s, o), layerDigest(*s, o));
	}
	o.compression = Compression::Gzip;
	std::string plain = layerDigest(*s, o);
	o.created = "2024-05-01T12:00:00Z";
	EXPECT_NE(layerDigest(*s, o), plain);
	EXPECT_EQ(*cache::parseTimestamp("2024-05-01T14:00:00+02:00"), 1714564800);
	EXPECT_EQ(*cache::parseTimestamp("1714564800"), 1714564800);
	EXPECT_FALSE(cache::parseTimestamp("yesterday"));
}

TEST(Compat, MatchesOnBackendArchAndWarp)
{
	GpuDevice t4;
	t4.vendor = "nvidia";
	t4.backend = "cuda";
	t4.arch = "75";
	t4.warpSize = 32;
	GpuDevice mi210 = t4;
	mi210.vendor = "amd";
	mi210.backend = "hip";
	mi210.arch = "gfx90a:sramecc+:xnack-";
	mi210.warpSize = 0; // unknown warp size does not refuse a match
	auto r = checkCacheCompat({{"hip", "gfx90a", 64}}, {t4, mi210});
	ASSERT_EQ(r.matching.size(), 1u);
	EXPECT_EQ(r.matching[0].vendor, "amd");
	ASSERT_EQ(r.nonMatching.size(), 1u);
	EXPECT_TRUE(checkCacheCompat({{"cuda", "75", 32}}, {}).noGpu());
}

TEST(Destination, FollowsTritonsOrder)
{
	std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
	::setenv("TRITON_CACHE_DIR", "/x/cache", 1);
	EXPECT_EQ(defaultTritonCacheDir("/explicit"), "/explicit");
	EXPECT_EQ(defaultTritonCacheDir(), "/x/cache");
	::unsetenv("TRITON_CACHE_DIR");
	::setenv("TRITON_HOME", "/th", 1);
	EXPECT_EQ(defaultTritonCacheDir(), "/th/.triton/cache");
	::unsetenv("TRITON_HOME");
	EXPECT_EQ(defaultTritonCacheDir(), home + "/.triton/cache");
}

} // namespace
} // namespace tb::test
