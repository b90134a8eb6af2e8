// SPDX-License-Identifier: Apache-2.0
// docker:// against a real registry over plain HTTP: push, pull, extract straight from the
// network, copy in every direction, and interop with skopeo both ways.
#include <filesystem>

#include "registry_fixture.h"

using namespace tb::test;
namespace fs = std::filesystem;

namespace {

class PlainRegistry : public RegistryTest {
protected:
	void SetUp() override
	{
		RegistryTest::SetUp();
		if (IsSkipped())
			return;
		fs::create_directories(tmp_ / "reg");
		ASSERT_TRUE(reg_.start(tmp_ / "reg")) << reg_.log();
	}
	std::string ref(const std::string &repoTag) const
	{
		return "docker://" + reg_.host() + "/" + repoTag;
	}
	Registry reg_;
};

} // namespace

TEST_F(PlainRegistry, PushPullKeepsTheDigest)
{
	std::string digest = createLayout(tmp_ / "src");
	auto push = tb({"copy", "-q", "oci:" + (tmp_ / "src") + ":v1", ref("tb/cache:v1")});
	ASSERT_EQ(push.status, 0) << push.err;
	EXPECT_EQ(firstLine(push.out), digest);
	auto pull = tb({"copy", "-q", ref("tb/cache:v1"), "oci:" + (tmp_ / "dst") + ":v1"});
	ASSERT_EQ(pull.status, 0) << pull.err;
	EXPECT_EQ(firstLine(pull.out), digest);
	// Same image again: every blob is already there (HEAD), the tag is just rewritten.
	auto again = tb({"copy", ref("tb/cache:v1"), ref("tb/cache:v2")});
	ASSERT_EQ(again.status, 0) << again.err;
	EXPECT_NE(again.out.find("0 blob(s)"), std::string::npos) << again.out;
	// By digest, and into another repository (blobs mounted from tb/cache).
	auto byDigest = tb({"copy", "-q", ref("tb/cache@" + digest), ref("other/repo:x")});
	ASSERT_EQ(byDigest.status, 0) << byDigest.err;
	EXPECT_NE(reg_.log().find("mount"), std::string::npos) << "no cross-repository mount";
	auto insp = tb({"inspect", "--json", ref("other/repo:x")});
	ASSERT_EQ(insp.status, 0) << insp.err;
	EXPECT_NE(insp.out.find(digest), std::string::npos) << insp.out;
}

TEST_F(PlainRegistry, ExtractStreamsFromTheRegistry)
{
	createLayout(tmp_ / "src");
	ASSERT_EQ(tb({"copy", "oci:" + (tmp_ / "src") + ":v1", ref("tb/cache:v1")}).status, 0);
	auto local = tb({"extract", "-q", "--skip-compat", "-i", "oci:" + (tmp_ / "src") + ":v1",
			 "-d", tmp_ / "local"});
	ASSERT_EQ(local.status, 0) << local.err;
	auto r = tb({"extract", "--skip-compat", "-i", ref("tb/cache:v1"), "-d", tmp_ / "remote"});
	ASSERT_EQ(r.status, 0) << r.err;
	// __grp__ files name their destination (child_paths), so they differ by design.
	auto files = [](std::map<std::string, std::string> m) {
		std::erase_if(m, [](const auto &kv) {
			return kv.first.find("__grp__") != std::string::npos;
		});
		return m;
	};
	EXPECT_EQ(files(snapshot(tmp_ / "remote")), files(snapshot(tmp_ / "local")));
	EXPECT_EQ(snapshot(tmp_ / "remote").size(), snapshot(tmp_ / "local").size());
	// Nothing staged outside the destination: no temporary layer file in TMPDIR.
	auto tmpdir = tb({"extract", "-q", "--skip-compat", "-i", ref("tb/cache:v1"), "-d",
			  tmp_ / "remote2"});
	EXPECT_EQ(tmpdir.status, 0) << tmpdir.err;
}

TEST_F(PlainRegistry, MissingImageIsNotFoundAndLeavesNothing)
{
	auto r = tb({"copy", ref("no/such:v1"), "oci:" + (tmp_ / "dst") + ":v1"});
	EXPECT_EQ(r.status, 1);
	EXPECT_NE(r.err.find("MANIFEST_UNKNOWN"), std::string::npos) << r.err;
	EXPECT_FALSE(fs::exists(tmp_ / "dst"));
	auto e = tb({"extract", "--skip-compat", "-i", ref("no/such:v1"), "-d", tmp_ / "out"});
	EXPECT_NE(e.status, 0);
	EXPECT_FALSE(fs::exists(tmp_ / "out"));
}

TEST_F(PlainRegistry, BadReferencesAreRefused)
{
	for (const char *bad :
	     {"docker://UPPER/Case:v1x", "docker:no-slashes", "docker://host/repo:bad tag"}) {
		auto r = tb({"inspect", bad});
		EXPECT_NE(r.status, 0) << bad;
		EXPECT_FALSE(r.err.empty()) << bad;
	}
}

TEST_F(PlainRegistry, SkopeoReadsWhatTbPushes)
{
	if (!haveProgram("skopeo"))
		GTEST_SKIP() << "skopeo is not installed";
	std::string digest = createLayout(tmp_ / "src");
	ASSERT_EQ(tb({"copy", "oci:" + (tmp_ / "src") + ":v1", ref("tb/cache:v1")}).status, 0);
	auto insp = skopeo({"inspect", "--tls-verify=false", ref("tb/cache:v1")});
	ASSERT_EQ(insp.status, 0) << insp.err;
	EXPECT_NE(insp.out.find(digest), std::string::npos) << insp.out;
	auto cp = skopeo({"copy", "-q", "--src-tls-verify=false", ref("tb/cache:v1"),
			  "oci:" + (tmp_ / "sk") + ":v1"});
	ASSERT_EQ(cp.status, 0) << cp.err;
	auto back = tb({"inspect", "--json", "oci:" + (tmp_ / "sk") + ":v1"});
	ASSERT_EQ(back.status, 0) << back.err;
	EXPECT_NE(back.out.find(digest), std::string::npos) << back.out;
}

TEST_F(PlainRegistry, TbReadsWhatSkopeoPushes)
{
	if (!haveProgram("skopeo"))
		GTEST_SKIP() << "skopeo is not installed";
	std::string digest = createLayout(tmp_ / "src");
	auto ours = skopeo({"copy", "-q", "--dest-tls-verify=false",
			    "oci:" + (tmp_ / "src") + ":v1", ref("sk/ours:v1")});
	ASSERT_EQ(ours.status, 0) << ours.err;
	auto insp = tb({"inspect", "--json", ref("sk/ours:v1")});
	ASSERT_EQ(insp.status, 0) << insp.err;
	EXPECT_NE(insp.out.find(digest), std::string::npos) << insp.out;
	auto x = tb({"extract", "-q", "--skip-compat", "-i", ref("sk/ours:v1"), "-d", tmp_ / "o1"});
	ASSERT_EQ(x.status, 0) << x.err;
	// The fixture docker-archive: skopeo converts it to a Docker schema2 image in the registry.
	auto theirs = skopeo({"copy", "-q", "--dest-tls-verify=false",
			      "docker-archive:" + fixtureArchive(), ref("sk/fixture:v1")});
	ASSERT_EQ(theirs.status, 0) << theirs.err;
	auto fi = tb({"inspect", ref("sk/fixture:v1")});
	ASSERT_EQ(fi.status, 0) << fi.err;
	EXPECT_NE(fi.out.find("application/vnd.docker.distribution.manifest.v2+json"),
		  std::string::npos)
		<< fi.out;
	auto fx = tb(
		{"extract", "-q", "--skip-compat", "-i", ref("sk/fixture:v1"), "-d", tmp_ / "o2"});
	ASSERT_EQ(fx.status, 0) << fx.err;
	EXPECT_FALSE(snapshot(tmp_ / "o2").empty());
}

TEST_F(PlainRegistry, LargeLayerGoesInChunksAndComesBackIntact)
{
	// Above the monolithic limit (set low here), so the push uses PATCH chunks.
	writeConfig("monolithic_max = 1048576\nchunk_size = 1048576\n");
	TestImage img = makeImage("big", {3u << 20, 1000});
	writeLayout(tmp_ / "big", "v1", img);
	auto push = tb({"copy", "-q", "oci:" + (tmp_ / "big") + ":v1", ref("tb/big:v1")});
	ASSERT_EQ(push.status, 0) << push.err;
	auto pull = tb({"copy", "-q", ref("tb/big:v1"), "oci:" + (tmp_ / "back") + ":v1"});
	ASSERT_EQ(pull.status, 0) << pull.err;
	EXPECT_EQ(firstLine(pull.out), img.manifestDesc.digest.str());
	EXPECT_EQ(readFile(tmp_ / ("back/blobs/sha256/" + img.layerDescs[0].digest.hex)),
		  img.layers[0]);
	EXPECT_NE(reg_.log().find("PATCH"), std::string::npos);
}

TEST_F(PlainRegistry, CreatePushesAndCopyWorksInEveryDirection)
{
	// tb create straight into the registry; the digest is the one an oci: layout gets.
	std::string local = createLayout(tmp_ / "src");
	auto c = tb({"create", "-q", "-i", ref("tb/created:v1"), "-d", cache_});
	ASSERT_EQ(c.status, 0) << c.err;
	EXPECT_EQ(firstLine(c.out), local);
	const std::vector<std::pair<std::string, std::string>> hops = {
		{ref("tb/created:v1"), "oci-archive:" + (tmp_ / "a.tar") + ":v1"},
		{"oci-archive:" + (tmp_ / "a.tar") + ":v1", ref("tb/from-oci-archive:v1")},
		{ref("tb/from-oci-archive:v1"), "docker-archive:" + (tmp_ / "d.tar") + ":tb/x:v1"},
		{"docker-archive:" + (tmp_ / "d.tar") + ":tb/x:v1",
		 ref("tb/from-docker-archive:v1")},
		{ref("tb/from-docker-archive:v1"), "tb/store-copy:v1"},
		{"tb/store-copy:v1", ref("tb/from-store:v1")},
	};
	// docker-archive holds no manifest of its own (it is rebuilt on read): from there on the
	// digest is the rebuilt one, kept by every later hop.
	std::string want = local;
	for (const auto &[from, to] : hops) {
		auto r = tb({"copy", "-q", from, to});
		ASSERT_EQ(r.status, 0) << from << " -> " << to << ": " << r.err;
		if (from.starts_with("docker-archive:"))
			want = firstLine(r.out);
		EXPECT_EQ(firstLine(r.out), want) << from << " -> " << to;
	}
	auto x = tb({"extract", "-q", "--skip-compat", "-i", ref("tb/from-store:v1"), "-d",
		     tmp_ / "out"});
	EXPECT_EQ(x.status, 0) << x.err;
}

// Progress goes to a terminal only (script(1) gives tb one), and -q silences it there too.
TEST_F(PlainRegistry, ProgressOnATerminalOnlyAndNotWithQuiet)
{
	if (!haveProgram("script"))
		GTEST_SKIP() << "script (bsdutils) is not installed";
	createLayout(tmp_ / "src");
	ASSERT_EQ(tb({"copy", "oci:" + (tmp_ / "src") + ":v1", ref("tb/cache:v1")}).status, 0);
	auto onTty = [&](const std::string &args) {
		std::string cmd = tb_ + " --config " + (tmp_ / "nvbind.toml") + " " + args;
		return runWithInput(
			{"script", "-qec", cmd, "/dev/null"}, "",
			{"REGISTRY_AUTH_FILE=" + (tmp_ / "auth.json"), "HOME=" + tmp_.path()});
	};
	auto shown = onTty("copy " + ref("tb/cache:v1") + " oci:" + (tmp_ / "a") + ":v1");
	ASSERT_EQ(shown.status, 0) << shown.out << shown.err;
	EXPECT_NE(shown.out.find("\033[K"), std::string::npos) << shown.out;
	EXPECT_NE(shown.out.find("total "), std::string::npos) << shown.out;
	EXPECT_NE(shown.out.find("/s"), std::string::npos) << shown.out;

	auto quiet = onTty("copy -q " + ref("tb/cache:v1") + " oci:" + (tmp_ / "b") + ":v1");
	ASSERT_EQ(quiet.status, 0) << quiet.out << quiet.err;
	EXPECT_EQ(quiet.out.find("\033[K"), std::string::npos) << quiet.out;
	EXPECT_EQ(quiet.out.find("total "), std::string::npos) << quiet.out;
	EXPECT_EQ(quiet.out.substr(0, 7), "sha256:") << quiet.out;
	// -q: the digest and nothing else (the terminal may end the line with \r\n).
	std::string digest = quiet.out;
	while (!digest.empty() && (digest.back() == '\n' || digest.back() == '\r'))
		digest.pop_back();
	EXPECT_EQ(digest.size(), 7u + 64u) << quiet.out;
	EXPECT_EQ(digest.find_first_not_of("0123456789abcdef", 7), std::string::npos) << quiet.out;

	auto qx =
		onTty("extract -q --skip-compat -i " + ref("tb/cache:v1") + " -d " + (tmp_ / "x"));
	ASSERT_EQ(qx.status, 0) << qx.out << qx.err;
	EXPECT_EQ(qx.out, "") << qx.out;

	// No terminal: nothing but the result, with or without -q.
	auto piped = tb({"copy", ref("tb/cache:v1"), "oci:" + (tmp_ / "c") + ":v1"});
	ASSERT_EQ(piped.status, 0) << piped.err;
	EXPECT_EQ(piped.err, "");
	EXPECT_EQ(piped.out.find("\033"), std::string::npos) << piped.out;
}
