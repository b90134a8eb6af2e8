// SPDX-License-Identifier: Apache-2.0
// Real peers: skopeo reads what `tb` writes and tb reads what skopeo writes; the CLI verbs;
// concurrent `tb copy` processes into one layout; podman's export is gone once it is open.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include <boost/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <tb/images.h>

#include "helpers.h"
#include "tbsupport/oci_layout.h"
#include "tbsupport/sha256.h"

using namespace tb;
using namespace tb::test;

namespace fs = std::filesystem;

namespace {

class Interop : public CliTest {
protected:
	void SetUp() override
	{
		CliTest::SetUp();
		image_ = makeImage("interop", {4000, 30000}, {{"org.example/who", "tb"}});
		writeLayout(tmp_ / "src", "v1", image_);
	}

	void needSkopeo()
	{
		if (!haveProgram("skopeo"))
			GTEST_SKIP() << "skopeo is not installed";
	}

	static boost::json::object json(const std::string &text) { return jsonObject(text); }

	std::string digestOfRaw(const std::string &bytes)
	{
		return support::Sha256::of(bytes).str();
	}

	// Load the fixture archive into a private podman store under the test's temp dir (the
	// host's images are never touched). \return the store options as the body of a TOML array,
	// or nullopt with \a why set when podman cannot use such a store here.
	std::optional<std::string> privatePodmanStore(std::string &why)
	{
		std::string t = tmp_.path();
		std::vector<std::string> store{"--root",      t + "/pm/root",     "--runroot",
					       t + "/pm/run", "--storage-driver", "vfs"};
		std::vector<std::string> load{"podman"};
		load.insert(load.end(), store.begin(), store.end());
		load.insert(load.end(), {"load", "-q", "-i", fixtureArchive()});
		auto loaded = run(load);
		if (loaded.status != 0) {
			why = loaded.err;
			return std::nullopt;
		}
		std::string args;
		for (const auto &a : store)
			args += (args.empty() ? "" : ", ") + std::string("\"") + a + "\"";
		return args;
	}

	TestImage image_;
};

} // namespace

TEST_F(Interop, SkopeoReadsWhatTbWrites)
{
	needSkopeo();
	std::string t = tmp_.path(), want = image_.manifestDesc.digest.str();
	std::string src = "oci:" + t + "/src:v1";
	for (const auto &dst : {"oci:" + t + "/out:v1", "oci-archive:" + t + "/out.tar:v1",
				"docker-archive:" + t + "/d.tar:example/x:v1"}) {
		auto c = tb({"copy", "-q", src, dst});
		ASSERT_EQ(c.status, 0) << dst << ": " << c.err;
		EXPECT_EQ(c.out, want + "\n");
	}
	for (const auto &ref : {"oci:" + t + "/out:v1", "oci-archive:" + t + "/out.tar:v1"}) {
		auto raw = skopeo({"inspect", "--raw", ref});
		ASSERT_EQ(raw.status, 0) << ref << ": " << raw.err;
		EXPECT_EQ(raw.out, image_.manifest) << ref;
		auto info = skopeo({"inspect", ref});
		ASSERT_EQ(info.status, 0) << info.err;
		auto o = json(info.out);
		EXPECT_EQ(o["Digest"].as_string(), want);
		EXPECT_EQ(o["Labels"].as_object()["org.example/who"].as_string(), "tb");
	}
	auto d = skopeo({"inspect", "docker-archive:" + t + "/d.tar"});
	ASSERT_EQ(d.status, 0) << d.err;
	auto o = json(d.out);
	EXPECT_EQ(o["Labels"].as_object()["org.example/who"].as_string(), "tb");
	EXPECT_EQ(o["Layers"].as_array().size(), 2u);
	auto cfg = skopeo(
		{"inspect", "--config", "--raw", "docker-archive:" + t + "/d.tar:example/x:v1"});
	ASSERT_EQ(cfg.status, 0) << cfg.err;
	EXPECT_EQ(cfg.out, image_.config);

	// skopeo converts a docker-archive to an OCI manifest on copy; config and layers survive.
	auto fromDocker = skopeo({"copy", "-q", "docker-archive:" + t + "/d.tar:example/x:v1",
				  "oci:" + t + "/skd:v1"});
	ASSERT_EQ(fromDocker.status, 0) << fromDocker.err;
	auto skd = tb({"inspect", "--json", "oci:" + t + "/skd:v1"});
	ASSERT_EQ(skd.status, 0) << skd.err;
	auto skdo = json(skd.out);
	EXPECT_EQ(skdo["Config"].as_object()["Digest"].as_string(), image_.configDesc.digest.str());
	EXPECT_EQ(skdo["Labels"].as_object()["org.example/who"].as_string(), "tb");

	// skopeo's own copies of our layout and archive keep the manifest bytes.
	for (const auto &from : {"oci:" + t + "/out:v1", "oci-archive:" + t + "/out.tar:v1"}) {
		fs::remove_all(t + "/sk");
		auto c = skopeo({"copy", "-q", "--preserve-digests", from, "oci:" + t + "/sk:v1"});
		ASSERT_EQ(c.status, 0) << c.err;
		auto layout = support::OciLayout::open(t + "/sk");
		ASSERT_TRUE(layout);
		EXPECT_EQ(layout->resolve("v1")->digest.str(), want) << from;
	}
}

TEST_F(Interop, TbReadsWhatSkopeoWrites)
{
	needSkopeo();
	std::string t = tmp_.path(), fx = fixtureArchive();
	auto toOci = skopeo({"copy", "-q", "docker-archive:" + fx, "oci:" + t + "/sk:v1"});
	ASSERT_EQ(toOci.status, 0) << toOci.err;
	auto skRaw = skopeo({"inspect", "--raw", "oci:" + t + "/sk:v1"});
	ASSERT_EQ(skRaw.status, 0);
	std::string skDigest = digestOfRaw(skRaw.out);

	auto info = tb({"inspect", "--json", "oci:" + t + "/sk:v1"});
	ASSERT_EQ(info.status, 0) << info.err;
	auto o = json(info.out);
	EXPECT_EQ(o["Digest"].as_string(), skDigest);
	EXPECT_EQ(o["Labels"].as_object()["cache.triton.image/entry-count"].as_string(), "1");
	auto c = tb({"copy", "-q", "oci:" + t + "/sk:v1", "from-skopeo:v1"});
	ASSERT_EQ(c.status, 0) << c.err;
	EXPECT_EQ(c.out, skDigest + "\n");

	auto toArchive = skopeo({"copy", "-q", "oci:" + t + "/sk:v1",
				 "docker-archive:" + t + "/sk.tar:foo/bar:v1"});
	ASSERT_EQ(toArchive.status, 0) << toArchive.err;
	auto a = tb({"inspect", "--json", "docker-archive:" + t + "/sk.tar:foo/bar:v1"});
	ASSERT_EQ(a.status, 0) << a.err;
	auto ao = json(a.out);
	EXPECT_EQ(ao["Config"].as_object()["Digest"].as_string(),
		  "sha256:8ce4bc2e98abfa8c0a5a6f6046c1c7bc8ac09805ecb029427a995dc2897828f8");
	auto back = tb({"copy", "-q", "docker-archive:" + t + "/sk.tar", "from-archive:v1"});
	ASSERT_EQ(back.status, 0) << back.err;
	// tb's docker-archive output read back gives the same digest again.
	auto out =
		tb({"copy", "-q", "from-archive:v1", "docker-archive:" + t + "/tb.tar:foo/bar:v1"});
	ASSERT_EQ(out.status, 0) << out.err;
	auto again = tb({"copy", "-q", "docker-archive:" + t + "/tb.tar:foo/bar:v1",
			 "oci:" + t + "/again:v1"});
	ASSERT_EQ(again.status, 0) << again.err;
	EXPECT_EQ(again.out, back.out);
}

TEST_F(Interop, CliVerbs)
{
	std::string src = "oci:" + tmp_.path() + "/src:v1", want = image_.manifestDesc.digest.str();
	auto c = tb({"copy", src, "mycache:v1"});
	ASSERT_EQ(c.status, 0) << c.err;
	EXPECT_NE(c.out.find(want), std::string::npos);
	auto raw = tb({"inspect", "--raw", "mycache:v1"});
	ASSERT_EQ(raw.status, 0) << raw.err;
	EXPECT_EQ(raw.out, image_.manifest) << "--raw prints the stored bytes exactly";
	auto text = tb({"inspect", "mycache:v1"});
	ASSERT_EQ(text.status, 0) << text.err;
	EXPECT_NE(text.out.find(want), std::string::npos);
	EXPECT_NE(text.out.find("org.example/who=tb"), std::string::npos);
	auto images = tb({"images", "--json"});
	ASSERT_EQ(images.status, 0) << images.err;
	boost::system::error_code ec;
	auto list = boost::json::parse(images.out, ec);
	ASSERT_FALSE(ec) << images.out;
	ASSERT_EQ(list.as_array().size(), 1u);
	EXPECT_EQ(list.as_array()[0].as_object()["name"].as_string(), "mycache:v1");
	EXPECT_EQ(list.as_array()[0].as_object()["digest"].as_string(), want);
	auto table = tb({"images"});
	ASSERT_EQ(table.status, 0);
	EXPECT_NE(table.out.find("mycache:v1"), std::string::npos);
	EXPECT_NE(table.out.find(image_.manifestDesc.digest.hex.substr(0, 12)), std::string::npos);

	auto missing = tb({"inspect", "nothere:v1"});
	EXPECT_EQ(missing.status, 1);
	EXPECT_NE(missing.err.find("nothere:v1"), std::string::npos);
	auto usage = tb({"copy", src, "Bad Name"});
	EXPECT_EQ(usage.status, 2) << usage.err;
}

TEST_F(Interop, CliErrorIsOneLineAndDestinationUntouched)
{
	std::string t = tmp_.path();
	ASSERT_EQ(tb({"copy", "oci:" + t + "/src:v1", "oci:" + t + "/dst:old"}).status, 0);
	auto before = snapshot(t + "/dst");
	std::string bad = image_.layers[1];
	bad[10] ^= 1;
	writeFile(t + "/src/blobs/sha256/" + image_.layerDescs[1].digest.hex, bad);
	fs::remove_all(t + "/dst/blobs/sha256/" + image_.layerDescs[1].digest.hex);
	before = snapshot(t + "/dst");
	auto r = tb({"copy", "oci:" + t + "/src:v1", "oci:" + t + "/dst:new"});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
	EXPECT_EQ(r.err.rfind("tb: image oci:" + t + "/src:v1: blob " +
				      image_.layerDescs[1].digest.str() + ": digest mismatch",
			      0),
		  0u)
		<< r.err;
	EXPECT_EQ(snapshot(t + "/dst"), before);
}

TEST_F(Interop, ConcurrentCopiesIntoOneLayoutAllLand)
{
	std::string t = tmp_.path();
	const int perWriter = 8;
	std::vector<pid_t> pids;
	for (int w = 0; w < 2; ++w) {
		pid_t pid = ::fork();
		if (pid == 0) {
			int failed = 0;
			for (int i = 0; i < perWriter; ++i) {
				std::string tag = "w" + std::to_string(w) + "-" + std::to_string(i);
				failed += tb({"copy", "-q", "oci:" + t + "/src:v1",
					      "oci:" + t + "/shared:" + tag})
						  .status != 0;
			}
			::_exit(failed ? 1 : 0);
		}
		pids.push_back(pid);
	}
	for (pid_t p : pids) {
		int status = 0;
		::waitpid(p, &status, 0);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	auto layout = support::OciLayout::open(t + "/shared");
	ASSERT_TRUE(layout);
	EXPECT_EQ(layout->entries()->size(), 2u * perWriter);
	for (const auto &e : fs::directory_iterator(t + "/shared"))
		EXPECT_FALSE(e.path().filename().string().starts_with(".tb-")) << e.path();
	if (haveProgram("skopeo")) {
		auto raw = skopeo({"inspect", "--raw",
				   "oci:" + t + "/shared:w1-" + std::to_string(perWriter - 1)});
		EXPECT_EQ(raw.out, image_.manifest) << raw.err;
	}
}

TEST_F(Interop, ReadsPodmanStorage)
{
	if (!haveProgram("podman"))
		GTEST_SKIP() << "podman is not installed";
	std::string why;
	auto store = privatePodmanStore(why);
	if (!store)
		GTEST_SKIP() << "podman cannot use a private store here: " << why;
	const std::string &args = *store;
	writeFile(tmp_ / "nvbind.toml",
		  defaultConfig() + "[plugins.\"transport.containers-storage\"]\nargs = [" + args +
			  "]\n");
	auto info =
		tb({"inspect", "--json", "containers-storage:quay.io/gkm/vector-add-cache:rocm"});
	ASSERT_EQ(info.status, 0) << info.err;
	auto o = json(info.out);
	EXPECT_EQ(o["Config"].as_object()["Digest"].as_string(),
		  "sha256:8ce4bc2e98abfa8c0a5a6f6046c1c7bc8ac09805ecb029427a995dc2897828f8");
	auto c = tb({"copy", "-q", "containers-storage:quay.io/gkm/vector-add-cache:rocm",
		     "from-podman:v1"});
	ASSERT_EQ(c.status, 0) << c.err;
	EXPECT_EQ(c.out, std::string(o["Digest"].as_string()) + "\n");
	auto missing = tb({"inspect", "containers-storage:quay.io/gkm/absent:v1"});
	EXPECT_EQ(missing.status, 1);
	EXPECT_NE(missing.err.find("image not known"), std::string::npos) << missing.err;
	auto write = tb({"copy", "from-podman:v1", "containers-storage:localhost/x:v1"});
	EXPECT_NE(write.status, 0);
	EXPECT_NE(write.err.find("only reads"), std::string::npos) << write.err;
}

TEST_F(Interop, PodmanExportIsRemovedOnceTheSourceIsOpen)
{
	if (!haveProgram("podman"))
		GTEST_SKIP() << "podman is not installed";
	std::string t = tmp_.path();
	std::string why;
	auto store = privatePodmanStore(why);
	if (!store)
		GTEST_SKIP() << "podman cannot use a private store here: " << why;
	const std::string &args = *store;
	fs::create_directory(t + "/cstmp");
	writeFile(tmp_ / "cs.toml", defaultConfig() +
					    "[plugins.\"transport.containers-storage\"]\nargs = [" +
					    args + "]\ntmp_dir = \"" + t + "/cstmp\"\n");
	ContextOptions o;
	o.configFile = tmp_ / "cs.toml";
	auto ctx = Context::create(o);
	ASSERT_TRUE(ctx) << ctx.error().message;
	std::string ref = "containers-storage:quay.io/gkm/vector-add-cache:rocm";
	auto src = openImageSource(**ctx, ref);
	ASSERT_TRUE(src) << src.error().message;
	EXPECT_TRUE(fs::is_empty(t + "/cstmp")) << "the image.tar export is unlinked";
	auto dst = openImageDestination(**ctx, "oci:" + t + "/out:v1");
	ASSERT_TRUE(dst) << dst.error().message;
	auto c = copyImage(**src, **dst, ref);
	ASSERT_TRUE(c) << c.error().message;
	EXPECT_GT(c->blobsCopied, 0);
	src->reset();
	EXPECT_TRUE(fs::is_empty(t + "/cstmp"));
}

TEST_F(Interop, ACompressedPodmanExportIsUnpackedBesideAndRemoved)
{
	std::string t = tmp_.path();
	ASSERT_EQ(
		tb({"copy", "-q", "oci:" + t + "/src:v1", "oci-archive:" + t + "/img.tar"}).status,
		0);
	ASSERT_EQ(run({"gzip", "-n", t + "/img.tar"}).status, 0);
	// A stand-in podman: `image save ... -o FILE REF` writes the gzip'ed archive to FILE.
	writeFile(t + "/podman", "#!/bin/sh\nwhile [ \"$1\" != -o ]; do shift; done\ncp " + t +
					 "/img.tar.gz \"$2\"\n");
	fs::permissions(t + "/podman", fs::perms::owner_all);
	fs::create_directory(t + "/cstmp");
	writeFile(tmp_ / "cs.toml",
		  defaultConfig() + "[plugins.\"transport.containers-storage\"]\npodman = \"" + t +
			  "/podman\"\ntmp_dir = \"" + t + "/cstmp\"\n");
	ContextOptions o;
	o.configFile = tmp_ / "cs.toml";
	auto ctx = Context::create(o);
	ASSERT_TRUE(ctx) << ctx.error().message;
	auto src = openImageSource(**ctx, "containers-storage:localhost/x:v1");
	ASSERT_TRUE(src) << src.error().message;
	// Both the export and its decompressed tar are unlinked temp files in tmp_dir: nothing to
	// see there, yet the decompressed copy is open from it.
	EXPECT_TRUE(fs::is_empty(t + "/cstmp"));
	size_t open = 0;
	for (const auto &e : fs::directory_iterator("/proc/self/fd")) {
		std::error_code ec;
		std::string target = fs::read_symlink(e.path(), ec).string();
		open += target.rfind(t + "/cstmp/", 0) == 0 &&
			target.find("(deleted)") != std::string::npos;
	}
	EXPECT_GE(open, 1u) << "the decompressed tar lives in tmp_dir";
	auto dst = openImageDestination(**ctx, "oci:" + t + "/out:v1");
	ASSERT_TRUE(dst) << dst.error().message;
	auto c = copyImage(**src, **dst, "containers-storage:localhost/x:v1");
	ASSERT_TRUE(c) << c.error().message;
	EXPECT_EQ(c->manifestDigest, image_.manifestDesc.digest);
	src->reset();
	EXPECT_TRUE(fs::is_empty(t + "/cstmp"));
}
