// SPDX-License-Identifier: Apache-2.0
// Archives are read in place: `tb inspect`, `tb extract` and `tb copy` from uncompressed
// oci-archive and docker-archive files write nothing to TMPDIR or tmp_dir; digests are still
// verified; hostile and duplicate member names behave as documented. Adding a tag to an
// oci-archive does not copy its existing blobs to the temp dir, and only a FILE that is no
// archive is a conflict (a read error stays one); `FILE:TAG` lists that tag only.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <tb/images.h>
#include <tb/transport.h>

#include "helpers.h"
#include "tbsupport/tar_index.h"

using namespace tb;
using namespace tb::test;

namespace fs = std::filesystem;

namespace {

class ArchiveRead : public CliTest {
protected:
	void SetUp() override
	{
		CliTest::SetUp();
		// A regular file as the temp parent: any mkdtemp under it fails, even as root.
		writeFile(tmp_ / "not-a-dir", "");
		std::string blocked = tmp_ / "not-a-dir";
		writeFile(tmp_ / "nvbind.toml",
			  defaultConfig() + "[plugins.\"transport.oci-archive\"]\ntmp_dir = \"" +
				  blocked +
				  "\"\n[plugins.\"transport.docker-archive\"]\ntmp_dir = \"" +
				  blocked + "\"\n");
		writeFile(tmp_ / "writable.toml", defaultConfig());
		fs::create_directory(tmp_ / "emptytmp");
	}

	// tb with TMPDIR=\a tmpdir and the given config (tmp_dir blocked by default).
	CmdResult tb(std::vector<std::string> args, const std::string &tmpdir,
		     const std::string &config = "nvbind.toml")
	{
		args.insert(args.begin(),
			    {"env", "TMPDIR=" + tmpdir, tb_, "--config", tmp_ / config});
		return run(args);
	}

	// Set up archives with a writable temp dir (writing may use one).
	void make(const std::vector<std::pair<std::string, std::string>> &copies)
	{
		for (const auto &[from, to] : copies) {
			auto c = tb({"copy", "-q", from, to}, tmp_ / "emptytmp", "writable.toml");
			ASSERT_EQ(c.status, 0) << from << " -> " << to << ": " << c.err;
		}
		fs::remove_all(tmp_ / "emptytmp");
		fs::create_directory(tmp_ / "emptytmp");
	}

	// Flip one byte inside member \a rel of the uncompressed tar \a file.
	static void tamper(const std::string &file, const std::string &rel)
	{
		auto index = support::TarIndex::open(file);
		ASSERT_TRUE(index) << index.error().message;
		auto it = (*index)->members().find(rel);
		ASSERT_NE(it, (*index)->members().end()) << rel;
		std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
		f.seekg(it->second.offset + it->second.size / 2);
		char c = 0;
		f.read(&c, 1);
		c ^= 0x20;
		f.seekp(it->second.offset + it->second.size / 2);
		f.write(&c, 1);
	}

	std::string blocked() { return tmp_ / "not-a-dir"; }
};

const std::string LayerHex = "24b82d6fef87964040308ca1da22983b34e08adcf5f4933635dce7979226d1a5";

} // namespace

TEST_F(ArchiveRead, InspectExtractAndCopyUseNoTemporaryFiles)
{
	std::string t = tmp_.path(), fx = fixtureArchive();
	make({{"docker-archive:" + fx, "oci-archive:" + t + "/a.tar:v1"},
	      {"docker-archive:" + fx, "docker-archive:" + t + "/d.tar:example/x:v1"}});
	for (const auto &ref :
	     {"oci-archive:" + t + "/a.tar:v1", "docker-archive:" + t + "/d.tar:example/x:v1",
	      "docker-archive:" + fx}) {
		for (const std::string &tmpdir : {blocked(), tmp_ / "emptytmp"}) {
			auto info = tb({"inspect", "--json", ref}, tmpdir);
			ASSERT_EQ(info.status, 0) << ref << ": " << info.err;
			EXPECT_NE(info.out.find(LayerHex), std::string::npos);
			std::string dest =
				t + "/out-" + std::to_string(std::hash<std::string>{}(ref));
			fs::remove_all(dest);
			auto x = tb({"extract", "-q", "--skip-compat", "-i", ref, "-d", dest},
				    tmpdir);
			ASSERT_EQ(x.status, 0) << ref << ": " << x.err;
			EXPECT_TRUE(fs::exists(dest + "/io.triton.cache") || !fs::is_empty(dest))
				<< ref;
			fs::remove_all(t + "/copy");
			auto c = tb({"copy", "-q", ref, "oci:" + t + "/copy:v1"}, tmpdir);
			ASSERT_EQ(c.status, 0) << ref << ": " << c.err;
			EXPECT_TRUE(fs::is_empty(tmp_ / "emptytmp")) << ref;
		}
	}
}

TEST_F(ArchiveRead, OnlyACompressedArchiveIsUnpackedToTmpDir)
{
	std::string t = tmp_.path();
	make({{"docker-archive:" + fixtureArchive(), "oci-archive:" + t + "/a.tar:v1"}});
	ASSERT_EQ(run({"gzip", "-n", t + "/a.tar"}).status, 0);
	std::string ref = "oci-archive:" + t + "/a.tar.gz:v1";
	auto refused = tb({"inspect", ref}, blocked());
	EXPECT_EQ(refused.status, 1) << "a compressed archive needs a temp dir";
	EXPECT_NE(refused.err.find("create temporary directory"), std::string::npos) << refused.err;
	auto ok = tb({"inspect", ref}, tmp_ / "emptytmp", "writable.toml");
	ASSERT_EQ(ok.status, 0) << ok.err;
	EXPECT_TRUE(fs::is_empty(tmp_ / "emptytmp")) << "the unpacked copy is removed";
}

TEST_F(ArchiveRead, ATamperedLayerInsideAnArchiveIsADigestMismatch)
{
	std::string t = tmp_.path(), fx = fixtureArchive();
	make({{"docker-archive:" + fx, "oci-archive:" + t + "/a.tar:v1"},
	      {"docker-archive:" + fx, "docker-archive:" + t + "/d.tar:example/x:v1"}});
	tamper(t + "/a.tar", "blobs/sha256/" + LayerHex);
	tamper(t + "/d.tar", "blobs/sha256/" + LayerHex);
	for (const auto &ref :
	     {"oci-archive:" + t + "/a.tar:v1", "docker-archive:" + t + "/d.tar:example/x:v1"}) {
		auto c = tb({"copy", "-q", ref, "oci:" + t + "/dst:v1"}, blocked());
		EXPECT_EQ(c.status, 1);
		EXPECT_EQ(c.err.rfind("tb: image " + ref + ": blob sha256:" + LayerHex +
					      ": digest mismatch",
				      0),
			  0u)
			<< c.err;
		EXPECT_FALSE(fs::exists(t + "/dst"));
		auto x = tb({"extract", "-q", "--skip-compat", "-i", ref, "-d", t + "/x"},
			    blocked());
		EXPECT_EQ(x.status, 1);
		EXPECT_NE(x.err.find(ref), std::string::npos) << x.err;
		EXPECT_NE(x.err.find(LayerHex), std::string::npos) << x.err;
		EXPECT_NE(x.err.find("digest"), std::string::npos) << x.err;
		EXPECT_FALSE(fs::exists(t + "/x/io.triton.cache"));
	}
	// A legacy archive's layer digest is computed from the file: its diff_id catches it.
	fs::copy_file(fixtureArchive(), t + "/legacy.tar");
	tamper(t + "/legacy.tar", LayerHex + ".tar");
	auto legacy = tb({"extract", "-q", "--skip-compat", "-i",
			  "docker-archive:" + t + "/legacy.tar", "-d", t + "/y"},
			 blocked());
	EXPECT_EQ(legacy.status, 1);
	EXPECT_NE(legacy.err.find("docker-archive:" + t + "/legacy.tar"), std::string::npos)
		<< legacy.err;
	EXPECT_NE(legacy.err.find("diff"), std::string::npos) << legacy.err;
}

TEST_F(ArchiveRead, HostileMemberNamesAreRefusedAndNothingIsWritten)
{
	std::string t = tmp_.path();
	make({{"docker-archive:" + fixtureArchive(), "oci:" + t + "/l:v1"}});
	fs::create_directories(t + "/evil");
	writeFile(t + "/evil/x", "escaped");
	for (const auto &[name, member] : std::vector<std::pair<std::string, std::string>>{
		     {"dotdot", "../escaped"}, {"abs", t + "/escaped-abs"}}) {
		std::string tar = t + "/" + name + ".tar";
		// GNU tar keeps the name as given with -P and --transform.
		ASSERT_EQ(run({"tar", "-P", "--transform", "s|^x$|" + member + "|", "-cf", tar,
			       "-C", t + "/l", ".", "-C", t + "/evil", "x"})
				  .status,
			  0);
		auto r = tb({"inspect", "oci-archive:" + tar + ":v1"}, blocked());
		EXPECT_EQ(r.status, 1) << name;
		EXPECT_NE(r.err.find("entry '" + member + "': unsafe path"), std::string::npos)
			<< r.err;
		EXPECT_FALSE(fs::exists(t + "/escaped"));
		EXPECT_FALSE(fs::exists(t + "/escaped-abs"));
	}
}

TEST_F(ArchiveRead, DuplicateMembersMeanTheLastOneLikeTar)
{
	std::string t = tmp_.path();
	make({{"docker-archive:" + fixtureArchive(), "oci:" + t + "/l:v1"}});
	writeFile(t + "/bogus/index.json", "{\"schemaVersion\":2,\"manifests\":[]}");
	// bogus index.json first, the real one later: the real one is used.
	ASSERT_EQ(run({"tar", "-cf", t + "/late.tar", "-C", t + "/bogus", "index.json", "-C",
		       t + "/l", "."})
			  .status,
		  0);
	auto ok = tb({"inspect", "oci-archive:" + t + "/late.tar:v1"}, blocked());
	EXPECT_EQ(ok.status, 0) << ok.err;
	// The other way round the empty index wins: no image v1.
	ASSERT_EQ(run({"tar", "-cf", t + "/early.tar", "-C", t + "/l", ".", "-C", t + "/bogus",
		       "index.json"})
			  .status,
		  0);
	auto gone = tb({"inspect", "oci-archive:" + t + "/early.tar:v1"}, blocked());
	EXPECT_EQ(gone.status, 1);
	EXPECT_NE(gone.err.find("no image 'v1' in oci-archive " + t + "/early.tar"),
		  std::string::npos)
		<< gone.err;
}

TEST(ArchiveWrite, AddingATagLeavesTheArchivesBlobsInPlace)
{
	TmpDir tmp;
	auto ctx = makeContext(tmp, tmp / "store");
	std::string t = tmp.path(), archive = "oci-archive:" + t + "/a.tar";
	auto one = makeImage("one", {40000, 500});
	auto two = makeImage("two", {700});
	writeLayout(t + "/src", "v1", one);
	writeLayout(t + "/src", "v2", two);
	ASSERT_TRUE(copyImage(*ctx, "oci:" + t + "/src:v1", archive + ":v1"));
	fs::create_directory(t + "/tmp");
	::setenv("TMPDIR", (t + "/tmp").c_str(), 1);
	auto dst = openImageDestination(*ctx, archive + ":v2");
	ASSERT_TRUE(dst) << dst.error().message;
	// Only the small index files of the existing archive were copied out of it.
	std::set<std::string> staged;
	for (const auto &e : fs::recursive_directory_iterator(t + "/tmp"))
		if (e.is_regular_file())
			staged.insert(e.path().filename().string());
	EXPECT_EQ(staged, (std::set<std::string>{"oci-layout", "index.json"}));
	auto src = openImageSource(*ctx, "oci:" + t + "/src:v1");
	ASSERT_TRUE(src);
	auto again = copyImage(**src, **dst, "oci:" + t + "/src:v1");
	ASSERT_TRUE(again) << again.error().message;
	EXPECT_EQ(again->blobsCopied, 0) << "every blob was found in the archive";
	EXPECT_EQ(again->blobsSkipped, 3);
	dst->reset();
	ASSERT_TRUE(copyImage(*ctx, "oci:" + t + "/src:v2", archive + ":v2"));
	::unsetenv("TMPDIR");
	for (const auto &[tag, img] : {std::pair{"v1", &one}, std::pair{"v2", &two}}) {
		auto back = copyImage(*ctx, archive + ":" + tag, "oci:" + t + "/back:" + tag);
		ASSERT_TRUE(back) << tag << ": " << back.error().message;
		EXPECT_EQ(back->manifestDigest, img->manifestDesc.digest);
	}
	for (size_t i = 0; i < one.layers.size(); ++i)
		EXPECT_EQ(readFile(t + "/back/blobs/sha256/" + one.layerDescs[i].digest.hex),
			  one.layers[i]);
	auto index = support::TarIndex::open(t + "/a.tar");
	ASSERT_TRUE(index);
	EXPECT_EQ((*index)->members().size(), 2u + 4u + 3u) << "oci-layout, index.json, blobs";
}

TEST(ArchiveList, ATagListsOnlyThatImageLikeOci)
{
	TmpDir tmp;
	auto ctx = makeContext(tmp, tmp / "store");
	std::string t = tmp.path();
	writeLayout(t + "/src", "v1", makeImage("one", {300}));
	writeLayout(t + "/src", "v2", makeImage("two", {400}));
	for (const char *tag : {"v1", "v2"})
		ASSERT_TRUE(copyImage(*ctx, "oci:" + t + "/src:" + tag,
				      "oci-archive:" + t + "/a.tar:" + tag));
	for (const char *name : {"oci", "oci-archive"}) {
		Transport *tr = ctx->transport(name);
		ASSERT_NE(tr, nullptr) << name;
		std::string file = std::string(name) == "oci" ? t + "/src" : t + "/a.tar";
		auto all = tr->list(file);
		ASSERT_TRUE(all) << name << ": " << all.error().message;
		EXPECT_EQ(all->size(), 2u) << name;
		auto one = tr->list(file + ":v2");
		ASSERT_TRUE(one) << name << ": " << one.error().message;
		ASSERT_EQ(one->size(), 1u) << name;
		EXPECT_EQ((*one)[0].name, "v2") << name;
		auto none = tr->list(file + ":v3");
		ASSERT_TRUE(none) << name;
		EXPECT_TRUE(none->empty()) << name;
	}
}

TEST(ArchiveWrite, OnlyAFileThatIsNoArchiveIsAConflict)
{
	TmpDir tmp;
	auto ctx = makeContext(tmp, tmp / "store");
	std::string t = tmp.path();
	auto open = [&](const std::string &file) {
		return openImageDestination(*ctx, "oci-archive:" + file + ":v1");
	};
	writeFile(t + "/notes.txt", "not an archive\n");
	auto text = open(t + "/notes.txt");
	ASSERT_FALSE(text);
	EXPECT_EQ(text.error().code, Errc::Conflict) << text.error().message;
	EXPECT_NE(text.error().message.find(t + "/notes.txt exists and is not an oci-archive ("),
		  std::string::npos)
		<< text.error().message;
	// An archive tb cannot index (a sparse member) is no conflict but what it is.
	fs::create_directory(t + "/sp");
	writeFile(t + "/sp/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
	ASSERT_EQ(run({"truncate", "-s", "1M", t + "/sp/hole"}).status, 0);
	ASSERT_EQ(run({"tar", "--sparse", "-cf", t + "/sparse.tar", "-C", t + "/sp", "oci-layout",
		       "hole"})
			  .status,
		  0);
	auto sparse = open(t + "/sparse.tar");
	ASSERT_FALSE(sparse);
	EXPECT_EQ(sparse.error().code, Errc::Unsupported) << sparse.error().message;
	EXPECT_NE(sparse.error().message.find("sparse files are not supported"), std::string::npos)
		<< sparse.error().message;
	EXPECT_EQ(sparse.error().message.find("not an oci-archive"), std::string::npos)
		<< sparse.error().message;
	// A read that fails (EIO even as root: offset 0 of our own memory) is an I/O error.
	auto eio = open("/proc/self/mem");
	ASSERT_FALSE(eio);
	EXPECT_EQ(eio.error().code, Errc::Io) << eio.error().message;
	EXPECT_NE(eio.error().message.find("read archive /proc/self/mem: "), std::string::npos)
		<< eio.error().message;
}
