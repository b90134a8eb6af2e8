// SPDX-License-Identifier: Apache-2.0
// Parallel blob transfers against a real registry behind the fault proxy, which holds every
// blob request for a moment and records how many it holds at once: a pull and a push of an
// image with several layers move `--jobs` blobs at a time (4 by default, never more), and one
// blob failing stops the others and leaves the destination untouched.
#include <algorithm>
#include <filesystem>
#include <regex>

#include "registry_fixture.h"

using namespace tb;
using namespace tb::test;
namespace fs = std::filesystem;

namespace {

class Parallel : public RegistryTest {
protected:
	void SetUp() override
	{
		RegistryTest::SetUp();
		if (IsSkipped())
			return;
		if (!fs::exists("/usr/bin/python3"))
			GTEST_SKIP() << "/usr/bin/python3 missing";
		fs::create_directories(tmp_ / "reg");
		ASSERT_TRUE(reg_.start(tmp_ / "reg")) << reg_.log();
		image_ = makeImage("parallel", std::vector<size_t>(6, 300000));
		writeLayout(tmp_ / "src", "v1", image_);
		auto push = tb({"copy", "oci:" + (tmp_ / "src") + ":v1",
				"docker://" + reg_.host() + "/p/image:v1"});
		ASSERT_EQ(push.status, 0) << push.err;
	}
	void proxy(const std::string &rules)
	{
		ASSERT_TRUE(proxy_.start(tmp_.path(), reg_.port(), rules));
	}
	std::string ref(const std::string &repoTag = "p/image:v1") const
	{
		return "docker://" + proxy_.host() + "/" + repoTag;
	}
	// The most requests the proxy held at once.
	int maxHeld() const
	{
		std::string log = proxy_.log();
		int most = 0;
		std::regex held("held=([0-9]+)");
		for (auto it = std::sregex_iterator(log.begin(), log.end(), held);
		     it != std::sregex_iterator(); ++it)
			most = std::max(most, std::stoi((*it)[1]));
		return most;
	}
	size_t count(const std::string &needle) const
	{
		std::string log = proxy_.log();
		size_t n = 0;
		for (size_t p = log.find(needle); p != std::string::npos;
		     p = log.find(needle, p + 1))
			++n;
		return n;
	}

	Registry reg_;
	FaultProxy proxy_;
	TestImage image_;
};

const char *HoldBlobGets = R"([{"method":"GET","path":"/blobs/sha256:","action":"delay",
			     "seconds":1,"times":-1}])";

} // namespace

TEST_F(Parallel, PullMovesFourBlobsAtOnceByDefault)
{
	proxy(HoldBlobGets);
	auto r = tb({"copy", "-q", ref(), "oci:" + (tmp_ / "dst") + ":v1"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(firstLine(r.out), image_.manifestDesc.digest.str());
	// Config first on its own, then the six layers four at a time.
	EXPECT_EQ(maxHeld(), 4) << proxy_.log();
	for (size_t i = 0; i < image_.layers.size(); ++i)
		EXPECT_EQ(readFile(tmp_ / ("dst/blobs/sha256/" + image_.layerDescs[i].digest.hex)),
			  image_.layers[i]);
}

TEST_F(Parallel, JobsBoundsTheTransfers)
{
	proxy(HoldBlobGets);
	auto two = tb({"copy", "-q", "--jobs", "2", ref(), "oci:" + (tmp_ / "two") + ":v1"});
	ASSERT_EQ(two.status, 0) << two.err;
	EXPECT_EQ(maxHeld(), 2) << proxy_.log();
	proxy_.stop();
	proxy(HoldBlobGets);
	auto one = tb({"copy", "-q", "-j", "1", ref(), "oci:" + (tmp_ / "one") + ":v1"});
	ASSERT_EQ(one.status, 0) << one.err;
	EXPECT_EQ(maxHeld(), 1) << proxy_.log();
	// The transport's own bound (jobs of its section) applies as well.
	writeConfig("jobs = 3\n");
	proxy_.stop();
	proxy(HoldBlobGets);
	auto three = tb({"copy", "-q", "--jobs", "8", ref(), "oci:" + (tmp_ / "three") + ":v1"});
	ASSERT_EQ(three.status, 0) << three.err;
	EXPECT_EQ(maxHeld(), 3) << proxy_.log();
}

TEST_F(Parallel, PushMovesBlobsInParallel)
{
	proxy(R"([{"method":"PUT","path":"/blobs/uploads/","action":"delay","seconds":1,
		   "times":-1}])");
	auto r = tb({"copy", "-q", "oci:" + (tmp_ / "src") + ":v1", ref("p/pushed:v1")});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(firstLine(r.out), image_.manifestDesc.digest.str());
	EXPECT_EQ(maxHeld(), 4) << proxy_.log();
	// And registry to registry: downloads and uploads of one plugin at once, no deadlock.
	auto r2 = tb({"copy", "-q", "--jobs", "6", ref("p/image:v1"),
		      "docker://" + reg_.host() + "/p/copied:v1"});
	ASSERT_EQ(r2.status, 0) << r2.err;
	EXPECT_EQ(firstLine(r2.out), image_.manifestDesc.digest.str());
}

TEST_F(Parallel, OneFailureStopsTheOthersAndLeavesTheDestination)
{
	// Layer 1 is refused at once; the others are held, so they are running when it fails.
	// Layers not started by then are never requested.
	const std::string bad = image_.layerDescs[1].digest.str();
	proxy(R"([{"method":"GET","path":")" + bad +
	      R"(","action":"status","code":404,"times":-1},
		  {"method":"GET","path":"/blobs/sha256:","action":"delay","seconds":1,"times":-1}])");
	auto r = tb({"copy", "--jobs", "2", ref(), "oci:" + (tmp_ / "dst") + ":v1"});
	EXPECT_EQ(r.status, 1);
	EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
	EXPECT_EQ(r.err.find("stopped"), std::string::npos) << "a consequence reported: " << r.err;
	EXPECT_FALSE(fs::exists(tmp_ / "dst")) << "the destination was touched";
	size_t layersAsked = 0;
	for (const auto &d : image_.layerDescs)
		layersAsked += count("GET /v2/p/image/blobs/" + d.digest.str()) > 0;
	EXPECT_LT(layersAsked, image_.layerDescs.size()) << proxy_.log();

	// Into an existing layout: it keeps exactly what it had (no temp file, no blob).
	createLayout(tmp_ / "keep");
	auto before = snapshot(tmp_ / "keep");
	auto again = tb({"copy", ref(), "oci:" + (tmp_ / "keep") + ":other"});
	EXPECT_EQ(again.status, 1);
	EXPECT_EQ(snapshot(tmp_ / "keep"), before);
}

TEST_F(Parallel, FailedPushStopsTheOtherUploadsAndTagsNothing)
{
	proxy(R"([{"method":"PUT","path":"/blobs/uploads/","action":"status","code":400,
		   "times":1},
		  {"method":"PUT","path":"/blobs/uploads/","action":"delay","seconds":1,"times":-1}])");
	auto r = tb({"copy", "oci:" + (tmp_ / "src") + ":v1", ref("p/failed:v1")});
	EXPECT_EQ(r.status, 1);
	EXPECT_NE(r.err.find("400"), std::string::npos) << r.err;
	// No manifest, no tag.
	auto insp = tb({"inspect", "docker://" + reg_.host() + "/p/failed:v1"});
	EXPECT_EQ(insp.status, 1);
	EXPECT_NE(insp.err.find("MANIFEST_UNKNOWN"), std::string::npos) << insp.err;
	EXPECT_EQ(count("PUT /v2/p/failed/manifests/"), 0u) << proxy_.log();
}
