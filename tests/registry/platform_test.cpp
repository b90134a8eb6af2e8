// SPDX-License-Identifier: Apache-2.0
// --platform against a real multi-platform index in a real registry: two cache images (CUDA
// as linux/amd64, HIP as linux/arm64) under one OCI index, pushed with tb. inspect, copy and
// extract take the platform asked for (aliases such as aarch64 included), the host's by
// default, and fail listing the index's platforms when none matches.
#include <filesystem>

#include "registry_fixture.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/oci_layout.h"
#include "tbsupport/sha256.h"

using namespace tb;
using namespace tb::test;
namespace fs = std::filesystem;

namespace {

class MultiPlatform : public RegistryTest {
protected:
	void SetUp() override
	{
		RegistryTest::SetUp();
		if (IsSkipped())
			return;
		fs::create_directories(tmp_ / "reg");
		ASSERT_TRUE(reg_.start(tmp_ / "reg")) << reg_.log();
		std::string data = std::string(std::getenv("TB_TEST_DATA")) + "/caches/";
		amd_ = create("amd", data + "vector-add-cuda-sm75");
		arm_ = create("arm", data + "vector-add-hip-gfx90a");
		ASSERT_FALSE(amd_.empty());
		ASSERT_FALSE(arm_.empty());
		// The index, as `docker buildx` would write it (plus an attestation entry that must
		// never be picked), tagged "multi" in the same layout.
		auto layout = support::OciLayout::open(tmp_ / "src");
		ASSERT_TRUE(layout) << layout.error().message;
		std::string index =
			"{\"schemaVersion\":2,\"mediaType\":\"" + std::string(media::OciIndex) +
			"\",\"manifests\":[" +
			entry(amd_, "\"os\":\"linux\",\"architecture\":\"amd64\"") + "," +
			entry(arm_, "\"os\":\"linux\",\"architecture\":\"arm64\","
				    "\"variant\":\"v8\"") +
			"," + entry(amd_, "\"os\":\"unknown\",\"architecture\":\"unknown\"") + "]}";
		Descriptor d;
		d.mediaType = media::OciIndex;
		d.digest = support::Sha256::of(index);
		d.size = static_cast<int64_t>(index.size());
		ASSERT_TRUE(layout->putBlobBytes(d, index));
		ASSERT_TRUE(layout->setTag("multi", d));
		indexDigest_ = d.digest.str();
		auto push = tb({"copy", "-q", "oci:" + (tmp_ / "src") + ":multi", ref()});
		ASSERT_EQ(push.status, 0) << push.err;
		ASSERT_EQ(firstLine(push.out), indexDigest_);
	}

	std::string create(const std::string &tag, const std::string &cache)
	{
		auto r = tb(
			{"create", "-q", "-i", "oci:" + (tmp_ / "src") + ":" + tag, "-d", cache});
		EXPECT_EQ(r.status, 0) << r.err;
		return firstLine(r.out);
	}
	std::string entry(const std::string &digest, const std::string &platform)
	{
		std::string hex = digest.substr(digest.find(':') + 1);
		auto size = fs::file_size(tmp_ / ("src/blobs/sha256/" + hex));
		return "{\"mediaType\":\"" + std::string(media::OciManifest) + "\",\"digest\":\"" +
		       digest + "\",\"size\":" + std::to_string(size) + ",\"platform\":{" +
		       platform + "}}";
	}
	std::string ref() const { return "docker://" + reg_.host() + "/tb/multi:v1"; }
	std::string inspectDigest(const std::vector<std::string> &extra)
	{
		std::vector<std::string> args{"inspect", "--json"};
		args.insert(args.end(), extra.begin(), extra.end());
		args.push_back(ref());
		auto r = tb(args);
		EXPECT_EQ(r.status, 0) << r.err;
		auto o = jsonObject(r.out, "tb inspect");
		if (!o.contains("Digest") || !o.contains("IndexDigest"))
			return "";
		EXPECT_EQ(std::string(o["IndexDigest"].as_string()), indexDigest_);
		return std::string(o["Digest"].as_string());
	}

	Registry reg_;
	std::string amd_, arm_, indexDigest_;
};

} // namespace

TEST_F(MultiPlatform, InspectTakesTheRequestedPlatform)
{
	EXPECT_EQ(inspectDigest({"--platform", "linux/arm64"}), arm_);
	EXPECT_EQ(inspectDigest({"--platform", "linux/arm64/v8"}), arm_);
	EXPECT_EQ(inspectDigest({"--platform", "linux/aarch64"}), arm_);
	EXPECT_EQ(inspectDigest({"--platform", "linux/amd64"}), amd_);
	EXPECT_EQ(inspectDigest({"--platform", "linux/x86_64"}), amd_);
#if defined(__x86_64__)
	EXPECT_EQ(inspectDigest({}), amd_) << "the host's platform is the default";
#elif defined(__aarch64__)
	EXPECT_EQ(inspectDigest({}), arm_) << "the host's platform is the default";
#endif
}

TEST_F(MultiPlatform, CopyTakesOnlyThatPlatform)
{
	auto r = tb({"copy", "--platform", "linux/arm64", ref(), "oci:" + (tmp_ / "out") + ":v1"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("copied its linux/arm64 manifest"), std::string::npos) << r.out;
	EXPECT_EQ(firstLine(r.out.substr(r.out.rfind("sha256:"))), arm_);
	// Only the arm64 image's blobs came along, and the layout's tag names that manifest.
	auto layout = support::OciLayout::open(tmp_ / "out");
	ASSERT_TRUE(layout) << layout.error().message;
	auto entries = layout->entries();
	ASSERT_TRUE(entries);
	ASSERT_EQ(entries->size(), 1u);
	EXPECT_EQ(entries->front().descriptor.digest.str(), arm_);
	EXPECT_FALSE(fs::exists(tmp_ / ("out/blobs/sha256/" + amd_.substr(7))));
	// Without --platform an index is copied whole (as skopeo --all).
	auto whole = tb({"copy", "-q", ref(), "oci:" + (tmp_ / "whole") + ":v1"});
	ASSERT_EQ(whole.status, 0) << whole.err;
	EXPECT_EQ(firstLine(whole.out), indexDigest_);
}

TEST_F(MultiPlatform, ExtractUnpacksThatPlatformsCache)
{
	auto arm = tb({"extract", "-q", "--skip-compat", "--platform", "linux/arm64", "-i", ref(),
		       "-d", tmp_ / "arm"});
	ASSERT_EQ(arm.status, 0) << arm.err;
	auto amd = tb({"extract", "-q", "--skip-compat", "--platform", "linux/amd64", "-i", ref(),
		       "-d", tmp_ / "amd"});
	ASSERT_EQ(amd.status, 0) << amd.err;
	// The same as extracting each image by its own tag from the local layout.
	for (const auto &[tag, dir] : {std::pair{"arm", "arm"}, {"amd", "amd"}}) {
		auto local = tb({"extract", "-q", "--skip-compat", "-i",
				 "oci:" + (tmp_ / "src") + ":" + tag, "-d",
				 tmp_ / (std::string(dir) + "-local")});
		ASSERT_EQ(local.status, 0) << local.err;
		auto files = [](std::map<std::string, std::string> m) {
			std::erase_if(m, [](const auto &kv) {
				return kv.first.find("__grp__") != std::string::npos;
			});
			return m;
		};
		EXPECT_EQ(files(snapshot(tmp_ / dir)),
			  files(snapshot(tmp_ / (std::string(dir) + "-local"))))
			<< tag;
	}
	EXPECT_NE(snapshot(tmp_ / "arm"), snapshot(tmp_ / "amd"));
}

TEST_F(MultiPlatform, NoMatchListsThePlatformsAndLeavesNothing)
{
	auto c = tb({"copy", "--platform", "linux/s390x", ref(), "oci:" + (tmp_ / "none") + ":v1"});
	EXPECT_EQ(c.status, 1);
	EXPECT_NE(c.err.find("linux/s390x"), std::string::npos) << c.err;
	EXPECT_NE(c.err.find("[linux/amd64, linux/arm64]"), std::string::npos) << c.err;
	EXPECT_FALSE(fs::exists(tmp_ / "none"));
	auto x = tb({"extract", "--skip-compat", "--platform", "linux/arm/v7", "-i", ref(), "-d",
		     tmp_ / "nox"});
	EXPECT_EQ(x.status, 1);
	EXPECT_NE(x.err.find("[linux/amd64, linux/arm64]"), std::string::npos) << x.err;
	EXPECT_FALSE(fs::exists(tmp_ / "nox"));
	auto i = tb({"inspect", "--platform", "windows/amd64", ref()});
	EXPECT_EQ(i.status, 1);
	EXPECT_NE(i.err.find("windows/amd64"), std::string::npos) << i.err;
	// A malformed platform is a usage error.
	auto bad = tb({"inspect", "--platform", "linux", ref()});
	EXPECT_EQ(bad.status, 2);
	EXPECT_NE(bad.err.find("OS/ARCH"), std::string::npos) << bad.err;
}

TEST_F(MultiPlatform, SkopeoAgreesOnTheChild)
{
	if (!haveProgram("skopeo"))
		GTEST_SKIP() << "skopeo is not installed";
	auto sk = skopeo({"copy", "-q", "--src-tls-verify=false", "--override-arch", "arm64", ref(),
			  "oci:" + (tmp_ / "sk") + ":v1"});
	ASSERT_EQ(sk.status, 0) << sk.err;
	auto back = tb({"inspect", "--json", "oci:" + (tmp_ / "sk") + ":v1"});
	ASSERT_EQ(back.status, 0) << back.err;
	EXPECT_EQ(std::string(jsonObject(back.out)["Digest"].as_string()), arm_);
}
