// SPDX-License-Identifier: Apache-2.0
// ld.so.cache reader: new, compat and old formats, truncation and hostile offsets; the
// writer's output as glibc's own `ldconfig -p` reads it.
#include <array>
#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <tbsupport/ld_cache.h>

namespace tb::support {
namespace {

std::vector<LdCacheEntry> sample()
{
	return {
		{0x0303, "libcuda.so.1", "/lib/x86_64-linux-gnu/libcuda.so.1", 0},
		{0x0003, "libcuda.so.1", "/lib/i386-linux-gnu/libcuda.so.1", 0},
		{0x0303, "libnvidia-ml.so.1", "/lib/x86_64-linux-gnu/libnvidia-ml.so.1",
		 (1ull << 62) | 1},
	};
}

Result<LdCache> parse(const std::vector<unsigned char> &b)
{
	return parseLdCache(std::span(b.data(), b.size()));
}

void put32(std::vector<unsigned char> &b, size_t off, uint32_t v)
{
	std::memcpy(b.data() + off, &v, 4);
}

// \a c failed as Corrupt, with \a needle in its message unless \a needle is empty.
void expectCorrupt(const Result<LdCache> &c, const std::string &needle = "")
{
	ASSERT_FALSE(c);
	EXPECT_EQ(c.error().code, Errc::Corrupt);
	if (!needle.empty()) {
		EXPECT_NE(c.error().message.find(needle), std::string::npos) << c.error().message;
	}
}

// Each (field, value) written into a copy of \a bytes whose last string lost its NUL
// terminator is rejected as Corrupt, naming \a what.
void expectBadOffsetsRejected(const std::vector<unsigned char> &bytes,
			      std::initializer_list<std::pair<size_t, uint32_t>> patches,
			      const std::string &what)
{
	for (auto [field, value] : patches) {
		auto b = bytes;
		b.back() = 'x';
		put32(b, field, value);
		ASSERT_NO_FATAL_FAILURE(expectCorrupt(parse(b), what));
	}
}

TEST(LdCache, NewFormatRoundTrip)
{
	auto bytes = writeLdCache(sample(), LdCacheFormat::New, "ldconfig (GNU libc) 2.36");
	auto c = parse(bytes);
	ASSERT_TRUE(c) << c.error().message;
	EXPECT_EQ(c->format, LdCacheFormat::New);
	EXPECT_EQ(c->entries, sample());
	EXPECT_EQ(c->generator, "ldconfig (GNU libc) 2.36");
}

TEST(LdCache, CompatFormatUsesNewTable)
{
	auto bytes = writeLdCache(sample(), LdCacheFormat::Compat);
	ASSERT_EQ(std::memcmp(bytes.data(), "ld.so-1.7.0", 11), 0);
	auto c = parse(bytes);
	ASSERT_TRUE(c) << c.error().message;
	EXPECT_EQ(c->format, LdCacheFormat::Compat);
	EXPECT_EQ(c->entries, sample());
}

TEST(LdCache, OldFormatAlone)
{
	auto c = parse(writeLdCache(sample(), LdCacheFormat::Old));
	ASSERT_TRUE(c) << c.error().message;
	EXPECT_EQ(c->format, LdCacheFormat::Old);
	ASSERT_EQ(c->entries.size(), 3u);
	EXPECT_EQ(c->entries[2].path, "/lib/x86_64-linux-gnu/libnvidia-ml.so.1");
	EXPECT_EQ(c->entries[2].hwcap, 0u); // the old table has no hwcap
}

TEST(LdCache, EmptyCache)
{
	auto c = parse(writeLdCache({}, LdCacheFormat::New));
	ASSERT_TRUE(c);
	EXPECT_TRUE(c->entries.empty());
}

TEST(LdCache, EveryTruncationIsRejectedNotRead)
{
	for (auto format : {LdCacheFormat::New, LdCacheFormat::Compat}) {
		auto bytes = writeLdCache(sample(), format);
		// Any prefix that cuts the header, the entries or a string must fail cleanly.
		for (size_t n = 0; n + 1 < bytes.size(); ++n) {
			std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + n);
			auto c = parse(cut);
			if (c) {
				// Only possible when the cut falls inside the compat old table's
				// strings area that nothing references: never with entries lost.
				ADD_FAILURE() << "prefix of " << n << " bytes parsed";
				continue;
			}
			EXPECT_EQ(c.error().code, Errc::Corrupt) << n;
			EXPECT_EQ(c.error().message.rfind("ld.so.cache: ", 0), 0u)
				<< c.error().message;
		}
	}
}

TEST(LdCache, HostileEntryCountIsRejected)
{
	auto bytes = writeLdCache(sample(), LdCacheFormat::New);
	put32(bytes, 20, 0xffffffffu);
	expectCorrupt(parse(bytes), "4294967295 entries do not fit");
}

TEST(LdCache, HostileOldCountIsRejected)
{
	auto bytes = writeLdCache(sample(), LdCacheFormat::Compat);
	put32(bytes, 12, 0x40000000u);
	expectCorrupt(parse(bytes));
}

TEST(LdCache, HostileStringOffsetsAreRejected)
{
	auto bytes = writeLdCache(sample(), LdCacheFormat::New);
	// Key of entry 1 far beyond the file; then value of entry 0 at the last byte (no NUL).
	expectBadOffsetsRejected(
		bytes,
		{{48 + 24 + 4, 0xfffffff0u}, {48 + 8, static_cast<uint32_t>(bytes.size() - 1)}},
		"entry");
}

TEST(LdCache, HostileOldStringOffsetsAreRejected)
{
	auto bytes = writeLdCache(sample(), LdCacheFormat::Old);
	// Old entries: flags, key, value at 16 + 12 * i; offsets count from the end of the table.
	expectBadOffsetsRejected(bytes,
				 {{16 + 12 + 4, 0xfffffff0u},
				  {16 + 8, static_cast<uint32_t>(bytes.size() - 16 - 36 - 1)}},
				 "old entry");
}

TEST(LdCache, HostileExtensionDirectoryIsRejected)
{
	auto bytes = writeLdCache(sample(), LdCacheFormat::New, "gen");
	uint32_t ext;
	std::memcpy(&ext, bytes.data() + 32, 4);
	auto b = bytes;
	put32(b, ext + 4, 0x10000000u); // extension count
	EXPECT_FALSE(parse(b));
	b = bytes;
	put32(b, ext + 16, 0xfffffff0u); // section offset
	EXPECT_FALSE(parse(b));
	b = bytes;
	put32(b, 32, static_cast<uint32_t>(bytes.size() + 64)); // directory offset
	EXPECT_FALSE(parse(b));
}

TEST(LdCache, InvalidAndForeignByteOrder)
{
	auto bytes = writeLdCache(sample(), LdCacheFormat::New);
	auto b = bytes;
	b[28] = 1;
	EXPECT_EQ(parse(b).error().code, Errc::Corrupt);
	b[28] = std::endian::native == std::endian::little ? 3 : 2;
	EXPECT_EQ(parse(b).error().code, Errc::Unsupported);
	b[28] = 0; // unset (old ldconfig): accepted
	EXPECT_TRUE(parse(b));
}

TEST(LdCache, UnknownMagic)
{
	std::vector<unsigned char> b(100, 'A');
	auto c = parse(b);
	ASSERT_FALSE(c);
	EXPECT_NE(c.error().message.find("unknown format"), std::string::npos);
}

TEST(LdCache, ArchClassification)
{
	EXPECT_TRUE(ldCacheIs64Bit(0x0303));  // x86-64
	EXPECT_TRUE(ldCacheIs64Bit(0x0a03));  // aarch64
	EXPECT_FALSE(ldCacheIs64Bit(0x0003)); // i386
	EXPECT_FALSE(ldCacheIs64Bit(0x0803)); // x32
	EXPECT_FALSE(ldCacheIs64Bit(0x0302)); // type 0x02 (libc5) lacks the libc6 bit
#if defined(__x86_64__)
	EXPECT_EQ(ldCacheNativeFlags(), 0x0303);
#endif
}

TEST(LdCache, ReadsTheRunningSystemsCache)
{
	auto c = readLdCache("/etc/ld.so.cache");
	if (!c && c.error().code == Errc::NotFound)
		GTEST_SKIP() << "no /etc/ld.so.cache on this machine";
	ASSERT_TRUE(c) << c.error().message;
	bool libc = false;
	for (auto &e : c->entries)
		libc = libc || e.soname == "libc.so.6";
	EXPECT_TRUE(libc);
}

// `ldconfig -p -C FILE` output, or nullopt when glibc's ldconfig is not installed.
std::optional<std::string> ldconfigPrint(const std::vector<unsigned char> &cache)
{
	const char *ldconfig = "/sbin/ldconfig";
	if (::access(ldconfig, X_OK) != 0)
		return std::nullopt;
	auto file = std::filesystem::temp_directory_path() /
		    ("tb-ldcache-" + std::to_string(::getpid()));
	std::ofstream(file, std::ios::binary)
		.write(reinterpret_cast<const char *>(cache.data()),
		       static_cast<std::streamsize>(cache.size()));
	std::string cmd = std::string(ldconfig) + " -p -C '" + file.string() + "' 2>&1";
	std::string out;
	if (FILE *p = ::popen(cmd.c_str(), "r")) {
		std::array<char, 4096> buf;
		size_t n;
		while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0)
			out.append(buf.data(), n);
		int status = ::pclose(p);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			out += "\n(ldconfig failed)";
	}
	std::filesystem::remove(file);
	return out;
}

// The same bytes the fixture hosts get are a valid cache for glibc in every format.
TEST(LdCache, GlibcLdconfigReadsTheWrittenCaches)
{
	const std::vector<LdCacheEntry> entries = {
		{0x0303, "libcuda.so.1", "/lib/x86_64-linux-gnu/libcuda.so.1", 0},
		{0x0003, "libcuda.so.1", "/lib/i386-linux-gnu/libcuda.so.1", 0},
		{0x0303, "libnvidia-ml.so.1", "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1", 0},
	};
	const char *gen = "ldconfig (tb fixture) stable release version 2.36";
	for (auto format : {LdCacheFormat::New, LdCacheFormat::Compat, LdCacheFormat::Old}) {
		auto out = ldconfigPrint(writeLdCache(entries, format, gen));
		if (!out)
			GTEST_SKIP() << "no /sbin/ldconfig (glibc) on this machine";
		SCOPED_TRACE(*out);
		EXPECT_EQ(out->find("(ldconfig failed)"), std::string::npos);
		EXPECT_NE(out->find("3 libs found in cache"), std::string::npos);
		for (const char *line :
		     {"\tlibcuda.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcuda.so.1\n",
		      "\tlibcuda.so.1 (libc6) => /lib/i386-linux-gnu/libcuda.so.1\n",
		      "\tlibnvidia-ml.so.1 (libc6,x86-64) => "
		      "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1\n"})
			EXPECT_NE(out->find(line), std::string::npos) << line;
		// Only the new table has the extension directory with the generator.
		bool hasGen =
			out->find(std::string("Cache generated by: ") + gen) != std::string::npos;
		EXPECT_EQ(hasGen, format != LdCacheFormat::Old);
	}
}

} // namespace
} // namespace tb::support
