// SPDX-License-Identifier: Apache-2.0
// Hostile tar entries: each is refused with one error naming image, layer and entry, the
// destination untouched (blob and manifest level: hostile_image_test.cpp).
#include <sys/stat.h>

#include <tb/images.h>
#include <tb/printable.h>

#include "cache_test_util.h"

namespace tb::test {
namespace {

const std::string K = "io.triton.cache/5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ";

class ScopedUmask {
public:
	explicit ScopedUmask(mode_t m) : old_(::umask(m)) {}
	~ScopedUmask() { ::umask(old_); }

private:
	mode_t old_;
};

unsigned modeOf(const std::string &path)
{
	return static_cast<unsigned>(fs::symlink_status(path).permissions() & fs::perms::mask);
}

Outcome run(const LayoutSpec &spec, ExtractLimits limits = {})
{
	return runExtract(spec, limits);
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

TEST(Hostile, BlockDevice)
{
	expectRefused(run(layer(with({{K + "/sda", 'b'}}))), Errc::Corrupt, "device node refused",
		      K + "/sda");
}

TEST(Hostile, HardlinkToALaterEntry)
{
	expectRefused(
		run(layer(with({{K + "/h", 'h', "", K + "/later"}, {K + "/later", 'f', "x"}}))),
		Errc::Corrupt, "no file extracted before it", K + "/h");
}

TEST(Hostile, HardlinkToADirectory)
{
	expectRefused(run(layer(with({{K + "/h", 'h', "", K}}))), Errc::Corrupt,
		      "no file extracted before it", K + "/h");
}

TEST(Hostile, TopLevelSymlink)
{
	// Even a harmless target: a top-level link would replace a whole kernel dir in DEST.
	expectRefused(run(layer(with({{"io.triton.cache/LATEST", 'l', "", K.substr(16)}}))),
		      Errc::Corrupt, "top-level symbolic link", "io.triton.cache/LATEST");
}

TEST(Hostile, Fifo)
{
	expectRefused(run(layer(with({{K + "/fifo", 'p'}}))), Errc::Corrupt, "FIFO refused",
		      K + "/fifo");
}

TEST(Hostile, SetuidSetgidAndStickyBitsAreStrippedWithAWarning)
{
	ScopedUmask mask(022);
	auto o = run(layer(with({{K + "/tool", 'f', "#!/bin/sh\n", "", 06755},
				 {K + "/sticky", 'd', "", "", 01777},
				 {K + "/plain", 'f', "x", "", 0644}})));
	ASSERT_TRUE(o.ok) << o.message;
	ASSERT_EQ(o.warnings.size(), 2u);
	EXPECT_EQ(o.warnings[0].rfind("extracting '" + o.ref + "': layer sha256:", 0), 0u)
		<< o.warnings[0];
	EXPECT_NE(o.warnings[0].find(": entry '" + K +
				     "/tool': setuid/setgid/sticky bits stripped (mode 6755 -> "
				     "0755)"),
		  std::string::npos)
		<< o.warnings[0];
	EXPECT_NE(o.warnings[1].find(": entry '" + K +
				     "/sticky': setuid/setgid/sticky bits stripped (mode 1777 -> "
				     "0755)"),
		  std::string::npos)
		<< o.warnings[1];
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

// On a shared host a 0777 kernel dir or __triton_launcher.so lets another user replace code
// Triton loads: modes are those create writes (0755 / 0644), less the umask.
TEST(Hostile, WorldWritableModesAreNormalised)
{
	std::string key = K.substr(16);
	auto entries = std::vector<TarEntry>{
		{"io.triton.cache", 'd', "", "", 0777},
		{K, 'd', "", "", 0777},
		{K + "/add_kernel.json", 'f', benignEntries()[2].data, "", 0666},
		{K + "/__triton_launcher.so", 'f',
		 "\x7f"
		 "ELF",
		 "", 0777},
		{K + "/sub/deep.bin", 'f', "x", "", 0606}, // sub/ made implicitly
		{K + "/odd", 'd', "", "", 0},
	};
	// 0277 hides the owner's own bits: those are put back by a chmod after creation.
	for (mode_t mask : {022, 077, 002, 0277}) {
		ScopedUmask m(mask);
		TempDir t;
		std::string ref = writeLayout(t / "layout", layer(entries));
		auto ctx = makeContext();
		ASSERT_TRUE(ctx);
		auto src = openImageSource(*ctx, ref);
		ASSERT_TRUE(src);
		auto img = openCacheImage(**src, ref, ctx->cacheFormats());
		ASSERT_TRUE(img) << img.error().message;
		ASSERT_TRUE(extractCache(**src, *img, t / "cache", ExtractOptions{}));
		std::string d = t / ("cache/" + key);
		unsigned dir = (0755 & ~mask) | 0700, exe = (0755 & ~mask) | 0600,
			 file = (0644 & ~mask) | 0600;
		EXPECT_EQ(modeOf(d), dir) << std::oct << mask;
		EXPECT_EQ(modeOf(d + "/sub"), dir) << std::oct << mask;
		EXPECT_EQ(modeOf(d + "/odd"), dir) << std::oct << mask;
		EXPECT_EQ(modeOf(d + "/__triton_launcher.so"), exe) << std::oct << mask;
		EXPECT_EQ(modeOf(d + "/add_kernel.json"), file) << std::oct << mask;
		EXPECT_EQ(modeOf(d + "/sub/deep.bin"), file) << std::oct << mask;
	}
}

// A crafted name must not reach a terminal as escape sequences: every message escapes it.
TEST(Hostile, ControlCharactersInNamesAreEscapedInMessages)
{
	std::string evil = "\x1b]0;pwned\x07\x1b[2J\xc2\x9b"
			   "31m";
	auto o = run(layer(with({{K + "/" + evil, 'p'}})));
	expectRefused(o, Errc::Corrupt, "FIFO refused",
		      K + "/\\x1b]0;pwned\\x07\\x1b[2J\\u009b31m");
	for (char c : o.message)
		EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << o.message;
	o = run(layer(with({{"io.triton.cache/" + evil + "/x", 'f', "x"}})));
	EXPECT_NE(o.message.find("'\\x1b]0;pwned\\x07\\x1b[2J\\u009b31m' is not a Triton "
				 "cache-key directory"),
		  std::string::npos)
		<< o.message;
	EXPECT_EQ(o.message.find('\x1b'), std::string::npos) << o.message;
	EXPECT_EQ(printable("ok \xe5\x90\x8d \xff\xc0\xaf\xed\xa0\x80 \\x41"),
		  "ok \xe5\x90\x8d \\xff\\xc0\\xaf\\xed\\xa0\\x80 \\x41");
	EXPECT_EQ(printable(printable(evil)), printable(evil));
}

TEST(Hostile, Whiteout)
{
	expectRefused(run(layer(with({{K + "/.wh.add_kernel.json", 'f'}}))), Errc::Corrupt,
		      "whiteout", K + "/.wh.add_kernel.json");
}

TEST(Hostile, OpaqueWhiteout)
{
	expectRefused(run(layer(with({{K + "/.wh..wh..opq", 'f'}}))), Errc::Corrupt, "whiteout",
		      K + "/.wh..wh..opq");
}

TEST(Hostile, DuplicateEntry)
{
	expectRefused(run(layer(with({{K + "/dup", 'f', "a"}, {"./" + K + "/dup", 'f', "b"}}))),
		      Errc::Corrupt, "duplicate entry", "./" + K + "/dup");
}

TEST(Hostile, DecompressionBombRatio)
{
	for (auto c : {Compression::Gzip, Compression::Zstd}) {
		auto s = layer(with({{K + "/zeros", 'f', std::string(64u << 20, '\0')}}));
		s.compression = c;
		// tb's gzip flushes every 128 KiB (parallel blocks), which holds zeros to about
		// 950x, under the default 1000x; a single-stream gzip bomb reaches deflate's 1032x.
		ExtractLimits l;
		if (c == Compression::Gzip)
			l.maxRatio = 500;
		expectRefused(run(s, l), Errc::LimitExceeded, "max_ratio", K + "/zeros");
	}
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

} // namespace
} // namespace tb::test
