// SPDX-License-Identifier: Apache-2.0
// Against real peers: `tb inspect --json` has skopeo 1.9's keys, types and values; a Docker
// schema2 (`--docker`) image goes through docker-archive: to `podman load` and skopeo, not
// through an oci: layout; an artifact is refused by docker-archive:.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include <boost/json.hpp>

#include "helpers.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/sha256.h"

using namespace tb;
using namespace tb::test;

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

class Peers : public CliTest {
protected:
	void SetUp() override
	{
		CliTest::SetUp();
		cache_ = std::string(std::getenv("TB_TEST_DATA")) + "/caches/vector-add-cuda-sm75";
	}

	// podman with a private store under the test's temp dir.
	CmdResult podman(std::vector<std::string> args)
	{
		args.insert(args.begin(), {"podman", "--root", tmp_ / "pm/root", "--runroot",
					   tmp_ / "pm/run", "--storage-driver", "vfs"});
		return run(args);
	}

	static json::object object(const CmdResult &r) { return jsonObject(r.out, r.err); }

	std::string cache_;
};

// An image whose config has what skopeo shows: Env, a platform variant, created, labels.
TestImage richImage()
{
	TestImage img = makeImage("rich", {2000});
	img.config = "{\"architecture\":\"arm64\",\"variant\":\"v8\",\"os\":\"linux\","
		     "\"created\":\"2024-05-06T07:08:09Z\",\"config\":{\"Env\":[\"PATH=/bin\","
		     "\"A=1\"],\"Labels\":{\"k\":\"v\"}},\"rootfs\":{\"type\":\"layers\","
		     "\"diff_ids\":[\"" +
		     img.layerDescs[0].digest.str() + "\"]}}";
	img.configDesc.digest = support::Sha256::of(img.config);
	img.configDesc.size = static_cast<int64_t>(img.config.size());
	img.manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(media::OciManifest) +
		       "\",\"config\":" + support::descriptorJson(img.configDesc) +
		       ",\"layers\":[" + support::descriptorJson(img.layerDescs[0]) + "]}";
	img.manifestDesc.digest = support::Sha256::of(img.manifest);
	img.manifestDesc.size = static_cast<int64_t>(img.manifest.size());
	return img;
}

} // namespace

TEST_F(Peers, InspectJsonHasSkopeosKeysTypesAndValues)
{
	if (!haveProgram("skopeo"))
		GTEST_SKIP() << "skopeo is not installed";
	std::string t = tmp_.path();
	writeLayout(t + "/l", "plain", makeImage("peer", {3000}, {{"org.example/who", "tb"}}));
	writeLayout(t + "/l", "rich", richImage());
	auto c = tb({"create", "-i", "oci:" + t + "/l:cache", "-d", cache_});
	ASSERT_EQ(c.status, 0) << c.err;
	auto k = skopeo({"copy", "-q", "docker-archive:" + fixtureArchive(), "oci:" + t + "/l:sk"});
	ASSERT_EQ(k.status, 0) << k.err;
	for (const char *tag : {"plain", "rich", "cache", "sk"}) {
		std::string ref = "oci:" + t + "/l:" + tag;
		auto theirs = skopeo({"inspect", ref});
		ASSERT_EQ(theirs.status, 0) << ref << ": " << theirs.err;
		auto ours = tb({"inspect", "--json", ref});
		ASSERT_EQ(ours.status, 0) << ref << ": " << ours.err;
		json::object s = object(theirs), o = object(ours);
		ASSERT_FALSE(s.empty());
		for (const auto &kv : s) {
			ASSERT_TRUE(o.contains(kv.key())) << ref << ": no " << kv.key();
			EXPECT_EQ(o[kv.key()].kind(), kv.value().kind())
				<< ref << ": " << kv.key() << " is " << json::serialize(o[kv.key()])
				<< ", skopeo says " << json::serialize(kv.value());
		}
		for (const char *key : {"Digest", "Layers", "Labels", "Architecture", "Os", "Env",
					"Created", "DockerVersion", "Variant", "RepoTags"})
			if (s.contains(key)) {
				EXPECT_EQ(json::serialize(o[key]), json::serialize(s[key]))
					<< ref << ": " << key;
			}
		EXPECT_EQ(o["Layers"].as_array().size(), o["LayersData"].as_array().size());
		EXPECT_FALSE(o.contains("Targets")) << "cache facts are under Cache";
	}
	auto cache = object(tb({"inspect", "--json", "oci:" + t + "/l:cache"}));
	ASSERT_TRUE(cache["Cache"].is_object());
	EXPECT_EQ(cache["Cache"].as_object()["Variant"].as_string(), "compat");
	EXPECT_TRUE(cache["Cache"].as_object()["Targets"].is_array());
	EXPECT_EQ(cache["Cache"].as_object()["EntryCount"].as_int64(), 1);
	EXPECT_TRUE(object(tb({"inspect", "--json", "oci:" + t + "/l:plain"}))["Cache"].is_object())
		<< "any image with tar layers is a (weak) compat candidate";
	auto rich = object(tb({"inspect", "--json", "oci:" + t + "/l:rich"}));
	EXPECT_EQ(json::serialize(rich["Env"]), "[\"PATH=/bin\",\"A=1\"]");
	EXPECT_EQ(rich["Variant"].as_string(), "v8");
	auto plain = object(tb({"inspect", "--json", "oci:" + t + "/l:plain"}));
	EXPECT_TRUE(plain["Created"].is_null());
	EXPECT_TRUE(plain["Env"].is_null());
}

TEST_F(Peers, RepoTagsListTheStoreAndArchiveTagsOfTheName)
{
	std::string t = tmp_.path();
	writeLayout(t + "/l", "v1", makeImage("tags", {100}));
	for (const char *dst : {"team/c:v1", "team/c:v2", "team/other:v1"})
		ASSERT_EQ(tb({"copy", "-q", "oci:" + t + "/l:v1", dst}).status, 0) << dst;
	auto store = object(tb({"inspect", "--json", "team/c:v2"}));
	EXPECT_EQ(json::serialize(store["RepoTags"]), "[\"v1\",\"v2\"]");
	ASSERT_EQ(tb({"copy", "-q", "team/c:v1", "docker-archive:" + t + "/d.tar:example/x:v3"})
			  .status,
		  0);
	auto archive = object(tb({"inspect", "--json", "docker-archive:" + t + "/d.tar"}));
	EXPECT_EQ(json::serialize(archive["RepoTags"]), "[\"v3\"]");
	auto layout = object(tb({"inspect", "--json", "oci:" + t + "/l:v1"}));
	EXPECT_EQ(json::serialize(layout["RepoTags"]), "[]") << "as skopeo: no repository";
}

TEST_F(Peers, DockerSchema2GoesThroughDockerArchiveNotAnOciLayout)
{
	std::string t = tmp_.path(), file = t + "/docker.tar";
	auto c = tb({"create", "-q", "-i", "docker-archive:" + file + ":localhost/tb/dock:v1", "-d",
		     cache_, "--docker"});
	ASSERT_EQ(c.status, 0) << c.err;
	auto ours = object(tb({"inspect", "--json", "docker-archive:" + file}));
	ASSERT_EQ(ours["MediaType"].as_string(), media::DockerManifest);
	std::string config(ours["Config"].as_object()["Digest"].as_string());
	if (haveProgram("skopeo")) {
		auto raw = skopeo({"inspect", "--raw", "docker-archive:" + file});
		ASSERT_EQ(raw.status, 0) << raw.err;
		auto m = support::parseImageManifest(RawManifest{raw.out, ""});
		ASSERT_TRUE(m) << raw.out;
		EXPECT_EQ(m->mediaType, media::DockerManifest);
		EXPECT_EQ(m->config.mediaType, media::DockerConfig);
		EXPECT_EQ(m->config.digest.str(), config);
		EXPECT_EQ(m->layers.at(0).mediaType, media::DockerLayerGzip);
		// skopeo serves docker-archive layers decompressed, by diff_id.
		auto cfg = skopeo({"inspect", "--config", "--raw", "docker-archive:" + file});
		auto parsed = support::parseImageConfig(cfg.out);
		ASSERT_TRUE(parsed) << cfg.out;
		auto info = object(skopeo({"inspect", "docker-archive:" + file}));
		ASSERT_EQ(info["Layers"].as_array().size(), 1u);
		EXPECT_EQ(info["Layers"].as_array()[0].as_string(), parsed->diffIds.at(0).str());
		EXPECT_EQ(json::serialize(info["Labels"]), json::serialize(ours["Labels"]));
		// The same image in an oci: layout: tb reads it, skopeo 1.9 skips the entry.
		ASSERT_EQ(tb({"copy", "-q", "docker-archive:" + file, "oci:" + t + "/l:d"}).status,
			  0);
		auto skipped = skopeo({"inspect", "oci:" + t + "/l:d"});
		if (skopeo({"--version"}).out.find(" 1.9.") != std::string::npos) {
			EXPECT_NE(skipped.status, 0);
			EXPECT_NE(skipped.err.find("no descriptor found for reference"),
				  std::string::npos)
				<< skipped.err;
		}
	}
	if (!haveProgram("podman"))
		GTEST_SKIP() << "podman is not installed";
	auto load = podman({"load", "-q", "-i", file});
	if (load.status != 0 && load.err.find("operation not permitted") != std::string::npos)
		GTEST_SKIP() << "podman cannot use a private store here: " << load.err;
	ASSERT_EQ(load.status, 0) << load.out << load.err;
	auto id = podman({"image", "inspect", "--format",
			  "{{.Id}} {{index .Labels "
			  "\"cache.triton.image/entry-count\"}}",
			  "localhost/tb/dock:v1"});
	ASSERT_EQ(id.status, 0) << id.err;
	EXPECT_EQ(id.out, config.substr(7) + " 1\n") << "podman keeps the config (image id)";
}

TEST_F(Peers, AnArtifactIsRefusedByDockerArchive)
{
	std::string t = tmp_.path(), file = t + "/plain.tar";
	auto c = tb({"create", "-q", "-i", "docker-archive:" + file + ":example/p:v1", "-d", cache_,
		     "--format", "plain"});
	EXPECT_EQ(c.status, 1);
	EXPECT_NE(c.err.find("docker-archive:" + file +
			     ": the image is an OCI artifact "
			     "(artifact type application/vnd.tb.triton-cache.v1)"),
		  std::string::npos)
		<< c.err;
	EXPECT_NE(c.err.find("docker load and podman load cannot load"), std::string::npos);
	EXPECT_NE(c.err.find("oci-archive:FILE or oci:DIR instead"), std::string::npos);
	EXPECT_FALSE(fs::exists(file));
	ASSERT_EQ(tb({"create", "-q", "-i", "plain:v1", "-d", cache_, "--format", "plain"}).status,
		  0);
	auto copy = tb({"copy", "plain:v1", "docker-archive:" + file + ":example/p:v1"});
	EXPECT_EQ(copy.status, 1);
	EXPECT_EQ(copy.err.rfind("tb: image plain:v1: write manifest: docker-archive:" + file +
					 ": the image is an OCI artifact",
				 0),
		  0u)
		<< copy.err;
	EXPECT_EQ(std::count(copy.err.begin(), copy.err.end(), '\n'), 1);
	EXPECT_FALSE(fs::exists(file));
	EXPECT_EQ(tb({"copy", "-q", "plain:v1", "oci-archive:" + t + "/plain.tar:v1"}).status, 0)
		<< "the suggested alternative works";
}
