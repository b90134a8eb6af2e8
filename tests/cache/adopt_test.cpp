// SPDX-License-Identifier: Apache-2.0
// create writes its layer straight into a destination that offers a blob file (Transport API
// 2.4) and has it adopted there; a destination without the call gets the same bytes through
// putBlob(); a create that fails leaves the destination as it was.
#include <unistd.h>

#include <tb/images.h>
#include <tb/transport.h>

#include "cache_test_util.h"

namespace tb::test {
namespace {

struct Calls {
	int createBlobFile = 0;
	int adopt = 0;
	std::vector<Digest> putBlob;
};

// Counts what the core calls on a blob file before passing it on.
class CountingFile : public BlobFile {
public:
	CountingFile(std::unique_ptr<BlobFile> inner, Calls &calls)
	    : inner_(std::move(inner)), calls_(calls)
	{
	}
	int fd() const noexcept override { return inner_->fd(); }
	Result<void> adopt(const Descriptor &blob) noexcept override
	{
		++calls_.adopt;
		return inner_->adopt(blob);
	}

private:
	std::unique_ptr<BlobFile> inner_;
	Calls &calls_;
};

// A real oci: destination seen through an object of minor \a minor: at 3 it has no
// createBlobFile() slot the core may call (an older plugin); \a offerFile false answers
// Unsupported (a transport whose blobs are not files).
class CountingDest : public ImageDestination {
public:
	CountingDest(std::unique_ptr<ImageDestination> inner, uint16_t minor, bool offerFile)
	    : ImageDestination(minor), inner_(std::move(inner)), offerFile_(offerFile)
	{
	}
	Result<bool> hasBlob(const Descriptor &blob) noexcept override
	{
		return inner_->hasBlob(blob);
	}
	Result<void> putBlob(const Descriptor &blob, BlobReader &data) noexcept override
	{
		calls.putBlob.push_back(blob.digest);
		return inner_->putBlob(blob, data);
	}
	Result<void> putManifest(const RawManifest &manifest) noexcept override
	{
		return inner_->putManifest(manifest);
	}
	Result<void> commit() noexcept override { return inner_->commit(); }
	Result<std::unique_ptr<BlobFile>> createBlobFile() noexcept override
	{
		++calls.createBlobFile;
		if (!offerFile_)
			return ImageDestination::createBlobFile();
		auto file = TB_TRY(inner_->createBlobFile());
		return std::unique_ptr<BlobFile>(
			std::make_unique<CountingFile>(std::move(file), calls));
	}

	Calls calls;

private:
	std::unique_ptr<ImageDestination> inner_;
	bool offerFile_;
};

struct Created {
	Result<CreateResult> result;
	Calls calls;
};

Created create(Context &ctx, const std::string &dir, const std::string &ref, uint16_t minor,
	       bool offerFile, const CreateOptions &o = {})
{
	auto scan = scanTritonCache(dir);
	EXPECT_TRUE(scan) << scan.error().message;
	auto inner = openImageDestination(ctx, ref);
	EXPECT_TRUE(inner) << inner.error().message;
	CountingDest dest(std::move(*inner), minor, offerFile);
	Created c{createCache(*scan, *ctx.cacheFormat("compat"), dest, o), {}};
	c.calls = dest.calls;
	return c;
}

std::vector<std::string> temps(const std::string &dir)
{
	std::vector<std::string> out;
	std::error_code ec;
	for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
	     it.increment(ec))
		if (it->path().filename().string().starts_with(".tb-"))
			out.push_back(it->path().string());
	return out;
}

class Adopt : public testing::TestWithParam<Compression> {};

TEST_P(Adopt, LayerIsWrittenIntoTheLayoutAndAdopted)
{
	auto ctx = makeContext();
	ASSERT_TRUE(ctx);
	TempDir t;
	CreateOptions o;
	o.compression = GetParam();
	// The layer never goes through the temp dir: one that does not exist is no obstacle.
	o.tempDir = t / "no-such-dir";
	auto c = create(*ctx, cudaFixture(), "oci:" + (t / "layout") + ":v1", 4, true, o);
	ASSERT_TRUE(c.result) << c.result.error().message;
	EXPECT_EQ(c.calls.createBlobFile, 1);
	EXPECT_EQ(c.calls.adopt, 1);
	ASSERT_EQ(c.calls.putBlob.size(), 1u) << "the config only";
	EXPECT_NE(c.calls.putBlob[0], c.result->layer.digest);
	EXPECT_TRUE(temps(t / "layout").empty());
	std::string blob = t / ("layout/blobs/sha256/" + c.result->layer.digest.hex);
	ASSERT_TRUE(fs::exists(blob));
	EXPECT_EQ(static_cast<int64_t>(fs::file_size(blob)), c.result->layer.size);

	// Created again into the same layout: the blob is there, the new file is dropped.
	auto again = create(*ctx, cudaFixture(), "oci:" + (t / "layout") + ":v2", 4, true, o);
	ASSERT_TRUE(again.result) << again.result.error().message;
	EXPECT_EQ(again.calls.adopt, 0);
	EXPECT_EQ(again.result->manifestDigest, c.result->manifestDigest);
	EXPECT_TRUE(temps(t / "layout").empty());
}

// The same image, byte for byte, whichever way the layer reaches the destination.
TEST_P(Adopt, DestinationsWithoutTheCallGetTheSameImage)
{
	auto ctx = makeContext();
	ASSERT_TRUE(ctx);
	TempDir t;
	CreateOptions o;
	o.compression = GetParam();
	o.created = "2024-05-01T12:00:00Z";
	auto adopted = create(*ctx, hipFixture(), "oci:" + (t / "a") + ":v1", 4, true, o);
	auto older = create(*ctx, hipFixture(), "oci:" + (t / "b") + ":v1", 3, true, o);
	auto unsupported = create(*ctx, hipFixture(), "oci:" + (t / "c") + ":v1", 4, false, o);
	auto archive =
		create(*ctx, hipFixture(), "oci-archive:" + (t / "d.tar") + ":v1", 4, true, o);
	for (auto *c : {&adopted, &older, &unsupported, &archive})
		ASSERT_TRUE(c->result) << c->result.error().message;
	EXPECT_EQ(adopted.calls.adopt, 1);
	EXPECT_EQ(older.calls.createBlobFile, 0) << "no minor-4 call on a minor-3 object";
	EXPECT_EQ(unsupported.calls.createBlobFile, 1);
	for (auto *c : {&older, &unsupported, &archive}) {
		EXPECT_EQ(c->calls.adopt, 0);
		ASSERT_EQ(c->calls.putBlob.size(), 2u) << "layer and config";
		EXPECT_EQ(c->calls.putBlob[0], adopted.result->layer.digest);
		EXPECT_EQ(c->result->manifestDigest, adopted.result->manifestDigest);
		EXPECT_EQ(c->result->diffId, adopted.result->diffId);
	}
	EXPECT_EQ(snapshot(t / "a"), snapshot(t / "b"));
	EXPECT_EQ(snapshot(t / "a"), snapshot(t / "c"));
}

// Refused after the whole layer was written into the layout (tb extract's limits): the
// staged file goes, an existing layout is untouched, a new one is not created.
TEST_P(Adopt, FailedCreateLeavesTheDestinationAsItWas)
{
	auto ctx = makeContext();
	ASSERT_TRUE(ctx);
	TempDir t;
	CreateOptions o;
	o.compression = GetParam();
	auto first = create(*ctx, cudaFixture(), "oci:" + (t / "layout") + ":v1", 4, true, o);
	ASSERT_TRUE(first.result) << first.result.error().message;
	auto before = snapshot(t / "layout");
	CreateOptions refused = o;
	refused.extractLimits = ExtractLimits{};
	refused.extractLimits->maxEntries = 3;
	auto bad = create(*ctx, hipFixture(), "oci:" + (t / "layout") + ":v2", 4, true, refused);
	ASSERT_FALSE(bad.result);
	EXPECT_EQ(bad.result.error().code, Errc::LimitExceeded) << bad.result.error().message;
	EXPECT_EQ(bad.calls.createBlobFile, 1) << "failed with its file in the layout";
	EXPECT_EQ(bad.calls.adopt, 0);
	EXPECT_EQ(snapshot(t / "layout"), before);

	auto fresh =
		create(*ctx, hipFixture(), "oci:" + (t / "new/layout") + ":v1", 4, true, refused);
	ASSERT_FALSE(fresh.result);
	EXPECT_EQ(fresh.calls.createBlobFile, 1);
	EXPECT_FALSE(fs::exists(t / "new")) << "a directory create made is removed again";
}

// A directory that cannot become a layout is refused before the cache is packed.
TEST_P(Adopt, ForeignDirectoryIsRefusedUpFront)
{
	auto ctx = makeContext();
	ASSERT_TRUE(ctx);
	TempDir t;
	writeFile(t / "home/notes.txt", "mine");
	CreateOptions o;
	o.compression = GetParam();
	auto c = create(*ctx, cudaFixture(), "oci:" + (t / "home") + ":v1", 4, true, o);
	ASSERT_FALSE(c.result);
	EXPECT_EQ(c.result.error().code, Errc::Conflict) << c.result.error().message;
	EXPECT_EQ(c.calls.adopt, 0);
	EXPECT_EQ(snapshot(t / "home").size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Compressions, Adopt,
			 testing::Values(Compression::Gzip, Compression::Zstd, Compression::None),
			 [](const testing::TestParamInfo<Compression> &i) {
				 return std::string(compressionName(i.param));
			 });

} // namespace
} // namespace tb::test
