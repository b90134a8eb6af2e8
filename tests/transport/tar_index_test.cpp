// SPDX-License-Identifier: Apache-2.0
// TarIndex: tars read in place. Real writers (GNU tar in its three formats, libarchive) and
// hand-made headers (base-256 sizes, sparse, hostile names, duplicates, truncation).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "helpers.h"
#include "tbsupport/tar_dir.h"
#include "tbsupport/tar_index.h"

using namespace tb;
using namespace tb::support;
using namespace tb::test;

namespace fs = std::filesystem;

namespace {

// One 512-byte ustar header; \a size256 writes the size in GNU base-256.
std::string header(const std::string &name, char type, size_t size, bool size256 = false)
{
	std::string h(512, '\0');
	std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
	std::snprintf(h.data() + 100, 8, "%07o", 0644);
	std::snprintf(h.data() + 108, 8, "%07o", 0);
	std::snprintf(h.data() + 116, 8, "%07o", 0);
	if (size256) {
		h[124] = static_cast<char>(0x80);
		for (int i = 0; i < 8; ++i)
			h[135 - i] = static_cast<char>((size >> (8 * i)) & 0xff);
	} else {
		std::snprintf(h.data() + 124, 12, "%011zo", size);
	}
	std::snprintf(h.data() + 136, 12, "%011o", 0);
	h[156] = type;
	std::memcpy(h.data() + 257,
		    "ustar\0"
		    "00",
		    8);
	std::memset(h.data() + 148, ' ', 8);
	unsigned sum = 0;
	for (unsigned char c : h)
		sum += c;
	std::snprintf(h.data() + 148, 7, "%06o", sum);
	return h;
}

std::string padded(const std::string &data)
{
	return data + std::string((512 - data.size() % 512) % 512, '\0');
}

std::string member(const std::string &name, const std::string &data, char type = '0')
{
	return header(name, type, data.size()) + padded(data);
}

std::string paxMember(const std::string &records, const std::string &name, const std::string &data)
{
	return header("PaxHeader", 'x', records.size()) + padded(records) + member(name, data);
}

std::string end()
{
	return std::string(1024, '\0');
}

// "LEN key=value\n" with LEN counting itself.
std::string paxRecord(const std::string &key, const std::string &value)
{
	std::string body = " " + key + "=" + value + "\n";
	size_t len = body.size() + 1;
	while (std::to_string(len).size() + body.size() != len)
		++len;
	return std::to_string(len) + body;
}

std::string contentOf(const TarIndex &index, const std::string &rel)
{
	auto r = index.open(rel, false);
	if (!r)
		return "<" + r.error().message + ">";
	std::string out;
	char buf[7]; // small reads cross block boundaries
	for (;;) {
		auto n = (*r)->read(buf, sizeof buf);
		if (!n || *n == 0)
			break;
		out.append(buf, *n);
	}
	return out;
}

Result<std::shared_ptr<TarIndex>> indexOf(const TmpDir &tmp, const std::string &bytes)
{
	writeFile(tmp / "t.tar", bytes);
	return TarIndex::open(tmp / "t.tar");
}

} // namespace

TEST(TarIndex, ReadsWhatGnuTarWritesInEveryFormat)
{
	TmpDir tmp;
	// Over 100 bytes: GNU writes an 'L' record, pax a path record, ustar a prefix.
	std::string deep = "blobs/" + std::string(60, 'a') + "/" + std::string(60, 'b') + "/leaf";
	writeFile(tmp / "src/" + deep, "long name content");
	writeFile(tmp / "src/index.json", std::string(70000, 'x'));
	writeFile(tmp / "src/empty", "");
	for (const char *format : {"gnu", "pax", "ustar"}) {
		std::string tar = tmp / (std::string(format) + ".tar");
		ASSERT_EQ(
			run({"tar", "--format", format, "-cf", tar, "-C", tmp / "src", "."}).status,
			0);
		ASSERT_TRUE(*isUncompressedTar(tar));
		auto index = TarIndex::open(tar);
		ASSERT_TRUE(index) << format << ": " << index.error().message;
		EXPECT_EQ((*index)->members().size(), 3u) << format;
		EXPECT_EQ(contentOf(**index, deep), "long name content") << format;
		EXPECT_EQ(contentOf(**index, "index.json"), std::string(70000, 'x')) << format;
		EXPECT_EQ(contentOf(**index, "empty"), "") << format;
		EXPECT_EQ(*(*index)->size("index.json"), 70000);
		EXPECT_EQ((*index)->size("blobs").error().code, Errc::NotFound)
			<< "dirs are no files";
	}
}

TEST(TarIndex, ReadsWhatPackDirectoryWrites)
{
	TmpDir tmp;
	auto img = makeImage("idx", {3000, 600});
	writeLayout(tmp / "l", "v1", img);
	ASSERT_TRUE(packDirectory(tmp / "l", tmp / "l.tar"));
	auto index = TarIndex::open(tmp / "l.tar");
	ASSERT_TRUE(index) << index.error().message;
	size_t files = 0;
	for (const auto &[rel, digest] : snapshot(tmp / "l")) {
		if (digest == "dir")
			continue;
		EXPECT_EQ(contentOf(**index, rel), readFile(tmp / "l/" + rel)) << rel;
		++files;
	}
	EXPECT_EQ((*index)->members().size(), files);
	EXPECT_GE(files, 5u);
}

TEST(TarIndex, PackDirectoryNamesTheBaseMemberItFailedToRead)
{
	TmpDir tmp;
	writeLayout(tmp / "l", "v1", makeImage("base", {3000}));
	ASSERT_TRUE(packDirectory(tmp / "l", tmp / "base.tar"));
	auto index = TarIndex::open(tmp / "base.tar");
	ASSERT_TRUE(index) << index.error().message;
	// The archive shrinks after it was indexed: every member copied from it fails to read.
	fs::resize_file(tmp / "base.tar", 0);
	fs::create_directory(tmp / "new");
	auto r = packDirectory(tmp / "new", tmp / "new.tar", index->get());
	ASSERT_FALSE(r);
	const std::string &msg = r.error().message;
	EXPECT_TRUE(msg.starts_with((*index)->name(""))) << msg;
	EXPECT_NE(msg.find("archive truncated"), std::string::npos) << msg;
	EXPECT_EQ(msg.find(tmp / "new/"), std::string::npos)
		<< "the data came from the archive, not from the directory: " << msg;
	EXPECT_FALSE(fs::exists(tmp / "new.tar"));
}

TEST(TarIndex, PaxPathAndSizeAndBase256Sizes)
{
	TmpDir tmp;
	std::string longName = std::string(200, 'p') + "/file";
	std::string tar = paxMember(paxRecord("path", longName), "short", "pax data") +
			  header("big", '0', 5, true) + padded("12345") + end();
	auto index = indexOf(tmp, tar);
	ASSERT_TRUE(index) << index.error().message;
	EXPECT_EQ(contentOf(**index, longName), "pax data");
	EXPECT_FALSE((*index)->size("short")) << "the pax path replaces the header name";
	EXPECT_EQ(contentOf(**index, "big"), "12345");
	// A pax size overrides the header's (how sizes over 8 GiB are written).
	std::string sized = header("PaxHeader", 'x', paxRecord("size", "3").size()) +
			    padded(paxRecord("size", "3")) + header("s", '0', 0) + padded("abc") +
			    end();
	auto s = indexOf(tmp, sized);
	ASSERT_TRUE(s) << s.error().message;
	EXPECT_EQ(contentOf(**s, "s"), "abc");
}

TEST(TarIndex, RefusesUnsafeNamesSparseAndAmbiguousEntries)
{
	TmpDir tmp;
	for (const std::string name : {"../evil", "/etc/evil", "a/../../evil", "ok/./x"}) {
		auto r = indexOf(tmp, member("fine", "x") + member(name, "x") + end());
		ASSERT_FALSE(r) << name;
		EXPECT_EQ(r.error().code, Errc::Corrupt);
		EXPECT_NE(r.error().message.find("archive " + (tmp / "t.tar") + ": entry '" + name +
						 "': unsafe path"),
			  std::string::npos)
			<< r.error().message;
	}
	// Link names are policed too, even though links are never served.
	EXPECT_FALSE(indexOf(tmp, header("../l", '2', 0) + end()));
	auto sparse = indexOf(tmp, header("s", 'S', 0) + end());
	ASSERT_FALSE(sparse);
	EXPECT_EQ(sparse.error().code, Errc::Unsupported);
	EXPECT_NE(sparse.error().message.find("'s': sparse"), std::string::npos);
	auto paxSparse =
		indexOf(tmp, paxMember(paxRecord("GNU.sparse.major", "1"), "s2", "x") + end());
	ASSERT_FALSE(paxSparse);
	EXPECT_EQ(paxSparse.error().code, Errc::Unsupported);
	auto dirWithData = indexOf(tmp, header("d/", '5', 3) + padded("abc") + end());
	ASSERT_FALSE(dirWithData);
	EXPECT_NE(dirWithData.error().message.find("non-file entry with a data size"),
		  std::string::npos);
	auto badPax = indexOf(tmp, header("PaxHeader", 'x', 9) + padded("99 path=x") + end());
	ASSERT_FALSE(badPax);
	EXPECT_NE(badPax.error().message.find("malformed pax header"), std::string::npos);
}

TEST(TarIndex, RealSparseFilesAreRefused)
{
	TmpDir tmp;
	{
		writeFile(tmp / "src/hole", "");
		fs::resize_file(tmp / "src/hole", 4 << 20);
	}
	for (const char *format : {"gnu", "pax"}) {
		std::string tar = tmp / (std::string(format) + ".tar");
		ASSERT_EQ(run({"tar", "--sparse", "--format", format, "-cf", tar, "-C", tmp / "src",
			       "hole"})
				  .status,
			  0);
		auto r = TarIndex::open(tar);
		ASSERT_FALSE(r) << format << ": a sparse archive was indexed";
		EXPECT_EQ(r.error().code, Errc::Unsupported) << r.error().message;
	}
}

TEST(TarIndex, DuplicateNamesMeanTheLastEntryLikeTarX)
{
	TmpDir tmp;
	auto twice = indexOf(tmp, member("a", "first") + member("./a", "second") + end());
	ASSERT_TRUE(twice);
	EXPECT_EQ(contentOf(**twice, "a"), "second");
	// A later symlink or directory of that name hides the file, as extraction would.
	auto hidden = indexOf(tmp, member("a", "file") + header("a", '2', 0) + end());
	ASSERT_TRUE(hidden);
	EXPECT_EQ((*hidden)->size("a").error().code, Errc::NotFound);
	auto back = indexOf(tmp, header("a", '2', 0) + member("a", "again") + end());
	ASSERT_TRUE(back);
	EXPECT_EQ(contentOf(**back, "a"), "again");
}

TEST(TarIndex, TruncationAndBadHeadersAreCorrupt)
{
	TmpDir tmp;
	std::string whole = member("a", std::string(3000, 'z')) + end();
	auto cut = indexOf(tmp, whole.substr(0, 512 + 1000));
	ASSERT_FALSE(cut);
	EXPECT_EQ(cut.error().code, Errc::Corrupt);
	EXPECT_NE(cut.error().message.find("truncated"), std::string::npos);
	std::string bad = whole;
	bad[10] ^= 1; // name changes, checksum does not
	auto sum = indexOf(tmp, bad);
	ASSERT_FALSE(sum);
	EXPECT_NE(sum.error().message.find("checksum"), std::string::npos);
	// No end blocks at all is accepted (Go's reader does too); an empty tar holds nothing.
	auto noEnd = indexOf(tmp, member("a", "x"));
	ASSERT_TRUE(noEnd);
	EXPECT_EQ(contentOf(**noEnd, "a"), "x");
	auto empty = indexOf(tmp, end());
	ASSERT_TRUE(empty);
	EXPECT_TRUE((*empty)->members().empty());
	EXPECT_EQ(TarIndex::open(tmp / "missing.tar").error().code, Errc::NotFound);
}

TEST(TarIndex, ShrinkingArchiveIsAnErrorNotShortData)
{
	TmpDir tmp;
	auto index = indexOf(tmp, member("a", std::string(5000, 'q')) + end());
	ASSERT_TRUE(index);
	auto reader = (*index)->open("a", false);
	ASSERT_TRUE(reader);
	fs::resize_file(tmp / "t.tar", 1024);
	char buf[8192];
	auto n = (*reader)->read(buf, sizeof buf);
	ASSERT_TRUE(n) << n.error().message; // the first 512 bytes are still there
	auto rest = (*reader)->read(buf, sizeof buf);
	ASSERT_FALSE(rest);
	EXPECT_EQ(rest.error().code, Errc::Corrupt);
}

TEST(TarIndex, CompressedArchivesAreNotIndexed)
{
	TmpDir tmp;
	writeFile(tmp / "t.tar", member("a", "x") + end());
	ASSERT_EQ(run({"gzip", "-k", tmp / "t.tar"}).status, 0);
	EXPECT_FALSE(*isUncompressedTar(tmp / "t.tar.gz"));
	EXPECT_TRUE(*isUncompressedTar(tmp / "t.tar"));
	writeFile(tmp / "notes.txt", "not a tar at all");
	EXPECT_FALSE(*isUncompressedTar(tmp / "notes.txt"));
	EXPECT_FALSE(*isUncompressedTar(tmp.path())) << "a directory is no archive";
	// openArchiveTree unpacks the compressed one; both trees serve the same bytes.
	for (const char *name : {"t.tar", "t.tar.gz"}) {
		auto tree = openArchiveTree(tmp / name, "tb-test-", tmp.path());
		ASSERT_TRUE(tree) << name << ": " << tree.error().message;
		EXPECT_EQ(*readTreeFile(**tree, "a", 100), "x") << name;
	}
}

// One tar parser whatever the compression: each archive below reads the same (members, bytes,
// or the error class) plain and gzipped, and unpackArchive() writes exactly those members.
// The cases are where a second parser (libarchive's) used to decide otherwise.
TEST(TarIndex, CompressionNeverChangesWhatAnArchiveHolds)
{
	TmpDir tmp;
	const std::vector<std::pair<std::string, std::string>> cases = {
		{"duplicate", member("a", "first") + member("./a", "second") + end()},
		{"hidden-by-link", member("a", "file") + header("a", '2', 0) + end()},
		{"hidden-by-dir", member("a", "file") + header("a/", '5', 0) + end()},
		{"link-then-file", header("a", '2', 0) + member("a", "again") + end()},
		{"pax-path", paxMember(paxRecord("path", "long/name"), "short", "data") + end()},
		{"base-256", header("s", '0', 3, true) + padded("abc") + end()},
		{"sparse", header("s", 'S', 0) + end()},
		{"dir-with-data", header("d/", '5', 3) + padded("abc") + end()},
		{"unsafe", member("fine", "x") + member("../evil", "x") + end()},
		{"empty", end()},
	};
	auto describe = [](const Result<std::shared_ptr<TarIndex>> &r) {
		if (!r)
			return std::string("error ") + std::string(errcName(r.error().code));
		std::string out;
		for (const auto &[name, m] : (*r)->members())
			out += name + "=" + contentOf(**r, name) + ";";
		return out;
	};
	for (const auto &[what, bytes] : cases) {
		writeFile(tmp / "t.tar", bytes);
		fs::remove(tmp / "t.tar.gz");
		ASSERT_EQ(run({"gzip", "-k", tmp / "t.tar"}).status, 0);
		auto plain = indexArchive(tmp / "t.tar", "tb-test-", tmp.path());
		auto gz = indexArchive(tmp / "t.tar.gz", "tb-test-", tmp.path());
		EXPECT_EQ(describe(plain), describe(gz)) << what;
		std::string out = tmp / ("out-" + what);
		auto unpacked = unpackArchive(tmp / "t.tar.gz", out);
		EXPECT_EQ(unpacked.has_value(), plain.has_value()) << what;
		if (!plain || !unpacked)
			continue;
		std::string files;
		for (const auto &[name, m] : (*plain)->members())
			files += name + "=" + readFile(out + "/" + name) + ";";
		EXPECT_EQ(files, describe(plain)) << what;
		size_t count = 0;
		for (const auto &e : fs::recursive_directory_iterator(out))
			count += e.is_regular_file() ? 1 : 0;
		EXPECT_EQ(count, (*plain)->members().size())
			<< what << ": only members are written";
	}
	// A compressed archive leaves no temp file or dir behind once indexed.
	for (const auto &e : fs::directory_iterator(tmp.path()))
		EXPECT_EQ(e.path().filename().string().rfind("tb-test-", 0), std::string::npos)
			<< e.path();
}
