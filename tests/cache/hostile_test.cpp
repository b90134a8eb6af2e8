// SPDX-License-Identifier: Apache-2.0
// Hostile images: each case is refused with one error naming image and entry, destination
// untouched.
#include <tb/images.h>

#include "cache_test_util.h"

namespace tb::test {
namespace {

const std::string K = "io.triton.cache/5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ";

struct Outcome {
	bool ok = false;
	Errc code = Errc::Internal;
	std::string message;
	std::string ref;
	bool untouched = false;
	std::vector<std::string> warnings;
};

void collect(void *user, std::string_view m)
{
	static_cast<std::vector<std::string> *>(user)->emplace_back(m);
}

Outcome run(const LayoutSpec &spec, ExtractLimits limits = {})
{
	Outcome o;
	TempDir t;
	o.ref = writeLayout(t / "layout", spec);
	std::string dest = t / "cache";
	writeFile(dest + "/UNRELATED/keep.txt", "mine");
	auto before = snapshot(dest);
	auto ctx = makeContext();
	if (!ctx)
		return o;
	ExtractOptions opts;
	opts.limits = limits;
	opts.warn = collect;
	opts.warnUser = &o.warnings;
	auto result = [&]() -> Result<ExtractReport> {
		auto src = TB_TRY(openImageSource(*ctx, o.ref));
		auto img = TB_TRY(openCacheImage(*src, o.ref, ctx->cacheFormats()));
		return extractCache(*src, img, dest, opts);
	}();
	o.ok = result.has_value();
	if (!o.ok) {
		o.code = result.error().code;
		o.message = result.error().message;
	}
	o.untouched = snapshot(dest) == before;
	return o;
}

std::vector<TarEntry> with(std::vector<TarEntry> extra)
{
	auto e = benignEntries();
	e.insert(e.end(), extra.begin(), extra.end());
	return e;
}

LayoutSpec layer(std::vector<TarEntry> entries)
{
	LayoutSpec s;
	s.tars.push_back(makeTar(entries));
	return s;
}

// One error line that names the image and says why, destination as it was.
void expectRefused(const Outcome &o, Errc code, const std::string &what,
		   const std::string &entry = "")
{
	EXPECT_FALSE(o.ok);
	EXPECT_EQ(o.code, code) << o.message;
	EXPECT_NE(o.message.find(o.ref), std::string::npos) << o.message;
	EXPECT_NE(o.message.find(what), std::string::npos) << o.message;
	if (!entry.empty()) {
		EXPECT_NE(o.message.find("entry '" + entry + "'"), std::string::npos) << o.message;
	}
	EXPECT_EQ(o.message.find('\n'), std::string::npos) << o.message;
	EXPECT_TRUE(o.untouched) << "destination changed: " << o.message;
}

TEST(Hostile, BenignImageExtracts)
{
	auto o = run(layer(benignEntries()));
	EXPECT_TRUE(o.ok) << o.message;
	EXPECT_FALSE(o.untouched);
}

TEST(Hostile, DotDotTraversal)
{
	expectRefused(run(layer(with({{"io.triton.cache/../../evil", 'f', "x"}}))), Errc::Corrupt,
		      "path traversal", "io.triton.cache/../../evil");
}

TEST(Hostile, AbsolutePath)
{
	expectRefused(run(layer(with({{"/tmp/evil", 'f', "x"}}))), Errc::Corrupt, "absolute path",
		      "/tmp/evil");
}

TEST(Hostile, SymlinkToAbsolutePath)
{
	expectRefused(run(layer(with({{K + "/link", 'l', "", "/etc"}}))), Errc::Corrupt,
		      "symbolic link to absolute path", K + "/link");
}

TEST(Hostile, SymlinkEscapingUpwards)
{
	expectRefused(run(layer(with({{K + "/link", 'l', "", "../../../.."}}))), Errc::Corrupt,
		      "escapes its directory", K + "/link");
}

TEST(Hostile, WriteThroughSymlink)
{
	// A harmless-looking downward link, then a file written through it.
	expectRefused(
		run(layer(with(
			{{K + "/sub", 'd'}, {K + "/l", 'l', "", "sub"}, {K + "/l/x", 'f', "x"}}))),
		Errc::Corrupt, "writes through symbolic link", K + "/l/x");
}

TEST(Hostile, HardlinkOutsideTheCache)
{
	expectRefused(run(layer(with({{K + "/h", 'h', "", "/etc/passwd"}}))), Errc::Corrupt,
		      "hard link", K + "/h");
	expectRefused(
		run(layer(with({{"etc/passwd", 'f', "x"}, {K + "/h", 'h', "", "etc/passwd"}}))),
		Errc::Corrupt, "outside io.triton.cache/", K + "/h");
}

TEST(Hostile, DeviceNode)
{
	expectRefused(run(layer(with({{K + "/null", 'c'}}))), Errc::Corrupt, "device node refused",
		      K + "/null");
}

TEST(Hostile, Fifo)
{
	expectRefused(run(layer(with({{K + "/fifo", 'p'}}))), Errc::Corrupt, "FIFO refused",
		      K + "/fifo");
}

TEST(Hostile, SetuidBitsAreStripped)
{
	auto o = run(layer(with({{K + "/tool", 'f', "#!/bin/sh\n", "", 06755}})));
	ASSERT_TRUE(o.ok) << o.message;
	ASSERT_EQ(o.warnings.size(), 1u);
	EXPECT_NE(o.warnings[0].find("setuid/setgid bit stripped"), std::string::npos);
	EXPECT_NE(o.warnings[0].find(K + "/tool"), std::string::npos);
}

TEST(Hostile, SetuidBitsAreStrippedOnDisk)
{
	TempDir t;
	std::string ref =
		writeLayout(t / "layout", layer(with({{K + "/tool", 'f', "x", "", 06755}})));
	auto ctx = makeContext();
	ASSERT_TRUE(ctx);
	auto src = openImageSource(*ctx, ref);
	ASSERT_TRUE(src);
	auto img = openCacheImage(**src, ref, ctx->cacheFormats());
	ASSERT_TRUE(img) << img.error().message;
	ASSERT_TRUE(extractCache(**src, *img, t / "cache", ExtractOptions{}));
	auto perms = fs::status(t / ("cache/" + K.substr(16) + "/tool")).permissions();
	EXPECT_EQ(perms & (fs::perms::set_uid | fs::perms::set_gid), fs::perms::none);
	EXPECT_NE(perms & fs::perms::owner_exec, fs::perms::none);
}

TEST(Hostile, Whiteout)
{
	expectRefused(run(layer(with({{K + "/.wh.add_kernel.json", 'f'}}))), Errc::Corrupt,
		      "whiteout", K + "/.wh.add_kernel.json");
}

TEST(Hostile, DuplicateEntry)
{
	expectRefused(run(layer(with({{K + "/dup", 'f', "a"}, {"./" + K + "/dup", 'f', "b"}}))),
		      Errc::Corrupt, "duplicate entry", "./" + K + "/dup");
}

TEST(Hostile, DecompressionBombRatio)
{
	auto o = run(layer(with({{K + "/zeros", 'f', std::string(64u << 20, '\0')}})));
	expectRefused(o, Errc::LimitExceeded, "max_ratio");
}

TEST(Hostile, TotalBytesCap)
{
	ExtractLimits l;
	l.maxTotalBytes = 64 * 1024;
	expectRefused(run(layer(with({{K + "/big", 'f', std::string(200000, 'x')}})), l),
		      Errc::LimitExceeded, "max_total_bytes", K + "/big");
}

TEST(Hostile, EntryCountCap)
{
	ExtractLimits l;
	l.maxEntries = 3;
	expectRefused(run(layer(with({{K + "/a", 'f', "a"}})), l), Errc::LimitExceeded,
		      "max_entries", K + "/a");
}

TEST(Hostile, PathLengthCap)
{
	ExtractLimits l;
	l.maxPathLength = 100;
	std::string longName = K + "/" + std::string(60, 'n');
	expectRefused(run(layer(with({{longName, 'f', "a"}})), l), Errc::LimitExceeded,
		      "max_path_length", longName);
}

TEST(Hostile, TruncatedGzip)
{
	auto s = layer(benignEntries());
	s.mutateBlob = [](std::string &b) { b.resize(b.size() / 2); };
	expectRefused(run(s), Errc::Corrupt, "truncated gzip");
}

TEST(Hostile, TruncatedZstd)
{
	auto s = layer(benignEntries());
	s.compression = Compression::Zstd;
	s.mutateBlob = [](std::string &b) { b.resize(b.size() - 8); };
	expectRefused(run(s), Errc::Corrupt, "truncated zstd");
}

TEST(Hostile, DigestMismatch)
{
	auto s = layer(benignEntries());
	s.mutateBlob = [](std::string &b) { b[b.size() - 5] ^= 0x01; }; // gzip CRC/ISIZE trailer
	auto o = run(s);
	EXPECT_FALSE(o.ok);
	EXPECT_TRUE(o.untouched);
	EXPECT_NE(o.message.find(o.ref), std::string::npos) << o.message;
}

TEST(Hostile, SizeMismatch)
{
	auto s = layer(benignEntries());
	s.layerSizeDelta = -10;
	expectRefused(run(s), Errc::Corrupt, "descriptor says");
	s.layerSizeDelta = 10;
	auto o = run(s);
	EXPECT_FALSE(o.ok);
	EXPECT_TRUE(o.untouched);
}

TEST(Hostile, DiffIdMismatch)
{
	auto s = layer(benignEntries());
	s.diffIds = {"sha256:" + std::string(64, 'a')};
	expectRefused(run(s), Errc::Corrupt, "diff_id mismatch");
}

TEST(Hostile, ManifestOver4MiB)
{
	auto s = layer(benignEntries());
	s.extraManifestFields = ",\"annotations\":{\"pad\":\"" + std::string(5u << 20, 'p') + "\"}";
	auto o = run(s);
	EXPECT_FALSE(o.ok);
	EXPECT_TRUE(o.untouched);
	EXPECT_NE(o.message.find(o.ref), std::string::npos) << o.message;
	EXPECT_TRUE(o.code == Errc::LimitExceeded || o.code == Errc::Corrupt) << o.message;
}

TEST(Hostile, WrongManifestMediaType)
{
	auto s = layer(benignEntries());
	s.indexMediaType = "application/vnd.docker.distribution.manifest.v2+json";
	auto o = run(s);
	EXPECT_FALSE(o.ok);
	EXPECT_TRUE(o.untouched);
	EXPECT_NE(o.message.find(o.ref), std::string::npos) << o.message;
}

TEST(Hostile, MissingManifestMediaType)
{
	auto s = layer(benignEntries());
	s.indexMediaType = "";
	s.omitManifestMediaType = true;
	auto o = run(s);
	EXPECT_FALSE(o.ok);
	EXPECT_TRUE(o.untouched);
	EXPECT_NE(o.message.find("mediaType"), std::string::npos) << o.message;
}

TEST(Hostile, ManifestThatIsAlsoAnIndex)
{
	auto s = layer(benignEntries());
	s.extraManifestFields = ",\"manifests\":[]";
	auto o = run(s);
	EXPECT_FALSE(o.ok);
	EXPECT_TRUE(o.untouched);
	EXPECT_NE(o.message.find(o.ref), std::string::npos) << o.message;
}

TEST(Hostile, LayerWithoutMediaType)
{
	auto s = layer(benignEntries());
	s.layerTypes = {""};
	auto o = run(s);
	EXPECT_FALSE(o.ok);
	EXPECT_TRUE(o.untouched);
	EXPECT_NE(o.message.find("no mediaType"), std::string::npos) << o.message;
}

TEST(Hostile, LayerWithoutTarMediaType)
{
	auto s = layer(benignEntries());
	s.layerTypes = {"application/json"};
	auto o = run(s);
	EXPECT_FALSE(o.ok);
	EXPECT_TRUE(o.untouched);
}

TEST(Hostile, NoCacheInTheLayer)
{
	expectRefused(run(layer({{"etc/hosts", 'f', "x"}})), Errc::Corrupt, "no io.triton.cache/");
}

} // namespace
} // namespace tb::test
