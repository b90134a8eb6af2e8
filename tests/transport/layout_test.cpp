// SPDX-License-Identifier: Apache-2.0
// OCI layouts: resolve, atomic verified writes, staged destinations, locking, tar plumbing.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include <archive.h>
#include <archive_entry.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "tbsupport/layout_image.h"
#include "tbsupport/sha256.h"
#include "tbsupport/tar_dir.h"

using namespace tb;
using namespace tb::support;
using namespace tb::test;

namespace fs = std::filesystem;

namespace {

std::string tarWith(const std::vector<std::pair<std::string, char>> &entries)
{
	std::string out(1 << 20, '\0');
	size_t used = 0;
	archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_open_memory(a, out.data(), out.size(), &used);
	for (const auto &[name, type] : entries) {
		archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, name.c_str());
		archive_entry_set_perm(e, 0644);
		if (type == 'l') {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, "/etc");
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, 2);
		}
		archive_write_header(a, e);
		if (type != 'l')
			archive_write_data(a, "hi", 2);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	out.resize(used);
	return out;
}

} // namespace

TEST(Layout, WritesAndResolvesTags)
{
	TmpDir tmp;
	auto a = makeImage("a", {100}), b = makeImage("b", {200});
	writeLayout(tmp / "l", "v1", a);
	writeLayout(tmp / "l", "mycache:v2", b);
	EXPECT_EQ(readFile(tmp / "l/oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
	auto layout = OciLayout::open(tmp / "l");
	ASSERT_TRUE(layout);
	EXPECT_EQ(layout->resolve("v1")->digest, a.manifestDesc.digest);
	EXPECT_EQ(layout->resolve("mycache:v2")->digest, b.manifestDesc.digest);
	EXPECT_EQ(layout->resolve("mycache@" + b.manifestDesc.digest.str())->digest,
		  b.manifestDesc.digest);
	auto none = layout->resolve("v3");
	ASSERT_FALSE(none);
	EXPECT_EQ(none.error().code, Errc::NotFound);
	auto ambiguous = layout->resolve("");
	ASSERT_FALSE(ambiguous);
	EXPECT_NE(ambiguous.error().message.find("mycache:v2"), std::string::npos);
	// Re-tagging replaces the entry instead of adding a second one.
	ASSERT_TRUE(layout->setTag("v1", b.manifestDesc));
	EXPECT_EQ(layout->entries()->size(), 2u);
	EXPECT_EQ(layout->resolve("v1")->digest, b.manifestDesc.digest);
}

TEST(Layout, IndexRewriteKeepsForeignFields)
{
	TmpDir tmp;
	auto a = makeImage("a", {10});
	writeLayout(tmp / "l", "v1", a);
	std::string index = readFile(tmp / "l/index.json");
	index.insert(index.size() - 1, ",\"annotations\":{\"keep\":\"me\"}");
	writeFile(tmp / "l/index.json", index);
	auto layout = OciLayout::open(tmp / "l");
	ASSERT_TRUE(layout->setTag("v2", a.manifestDesc));
	EXPECT_NE(readFile(tmp / "l/index.json").find("\"keep\":\"me\""), std::string::npos);
}

TEST(Layout, BlobWritesAreVerifiedAndLeaveNothingOnFailure)
{
	TmpDir tmp;
	auto layout = OciLayout::openOrCreate(tmp / "l");
	ASSERT_TRUE(layout);
	Descriptor d{std::string(media::OciLayerTar), Sha256::of("hello"), 5, {}, {}, {}};
	StringReader wrong("hellp"), shorter("hell"), longer("hello!");
	auto r1 = layout->putBlob(d, wrong);
	ASSERT_FALSE(r1);
	EXPECT_NE(r1.error().message.find("digest mismatch"), std::string::npos);
	auto r2 = layout->putBlob(d, shorter);
	ASSERT_FALSE(r2);
	EXPECT_NE(r2.error().message.find("truncated"), std::string::npos);
	auto r3 = layout->putBlob(d, longer);
	ASSERT_FALSE(r3);
	EXPECT_NE(r3.error().message.find("more than"), std::string::npos);
	EXPECT_EQ(snapshot(tmp / "l").size(), 4u)
		<< "oci-layout, index.json, blobs, blobs/sha256 only; no temp files";
	StringReader good("hello");
	ASSERT_TRUE(layout->putBlob(d, good));
	EXPECT_TRUE(*layout->hasBlob(d));
	EXPECT_EQ(readFile(layout->blobPath(d.digest)), "hello");
}

TEST(Layout, ReadBlobChecksSizeAndDigest)
{
	TmpDir tmp;
	auto a = makeImage("a", {10});
	writeLayout(tmp / "l", "v1", a);
	auto layout = OciLayout::open(tmp / "l");
	writeFile(layout->blobPath(a.configDesc.digest), a.config + " ");
	auto sized = layout->readBlob(a.configDesc, 1 << 20);
	ASSERT_FALSE(sized);
	EXPECT_NE(sized.error().message.find("descriptor says"), std::string::npos);
	std::string flipped = a.config;
	flipped[0] = '[';
	writeFile(layout->blobPath(a.configDesc.digest), flipped);
	auto digest = layout->readBlob(a.configDesc, 1 << 20);
	ASSERT_FALSE(digest);
	EXPECT_NE(digest.error().message.find("digest mismatch"), std::string::npos);
}

TEST(Layout, BlobStatErrorIsNotMissing)
{
	TmpDir tmp;
	auto a = makeImage("a", {10});
	writeLayout(tmp / "l", "v1", a);
	auto layout = OciLayout::open(tmp / "l");
	ASSERT_TRUE(layout);
	// blobs/sha256 -> itself: lstat of a blob fails with ELOOP, which root cannot bypass.
	fs::remove_all(tmp / "l/blobs/sha256");
	fs::create_symlink("sha256", tmp / "l/blobs/sha256");
	std::string path = layout->blobPath(a.configDesc.digest);
	auto has = layout->hasBlob(a.configDesc);
	ASSERT_FALSE(has) << "an unreadable blob is not an absent one";
	EXPECT_EQ(has.error().code, Errc::Io);
	EXPECT_NE(has.error().message.find(path), std::string::npos) << has.error().message;
	EXPECT_EQ(has.error().message.find("missing"), std::string::npos) << has.error().message;
	auto open = layout->openBlob(a.configDesc);
	ASSERT_FALSE(open);
	EXPECT_EQ(open.error().code, Errc::Io);
	EXPECT_NE(open.error().message.find(path), std::string::npos) << open.error().message;
	EXPECT_EQ(open.error().message.find("missing"), std::string::npos) << open.error().message;
}

TEST(Layout, UncommittedDestinationLeavesNoTrace)
{
	TmpDir tmp;
	auto a = makeImage("a", {100}), b = makeImage("b", {100});
	{
		auto dst = LayoutDestination::create(tmp / "new/deeper", "v1");
		ASSERT_TRUE(dst);
		StringReader layer(b.layers[0]);
		ASSERT_TRUE((*dst)->putBlob(b.layerDescs[0], layer));
		EXPECT_TRUE(*(*dst)->hasBlob(b.layerDescs[0]));
	}
	EXPECT_FALSE(fs::exists(tmp / "new"));

	writeLayout(tmp / "old", "v1", a);
	auto before = snapshot(tmp / "old");
	{
		auto dst = LayoutDestination::create(tmp / "old", "v2");
		StringReader layer(b.layers[0]);
		ASSERT_TRUE((*dst)->putBlob(b.layerDescs[0], layer));
		ASSERT_TRUE((*dst)->putManifest(
			RawManifest{b.manifest, std::string(media::OciManifest)}));
	}
	EXPECT_EQ(snapshot(tmp / "old"), before);
}

namespace {

void writeFd(int fd, const std::string &bytes)
{
	ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

std::vector<std::string> tempsIn(const std::string &dir)
{
	std::vector<std::string> out;
	for (const auto &e : fs::directory_iterator(dir))
		if (e.path().filename().string().starts_with(".tb-"))
			out.push_back(e.path().filename().string());
	return out;
}

} // namespace

// The file a producer writes its blob into (tb create's layer): staged in the layout root,
// stored by rename at commit, never read back.
TEST(Layout, BlobFileIsAdoptedAtCommit)
{
	TmpDir tmp;
	auto a = makeImage("a", {100}), b = makeImage("b", {300});
	writeLayout(tmp / "l", "v1", a);
	auto dst = LayoutDestination::create(tmp / "l", "v2");
	ASSERT_TRUE(dst);
	ASSERT_GE((*dst)->apiMinor(), 4);
	auto file = (*dst)->createBlobFile();
	ASSERT_TRUE(file) << file.error().message;
	int fd = (*file)->fd();
	ASSERT_GE(fd, 0);
	auto temps = tempsIn(tmp / "l");
	ASSERT_EQ(temps.size(), 1u);
	EXPECT_TRUE(temps[0].starts_with(".tb-blob-" + std::to_string(::getpid()) + "-"))
		<< temps[0];
	writeFd(fd, b.layers[0].substr(0, 100));
	writeFd(fd, b.layers[0].substr(100));
	// The writer may read its bytes back (create's expansion check does).
	char first = 0;
	ASSERT_EQ(::pread(fd, &first, 1, 0), 1);
	EXPECT_EQ(first, b.layers[0][0]);
	ASSERT_TRUE((*file)->adopt(b.layerDescs[0]));
	EXPECT_TRUE(*(*dst)->hasBlob(b.layerDescs[0])) << "staged: counts as present";
	EXPECT_FALSE(fs::exists(tmp / ("l/blobs/sha256/" + b.layerDescs[0].digest.hex)))
		<< "nothing visible before commit";
	file->reset();
	EXPECT_EQ(tempsIn(tmp / "l").size(), 1u) << "an adopted file stays staged";
	StringReader config(b.config);
	ASSERT_TRUE((*dst)->putBlob(b.configDesc, config));
	ASSERT_TRUE((*dst)->putManifest(RawManifest{b.manifest, std::string(media::OciManifest)}));
	ASSERT_TRUE((*dst)->commit());
	EXPECT_TRUE(tempsIn(tmp / "l").empty());
	auto layout = OciLayout::open(tmp / "l");
	ASSERT_TRUE(layout);
	EXPECT_EQ(readFile(layout->blobPath(b.layerDescs[0].digest)), b.layers[0]);
	EXPECT_EQ(fs::status(layout->blobPath(b.layerDescs[0].digest)).permissions() &
			  fs::perms::others_read,
		  fs::perms::others_read)
		<< "blobs are shared data, like putBlob()'s";
	EXPECT_EQ(layout->resolve("v2")->digest, Sha256::of(b.manifest));
}

TEST(Layout, BlobFileOfTheWrongSizeIsRefused)
{
	TmpDir tmp;
	auto b = makeImage("b", {300});
	auto dst = LayoutDestination::create(tmp / "l", "v1");
	auto file = (*dst)->createBlobFile();
	ASSERT_TRUE(file) << file.error().message;
	writeFd((*file)->fd(), b.layers[0] + "x");
	auto r = (*file)->adopt(b.layerDescs[0]);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::Corrupt) << r.error().message;
	EXPECT_NE(r.error().message.find("descriptor says"), std::string::npos)
		<< r.error().message;
	EXPECT_FALSE(*(*dst)->hasBlob(b.layerDescs[0]));
}

// A producer that fails midway: its file goes, and with it every trace of the destination.
TEST(Layout, AbandonedBlobFileLeavesNoTrace)
{
	TmpDir tmp;
	auto a = makeImage("a", {100}), b = makeImage("b", {300});
	{
		auto dst = LayoutDestination::create(tmp / "new/deeper", "v1");
		auto file = (*dst)->createBlobFile();
		ASSERT_TRUE(file) << file.error().message;
		EXPECT_TRUE(fs::exists(tmp / "new/deeper")) << "the file lives in the layout";
		writeFd((*file)->fd(), b.layers[0].substr(0, 50));
	}
	EXPECT_FALSE(fs::exists(tmp / "new"));

	writeLayout(tmp / "old", "v1", a);
	auto before = snapshot(tmp / "old");
	{
		auto dst = LayoutDestination::create(tmp / "old", "v2");
		auto dropped = (*dst)->createBlobFile();
		ASSERT_TRUE(dropped);
		writeFd((*dropped)->fd(), "partial");
		dropped->reset();
		EXPECT_TRUE(tempsIn(tmp / "old").empty()) << "dropped without adopt(): removed";
		auto file = (*dst)->createBlobFile();
		ASSERT_TRUE(file);
		writeFd((*file)->fd(), b.layers[0]);
		ASSERT_TRUE((*file)->adopt(b.layerDescs[0]));
		ASSERT_TRUE((*dst)->putManifest(
			RawManifest{b.manifest, std::string(media::OciManifest)}));
		// no commit()
	}
	EXPECT_EQ(snapshot(tmp / "old"), before);
}

TEST(Layout, BlobFileRefusesAForeignDirectory)
{
	TmpDir tmp;
	writeFile(tmp / "home/notes.txt", "mine");
	auto dst = LayoutDestination::create(tmp / "home", "v1");
	auto file = (*dst)->createBlobFile();
	ASSERT_FALSE(file);
	EXPECT_EQ(file.error().code, Errc::Conflict) << file.error().message;
	EXPECT_EQ(snapshot(tmp / "home").size(), 1u);
}

TEST(Layout, DestinationRefusesAForeignDirectory)
{
	TmpDir tmp;
	writeFile(tmp / "home/notes.txt", "mine");
	auto dst = LayoutDestination::create(tmp / "home", "v1");
	StringReader blob("x");
	auto r = (*dst)->putBlob(Descriptor{"a", Sha256::of("x"), 1, {}, {}, {}}, blob);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::Conflict);
	EXPECT_EQ(snapshot(tmp / "home").size(), 1u);
}

TEST(Layout, ConcurrentWritersFromTwoProcessesBothLand)
{
	TmpDir tmp;
	std::string dir = tmp / "l";
	const int perWriter = 15;
	std::vector<pid_t> pids;
	for (int w = 0; w < 2; ++w) {
		pid_t pid = ::fork();
		if (pid == 0) {
			int failures = 0;
			for (int i = 0; i < perWriter; ++i) {
				auto img =
					makeImage("w" + std::to_string(w) + "-" + std::to_string(i),
						  {64, 1000});
				auto dst = LayoutDestination::create(
					dir, "w" + std::to_string(w) + "-" + std::to_string(i));
				for (size_t l = 0; l < img.layers.size(); ++l) {
					StringReader data(img.layers[l]);
					failures += !(*dst)->putBlob(img.layerDescs[l], data);
				}
				StringReader cfg(img.config);
				failures += !(*dst)->putBlob(img.configDesc, cfg);
				failures += !(*dst)->putManifest(
					RawManifest{img.manifest, std::string(media::OciManifest)});
				failures += !(*dst)->commit();
			}
			::_exit(failures == 0 ? 0 : 1);
		}
		pids.push_back(pid);
	}
	for (pid_t p : pids) {
		int status = 0;
		::waitpid(p, &status, 0);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	auto layout = OciLayout::open(dir);
	ASSERT_TRUE(layout);
	EXPECT_EQ(layout->entries()->size(), 2u * perWriter);
	for (int w = 0; w < 2; ++w)
		for (int i = 0; i < perWriter; ++i) {
			auto d = layout->resolve("w" + std::to_string(w) + "-" + std::to_string(i));
			ASSERT_TRUE(d) << d.error().message;
			EXPECT_TRUE(layout->readBlob(*d, 1 << 20));
		}
}

TEST(TarDir, UnpackRefusesEscapesAndSkipsLinks)
{
	TmpDir tmp;
	writeFile(tmp / "dotdot.tar", tarWith({{"ok", 'f'}, {"../evil", 'f'}}));
	fs::create_directory(tmp / "out1");
	auto r = unpackArchive(tmp / "dotdot.tar", tmp / "out1");
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("'../evil': unsafe path"), std::string::npos);
	EXPECT_FALSE(fs::exists(tmp / "evil"));

	writeFile(tmp / "abs.tar", tarWith({{"/etc/evil", 'f'}}));
	fs::create_directory(tmp / "out2");
	EXPECT_FALSE(unpackArchive(tmp / "abs.tar", tmp / "out2"));

	writeFile(tmp / "link.tar", tarWith({{"etc", 'l'}, {"./a/b", 'f'}}));
	fs::create_directory(tmp / "out3");
	ASSERT_TRUE(unpackArchive(tmp / "link.tar", tmp / "out3"));
	EXPECT_FALSE(fs::exists(tmp / "out3/etc"));
	EXPECT_EQ(readFile(tmp / "out3/a/b"), "hi");
}

TEST(TarDir, PackThenUnpackRoundTrips)
{
	TmpDir tmp;
	auto a = makeImage("a", {3000});
	writeLayout(tmp / "l", "v1", a);
	writeFile(tmp / "l/.tb-blob-leftover", "not packed");
	ASSERT_TRUE(packDirectory(tmp / "l", tmp / "l.tar"));
	fs::create_directory(tmp / "u");
	ASSERT_TRUE(unpackArchive(tmp / "l.tar", tmp / "u"));
	auto want = snapshot(tmp / "l");
	want.erase(".tb-blob-leftover");
	EXPECT_EQ(snapshot(tmp / "u"), want);
	EXPECT_FALSE(unpackArchive(tmp / "missing.tar", tmp / "u"));
}
