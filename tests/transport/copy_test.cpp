// SPDX-License-Identifier: Apache-2.0
// copyImage/inspectImage/listImages through the real transport plugins: round trips keep
// digests; every hostile source fails with one error naming the image, destination untouched.
#include <gtest/gtest.h>

#include <filesystem>

#include <tb/images.h>

#include "helpers.h"
#include "tbsupport/oci_layout.h"
#include "tbsupport/sha256.h"

using namespace tb;
using namespace tb::test;

namespace fs = std::filesystem;

namespace {

class Copy : public ::testing::Test {
protected:
	void SetUp() override
	{
		ctx_ = makeContext(tmp_, tmp_ / "store");
		for (const char *t : {"oci", "oci-archive", "docker-archive"})
			ASSERT_NE(ctx_->transport(t), nullptr)
				<< "transport." << t << " not loaded (TB_PLUGIN_PATH)";
		image_ = makeImage("copy", {5000, 70000}, {{"org.example/label", "x"}});
		writeLayout(tmp_ / "src", "v1", image_);
	}

	std::string src() { return "oci:" + tmp_.path() + "/src:v1"; }

	// Copy must fail with one line naming \a image (and \a blob), leaving \a dstDir as it was.
	void expectRefused(const std::string &from, const std::string &image,
			   const std::string &blob)
	{
		writeLayout(tmp_ / "dst", "keep", makeImage("keep", {10}));
		auto before = snapshot(tmp_ / "dst");
		auto r = copyImage(*ctx_, from, "oci:" + tmp_.path() + "/dst:new");
		ASSERT_FALSE(r) << "copy of a broken image succeeded";
		const std::string &m = r.error().message;
		EXPECT_EQ(m.find('\n'), std::string::npos);
		EXPECT_NE(m.find("image " + image), std::string::npos) << m;
		if (!blob.empty()) {
			EXPECT_NE(m.find(blob), std::string::npos) << m;
		}
		EXPECT_EQ(snapshot(tmp_ / "dst"), before) << m;
		auto fresh = copyImage(*ctx_, from, "oci:" + tmp_.path() + "/fresh:new");
		EXPECT_FALSE(fresh);
		EXPECT_FALSE(fs::exists(tmp_ / "fresh")) << "a failed copy created its destination";
	}

	std::string blobPath(const Digest &d) { return tmp_.path() + "/src/blobs/sha256/" + d.hex; }

	// Rewrite the source's manifest (and its index.json entry) with \a bytes of \a mediaType.
	void replaceManifest(const std::string &bytes, const std::string &mediaType)
	{
		Descriptor d{mediaType,
			     support::Sha256::of(bytes),
			     static_cast<int64_t>(bytes.size()),
			     {},
			     {},
			     {}};
		writeFile(blobPath(d.digest), bytes);
		std::string entry =
			"{\"schemaVersion\":2,\"manifests\":[{" +
			(mediaType.empty() ? std::string()
					   : "\"mediaType\":\"" + mediaType + "\",") +
			"\"digest\":\"" + d.digest.str() + "\",\"size\":" + std::to_string(d.size) +
			",\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}";
		writeFile(tmp_.path() + "/src/index.json", entry);
	}

	TmpDir tmp_;
	std::unique_ptr<Context> ctx_;
	TestImage image_;
};

} // namespace

TEST_F(Copy, RoundTripsKeepDigests)
{
	std::string t = tmp_.path();
	auto toOci = copyImage(*ctx_, src(), "oci:" + t + "/a:v1");
	ASSERT_TRUE(toOci) << toOci.error().message;
	EXPECT_EQ(toOci->manifestDigest, image_.manifestDesc.digest);
	EXPECT_EQ(toOci->blobsCopied, 3);
	for (const auto &[from, to] : std::vector<std::pair<std::string, std::string>>{
		     {"oci:" + t + "/a:v1", "oci-archive:" + t + "/a.tar:v1"},
		     {"oci-archive:" + t + "/a.tar:v1",
		      "docker-archive:" + t + "/d.tar:example/x:v1"},
		     {"docker-archive:" + t + "/d.tar:example/x:v1", "mycache:v1"},
		     {"mycache:v1", "oci:" + t + "/b:v2"}}) {
		auto r = copyImage(*ctx_, from, to);
		ASSERT_TRUE(r) << from << " -> " << to << ": " << r.error().message;
		EXPECT_EQ(r->manifestDigest, image_.manifestDesc.digest) << to;
	}
	EXPECT_EQ(readFile(t + "/b/blobs/sha256/" + image_.manifestDesc.digest.hex),
		  image_.manifest);
	for (size_t i = 0; i < image_.layers.size(); ++i)
		EXPECT_EQ(readFile(t + "/b/blobs/sha256/" + image_.layerDescs[i].digest.hex),
			  image_.layers[i]);
	// A second copy finds every blob present.
	auto again = copyImage(*ctx_, src(), "oci:" + t + "/a:v1");
	ASSERT_TRUE(again);
	EXPECT_EQ(again->blobsCopied, 0);
	EXPECT_EQ(again->blobsSkipped, 3);
}

TEST_F(Copy, StoreListAndInspect)
{
	ASSERT_TRUE(copyImage(*ctx_, src(), "mycache:v1"));
	ASSERT_TRUE(copyImage(*ctx_, src(), "localhost/team/other"));
	auto list = listImages(*ctx_);
	ASSERT_TRUE(list) << list.error().message;
	ASSERT_EQ(list->size(), 2u);
	EXPECT_EQ((*list)[0].name, "localhost/team/other:latest");
	EXPECT_EQ((*list)[1].name, "mycache:v1");
	EXPECT_EQ((*list)[1].digest, image_.manifestDesc.digest);
	int64_t size = image_.manifestDesc.size + image_.configDesc.size +
		       image_.layerDescs[0].size + image_.layerDescs[1].size;
	EXPECT_EQ((*list)[1].size, size);

	auto info = inspectImage(*ctx_, "mycache:v1");
	ASSERT_TRUE(info) << info.error().message;
	EXPECT_EQ(info->digest, image_.manifestDesc.digest);
	EXPECT_EQ(info->raw.bytes, image_.manifest);
	EXPECT_EQ(info->mediaType, media::OciManifest);
	EXPECT_EQ(info->layers.size(), 2u);
	EXPECT_EQ(info->labels.at("org.example/label"), "x");
	EXPECT_EQ(info->architecture, "amd64");
	EXPECT_EQ(info->size, size);

	auto missing = inspectImage(*ctx_, "nothere:v1");
	ASSERT_FALSE(missing);
	EXPECT_EQ(missing.error().code, Errc::NotFound);
	EXPECT_NE(missing.error().message.find("local store"), std::string::npos);
}

TEST_F(Copy, EmptyStoreListsNothing)
{
	auto list = listImages(*ctx_);
	ASSERT_TRUE(list);
	EXPECT_TRUE(list->empty());
}

TEST_F(Copy, FixtureDockerArchive)
{
	std::string fx = fixtureArchive();
	ASSERT_TRUE(fs::exists(fx)) << fx;
	auto info = inspectImage(*ctx_, "docker-archive:" + fx);
	ASSERT_TRUE(info) << info.error().message;
	EXPECT_EQ(info->mediaType, media::DockerManifest);
	ASSERT_EQ(info->layers.size(), 1u);
	EXPECT_EQ(info->layers[0].mediaType, media::DockerLayerTar)
		<< "the layer is an uncompressed tar";
	EXPECT_EQ(info->layers[0].digest.hex,
		  "24b82d6fef87964040308ca1da22983b34e08adcf5f4933635dce7979226d1a5");
	EXPECT_EQ(info->config.digest.hex,
		  "8ce4bc2e98abfa8c0a5a6f6046c1c7bc8ac09805ecb029427a995dc2897828f8");
	EXPECT_EQ(info->labels.at("cache.triton.image/entry-count"), "1");
	auto byRef =
		inspectImage(*ctx_, "docker-archive:" + fx + ":quay.io/gkm/vector-add-cache:rocm");
	ASSERT_TRUE(byRef) << byRef.error().message;
	EXPECT_EQ(byRef->digest, info->digest) << "the synthesised manifest is stable";
	auto wrong = inspectImage(*ctx_, "docker-archive:" + fx + ":quay.io/gkm/other:rocm");
	ASSERT_FALSE(wrong);
	EXPECT_NE(wrong.error().message.find("quay.io/gkm/vector-add-cache:rocm"),
		  std::string::npos);

	auto r = copyImage(*ctx_, "docker-archive:" + fx, "vector-add:rocm");
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->manifestDigest, info->digest);
	if (ctx_->cacheFormat("compat") == nullptr)
		GTEST_SKIP() << "cache.compat plugin not built: targets not checked";
	auto cached = inspectImage(*ctx_, "vector-add:rocm");
	ASSERT_TRUE(cached) << cached.error().message;
	ASSERT_EQ(cached->targets.size(), 1u) << cached->cacheError;
	EXPECT_EQ(cached->targets[0].backend, "hip");
	EXPECT_EQ(cached->targets[0].arch, "gfx90a");
	EXPECT_EQ(cached->targets[0].warpSize, 64);
	EXPECT_EQ(cached->entryCount.value_or(-1), 1);
	auto list = listImages(*ctx_);
	ASSERT_TRUE(list);
	ASSERT_EQ(list->size(), 1u);
	EXPECT_EQ((*list)[0].targets.size(), 1u);
}

TEST_F(Copy, IndexIsCopiedWholeOrResolved)
{
	auto arm = makeImage("arm", {100});
	writeLayout(tmp_ / "src", "arm", arm);
	std::string index =
		"{\"schemaVersion\":2,\"mediaType\":\"application/"
		"vnd.oci.image.index.v1+json\",\"manifests\":["
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" +
		arm.manifestDesc.digest.str() +
		"\",\"size\":" + std::to_string(arm.manifestDesc.size) +
		",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" +
		image_.manifestDesc.digest.str() +
		"\",\"size\":" + std::to_string(image_.manifestDesc.size) +
		",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
	Descriptor idx{std::string(media::OciIndex),
		       support::Sha256::of(index),
		       static_cast<int64_t>(index.size()),
		       {},
		       {},
		       {}};
	auto layout = support::OciLayout::open(tmp_ / "src");
	ASSERT_TRUE(layout->putBlobBytes(idx, index));
	ASSERT_TRUE(layout->setTag("multi", idx));

	std::string t = tmp_.path();
	auto whole = copyImage(*ctx_, "oci:" + t + "/src:multi", "oci:" + t + "/w:multi");
	ASSERT_TRUE(whole) << whole.error().message;
	EXPECT_FALSE(whole->resolvedIndex);
	EXPECT_EQ(whole->manifestDigest, idx.digest);
	EXPECT_EQ(readFile(t + "/w/blobs/sha256/" + arm.manifestDesc.digest.hex), arm.manifest);

	auto one =
		copyImage(*ctx_, "oci:" + t + "/src:multi", "docker-archive:" + t + "/m.tar:x:v1");
	ASSERT_TRUE(one) << one.error().message;
	EXPECT_TRUE(one->resolvedIndex);
	EXPECT_EQ(one->manifestDigest, image_.manifestDesc.digest) << "linux/amd64 child";

	auto info = inspectImage(*ctx_, "oci:" + t + "/w:multi");
	ASSERT_TRUE(info) << info.error().message;
	EXPECT_EQ(info->indexDigest.value_or(Digest{}), idx.digest);
	EXPECT_EQ(info->digest, image_.manifestDesc.digest);
}

TEST_F(Copy, RefusesATruncatedBlob)
{
	auto &layer = image_.layerDescs[1];
	writeFile(blobPath(layer.digest), image_.layers[1].substr(0, 1000));
	expectRefused(src(), src(), layer.digest.str());
}

TEST_F(Copy, RefusesADigestMismatch)
{
	auto &layer = image_.layerDescs[1];
	std::string bad = image_.layers[1];
	bad[bad.size() / 2] ^= 1;
	writeFile(blobPath(layer.digest), bad);
	expectRefused(src(), src(), layer.digest.str());
}

TEST_F(Copy, RefusesASizeMismatchInAnArchive)
{
	// In a docker-archive the layer file has no declared size: the verifying reader catches it.
	std::string t = tmp_.path();
	ASSERT_TRUE(copyImage(*ctx_, src(), "docker-archive:" + t + "/d.tar:x:v1"));
	fs::create_directory(t + "/u");
	ASSERT_EQ(run({"tar", "-xf", t + "/d.tar", "-C", t + "/u"}).status, 0);
	writeFile(t + "/u/blobs/sha256/" + image_.layerDescs[0].digest.hex,
		  image_.layers[0] + "extra");
	ASSERT_EQ(run({"tar", "-cf", t + "/bad.tar", "-C", t + "/u", "."}).status, 0);
	std::string from = "docker-archive:" + t + "/bad.tar:x:v1";
	expectRefused(from, from, image_.layerDescs[0].digest.str());
}

TEST_F(Copy, RefusesAnOversizedManifest)
{
	std::string big = image_.manifest;
	big.insert(big.size() - 1,
		   ",\"annotations\":{\"pad\":\"" + std::string(5 << 20, 'p') + "\"}");
	replaceManifest(big, std::string(media::OciManifest));
	expectRefused(src(), src(), "");
	auto r = inspectImage(*ctx_, src());
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::LimitExceeded);
}

TEST_F(Copy, RefusesAnIndexWhereAManifestIsExpected)
{
	std::string index = "{\"schemaVersion\":2,\"mediaType\":\"application/"
			    "vnd.oci.image.index.v1+json\",\"manifests\":[]}";
	replaceManifest(index, std::string(media::OciManifest));
	expectRefused(src(), src(), "");
}

TEST_F(Copy, RefusesAMissingMediaType)
{
	replaceManifest(image_.manifest, "");
	expectRefused(src(), src(), "");
}

TEST_F(Copy, RefusesAWrongMediaType)
{
	std::string body = image_.manifest;
	body.replace(body.find(media::OciManifest), media::OciManifest.size(),
		     "application/vnd.example.thing");
	replaceManifest(body, "application/vnd.example.thing");
	expectRefused(src(), src(), "");
}

TEST_F(Copy, UnavailableTransportsAndBadNames)
{
	// A transport no plugin provides (docker:// is the registry transport now).
	auto r = copyImage(*ctx_, "docker-daemon:quay.io/a/b:c", "x:v1");
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::Unsupported);
	EXPECT_NE(r.error().message.find("transport 'docker-daemon'"), std::string::npos);
	auto bad = copyImage(*ctx_, src(), "Bad Name");
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().code, Errc::InvalidArgument);
	auto digest = openImageDestination(*ctx_, "x@" + image_.manifestDesc.digest.str());
	EXPECT_FALSE(digest);
}

TEST_F(Copy, LegacyDockerArchives)
{
	// A `docker save` < 25 style archive: <hex>.json config, layer files, no OCI layout.
	std::string t = tmp_.path(), d = t + "/legacy";
	std::string gz = t + "/layer.tar.gz";
	writeFile(t + "/layer.tar", image_.layers[0]);
	ASSERT_EQ(run({"gzip", "-n", "-k", t + "/layer.tar"}).status, 0);
	std::string gzBytes = readFile(gz);
	writeFile(d + "/" + image_.configDesc.digest.hex + ".json", image_.config);
	writeFile(d + "/abc/layer.tar", gzBytes);
	writeFile(d + "/plain.tar", image_.layers[1]);
	writeFile(d + "/manifest.json", "[{\"Config\":\"" + image_.configDesc.digest.hex +
						".json\",\"RepoTags\":[\"example/legacy:v1\"],"
						"\"Layers\":[\"abc/layer.tar\",\"./plain.tar\"]}]");
	ASSERT_EQ(run({"tar", "-cf", t + "/legacy.tar", "-C", d, "."}).status, 0);
	auto info = inspectImage(*ctx_,
				 "docker-archive:" + t + "/legacy.tar:docker.io/example/legacy:v1");
	ASSERT_TRUE(info) << info.error().message;
	ASSERT_EQ(info->layers.size(), 2u);
	EXPECT_EQ(info->layers[0].mediaType, media::DockerLayerGzip)
		<< "sniffed from the magic bytes";
	EXPECT_EQ(info->layers[0].digest, support::Sha256::of(gzBytes));
	EXPECT_EQ(info->layers[1].mediaType, media::DockerLayerTar);
	EXPECT_EQ(info->config.digest, image_.configDesc.digest);
	auto r = copyImage(*ctx_, "docker-archive:" + t + "/legacy.tar", "legacy:v1");
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->manifestDigest, info->digest);

	// manifest.json may not point outside the archive.
	writeFile(d + "/manifest.json",
		  "[{\"Config\":\"../../../etc/passwd\",\"RepoTags\":[],\"Layers\":[]}]");
	ASSERT_EQ(run({"tar", "-cf", t + "/evil.tar", "-C", d, "."}).status, 0);
	auto evil = inspectImage(*ctx_, "docker-archive:" + t + "/evil.tar");
	ASSERT_FALSE(evil);
	EXPECT_EQ(evil.error().code, Errc::Corrupt);
	EXPECT_NE(evil.error().message.find("unsafe path"), std::string::npos)
		<< evil.error().message;
}

TEST_F(Copy, CompressedOciArchiveIsRead)
{
	std::string t = tmp_.path();
	ASSERT_TRUE(copyImage(*ctx_, src(), "oci-archive:" + t + "/a.tar:v1"));
	ASSERT_EQ(run({"gzip", "-n", t + "/a.tar"}).status, 0);
	auto r = copyImage(*ctx_, "oci-archive:" + t + "/a.tar.gz:v1", "oci:" + t + "/back:v1");
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->manifestDigest, image_.manifestDesc.digest);
}

TEST_F(Copy, OciArchiveKeepsItsOtherImages)
{
	std::string t = tmp_.path();
	auto other = makeImage("other", {300});
	writeLayout(tmp_ / "src", "v2", other);
	ASSERT_TRUE(copyImage(*ctx_, src(), "oci-archive:" + t + "/a.tar:v1"));
	auto second = copyImage(*ctx_, "oci:" + t + "/src:v2", "oci-archive:" + t + "/a.tar:v2");
	ASSERT_TRUE(second) << second.error().message;
	auto one = inspectImage(*ctx_, "oci-archive:" + t + "/a.tar:v1");
	ASSERT_TRUE(one) << one.error().message;
	EXPECT_EQ(one->digest, image_.manifestDesc.digest);
	auto two = inspectImage(*ctx_, "oci-archive:" + t + "/a.tar:v2");
	ASSERT_TRUE(two) << two.error().message;
	EXPECT_EQ(two->digest, other.manifestDesc.digest);

	writeFile(t + "/notes.tar", "my notes, not an archive\n");
	auto refused = copyImage(*ctx_, src(), "oci-archive:" + t + "/notes.tar:v1");
	ASSERT_FALSE(refused);
	EXPECT_EQ(refused.error().code, Errc::Conflict);
	EXPECT_NE(refused.error().message.find("not an oci-archive"), std::string::npos);
	EXPECT_EQ(readFile(t + "/notes.tar"), "my notes, not an archive\n");
}
