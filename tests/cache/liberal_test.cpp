// SPDX-License-Identifier: Apache-2.0
// Liberal readers: every historic shape of a Triton cache image tb promises to accept.
#include <tb/images.h>

#include "cache_test_util.h"
#include "tbsupport/sha256.h"

namespace tb::test {
namespace {

const std::string Key = "5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ";
const std::string Manifest = "{\"triton\":[{\"hash\":"
			     "\"edbea4c0734897ca19ec52852fcc847e552b3b1cfff92cc3deff0b695cdd636f\","
			     "\"backend\":\"cuda\",\"arch\":\"75\",\"warp_size\":32}]}";

struct Read {
	CacheImageInfo info;
	ExtractReport report;
	std::map<std::string, std::string> tree;
};

Result<Read> readLayout(const LayoutSpec &spec)
{
	TempDir t;
	std::string ref = writeLayout(t / "layout", spec);
	auto ctx = makeContext();
	if (!ctx)
		return err(Errc::Internal, "no context");
	auto src = TB_TRY(openImageSource(*ctx, ref));
	auto img = TB_TRY(openCacheImage(*src, ref, ctx->cacheFormats()));
	Read r;
	r.info = img.info;
	r.report = TB_TRY(extractCache(*src, img, t / "cache", ExtractOptions{}));
	r.tree = snapshot(t / "cache");
	return r;
}

std::vector<TarEntry> cacheEntries(const std::string &prefix = "")
{
	return {{prefix + "io.triton.cache", 'd', "", "", 0755},
		{prefix + "io.triton.cache/" + Key, 'd', "", "", 0755},
		{prefix + "io.triton.cache/" + Key + "/add_kernel.json", 'f', "{\"hash\":\"x\"}"}};
}

std::vector<TarEntry> manifestEntries()
{
	return {{"io.triton.manifest/manifest.json", 'f', Manifest}};
}

LayoutSpec oneLayer(std::vector<TarEntry> e)
{
	LayoutSpec s;
	s.tars.push_back(makeTar(e));
	return s;
}

// The one-layer cache image, its layer typed \a layerType, read.
Result<Read> readWithLayerType(const std::string &layerType)
{
	auto s = oneLayer(cacheEntries());
	s.layerTypes = {layerType};
	return readLayout(s);
}

// The one-layer cache image with the config labels \a labels (a JSON object), read.
Result<Read> readWithLabels(const std::string &labels)
{
	auto s = oneLayer(cacheEntries());
	s.configLabels = labels;
	return readLayout(s);
}

TEST(Liberal, DotSlashPrefix)
{
	auto r = readLayout(oneLayer(cacheEntries("./")));
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->tree[Key + "/add_kernel.json"], "{\"hash\":\"x\"}");
}

TEST(Liberal, TwoLayersLikeATwoCopyDockerfile)
{
	LayoutSpec s;
	s.tars = {makeTar(cacheEntries()), makeTar(manifestEntries())};
	auto r = readLayout(s);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->info.contentLayers.size(), 2u);
	EXPECT_EQ(r->report.added, std::vector<std::string>{Key});
	ASSERT_EQ(r->report.entries.size(), 1u);
	EXPECT_EQ(r->report.entries[0].target, (CacheTarget{"cuda", "75", 32}));
}

TEST(Liberal, DockerLayerTypeInAnOciManifest)
{
	auto r = readWithLayerType("application/vnd.docker.image.rootfs.diff.tar.gzip");
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->info.variant, "compat");
}

TEST(Liberal, McvAliasLayerType)
{
	auto r = readWithLayerType("application/cache.triton.content.layer.v1+triton");
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->tree.count(Key), 1u);
}

TEST(Liberal, CompressionIsSniffedNotTrusted)
{
	for (auto c : {Compression::Zstd, Compression::None}) {
		auto s = oneLayer(cacheEntries());
		s.compression = c;
		s.layerTypes = {"application/vnd.oci.image.layer.v1.tar+gzip"};
		auto r = readLayout(s);
		ASSERT_TRUE(r) << r.error().message;
		EXPECT_EQ(r->tree.count(Key), 1u);
	}
}

TEST(Liberal, ThunderboltMetadataLabel)
{
	const char *labels =
		"{\"cache.triton.image/variant\":\"multi\",\"cache.triton.image/"
		"entry-count\":\"1\","
		"\"cache.triton.image/"
		"metadata\":\"[{\\\"hash\\\":\\\"ab\\\",\\\"backend\\\":\\\"hip\\\","
		"\\\"arch\\\":\\\"gfx90a\\\",\\\"warp_size\\\":64,\\\"dummy_key\\\":\\\"k\\\"}]\"}";
	auto r = readWithLabels(labels);
	ASSERT_TRUE(r) << r.error().message;
	ASSERT_EQ(r->info.targets.size(), 1u);
	EXPECT_EQ(r->info.targets[0], (CacheTarget{"hip", "gfx90a", 64}));
	EXPECT_EQ(r->info.entryCount, 1);
}

TEST(Liberal, ThunderboltPerKeyLabels)
{
	auto r = readWithLabels(
		"{\"cache.triton.image/variant\":\"compat\",\"cache.triton.image/hash\":\"ab\","
		"\"cache.triton.image/backend\":\"cuda\",\"cache.triton.image/arch\":\"75\","
		"\"cache.triton.image/warp-size\":\"32\",\"cache.triton.image/"
		"ptx-version\":\"84\"}");
	ASSERT_TRUE(r) << r.error().message;
	ASSERT_EQ(r->info.targets.size(), 1u);
	EXPECT_EQ(r->info.targets[0], (CacheTarget{"cuda", "75", 32}));
}

TEST(Liberal, UnlabelledImageIsDetectedByItsPrefix)
{
	auto r = readWithLabels("{}");
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->info.variant, "compat");
	EXPECT_TRUE(r->info.targets.empty());
	EXPECT_EQ(r->tree.count(Key), 1u);
}

TEST(Liberal, LinksInsideTheCacheAreKept)
{
	auto e = cacheEntries();
	std::string k = "io.triton.cache/" + Key;
	e.push_back({k + "/sub", 'd', "", "", 0755});
	e.push_back({k + "/sub/data", 'f', "bytes"});
	e.push_back({k + "/hard", 'h', "", k + "/sub/data"});
	e.push_back({k + "/soft", 'l', "", "sub/data"});
	auto r = readLayout(oneLayer(e));
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->tree[Key + "/hard"], "bytes");
	EXPECT_EQ(r->tree[Key + "/soft"], "l:sub/data");
}

// GNU tar's sparse entries (pax 1.0): holes come back as zeros, a trailing hole included;
// a file that ends in data after a hole is not cut short.
TEST(Liberal, SparseEntriesFromGnuTar)
{
	TempDir t;
	std::string dir = t / "src";
	std::string kdir = dir + "/io.triton.cache/" + Key;
	writeFile(kdir + "/add_kernel.json", "{\"hash\":\"x\"}");
	writeFile(dir + "/io.triton.manifest/manifest.json", Manifest);
	std::string trailing(3 << 20, '\0'), leading(2 << 20, '\0');
	trailing.replace(0, 5, "head!");
	trailing.replace(1 << 20, 4, "mid!");
	leading.replace(leading.size() - 4, 4, "end!");
	auto punch = [](const std::string &path, const std::string &bytes) {
		// Only the non-zero runs are written: the rest stays a hole.
		auto r = sh("truncate -s " + std::to_string(bytes.size()) + " " + path);
		ASSERT_EQ(r.status, 0) << r.output;
		FILE *f = std::fopen(path.c_str(), "r+");
		ASSERT_NE(f, nullptr);
		for (size_t i = 0; i < bytes.size();) {
			if (bytes[i] == '\0') {
				++i;
				continue;
			}
			size_t j = i;
			while (j < bytes.size() && bytes[j] != '\0')
				++j;
			std::fseek(f, static_cast<long>(i), SEEK_SET);
			std::fwrite(bytes.data() + i, 1, j - i, f);
			i = j;
		}
		std::fclose(f);
	};
	punch(kdir + "/trailing-hole.bin", trailing);
	punch(kdir + "/leading-hole.bin", leading);
	auto r = sh("tar --sparse --format=pax -C " + dir + " -cf " + (t / "layer.tar") +
		    " io.triton.cache io.triton.manifest && tar -tvf " + (t / "layer.tar"));
	ASSERT_EQ(r.status, 0) << r.output;
	std::ifstream in(t / "layer.tar", std::ios::binary);
	std::string tar((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	ASSERT_NE(tar.find("GNU.sparse"), std::string::npos) << "tar wrote no sparse entry";
	LayoutSpec s;
	s.tars.push_back(tar);
	auto x = readLayout(s);
	ASSERT_TRUE(x) << x.error().message;
	EXPECT_TRUE(x->tree[Key + "/trailing-hole.bin"] == trailing);
	EXPECT_TRUE(x->tree[Key + "/leading-hole.bin"] == leading);
	EXPECT_EQ(x->tree[Key + "/trailing-hole.bin"].size(), trailing.size());
}

TEST(Liberal, IndexIsResolvedToItsPlatformManifest)
{
	TempDir t;
	std::string ref = writeLayout(t / "layout", oneLayer(cacheEntries()));
	// Wrap the manifest in an image index (attestation entry first, as BuildKit writes it).
	std::ifstream in(t / "layout/index.json");
	std::string top((std::istreambuf_iterator<char>(in)), {});
	auto start = top.find("{\"mediaType\"", top.find("["));
	std::string desc = top.substr(start, top.find(",\"annotations\"", start) - start);
	std::string index =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		"\"manifests\":[" +
		desc + ",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}," + desc +
		",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
	std::string digest = support::Sha256::of(index).str();
	writeFile(t / ("layout/blobs/sha256/" + digest.substr(7)), index);
	writeFile(t / "layout/index.json",
		  "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/"
		  "vnd.oci.image.index.v1+json\","
		  "\"digest\":\"" +
			  digest + "\",\"size\":" + std::to_string(index.size()) +
			  ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"t\"}}]}");
	auto ctx = makeContext();
	ASSERT_TRUE(ctx);
	auto src = openImageSource(*ctx, ref);
	ASSERT_TRUE(src) << src.error().message;
	auto img = openCacheImage(**src, ref, ctx->cacheFormats());
	ASSERT_TRUE(img) << img.error().message;
	auto r = extractCache(**src, *img, t / "cache", ExtractOptions{});
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->added, std::vector<std::string>{Key});
}

} // namespace
} // namespace tb::test
