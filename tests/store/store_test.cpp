// SPDX-License-Identifier: Apache-2.0
// The local store's lifecycle: tb rmi / tag / prune (output and exit codes as podman's), many
// tags, an index.json at its size limit, concurrent writers.
#include <boost/json.hpp>

#include "store_test_util.h"

namespace tb::test {
namespace {

namespace json = boost::json;

std::string fixture()
{
	return envOr("TB_TEST_DATA") + "/caches/vector-add-cuda-sm75";
}

size_t blobCount(const Sandbox &box)
{
	return entriesWithPrefix(box.store() + "/blobs/sha256", "").size();
}

json::array images(const Sandbox &box)
{
	TbRun r = box.run("images --json");
	EXPECT_EQ(r.status, 0) << r.out;
	boost::system::error_code ec;
	json::value v = json::parse(r.out, ec);
	return !ec && v.is_array() ? v.as_array() : json::array();
}

std::string lastLine(const std::string &s)
{
	auto end = s.find_last_not_of('\n') + 1;
	auto start = s.rfind('\n', end - 1);
	return s.substr(start == std::string::npos ? 0 : start + 1,
			end - (start == std::string::npos ? 0 : start + 1));
}

TEST(StoreVerbs, TagRmiAndPrune)
{
	Sandbox box;
	TbRun c = box.run("create -q -i a:v1 -d " + fixture());
	ASSERT_EQ(c.status, 0) << c.out;
	std::string digest = lastLine(c.out);
	size_t blobs = blobCount(box);
	ASSERT_EQ(blobs, 3u) << "manifest, config, layer";

	TbRun t = box.run("tag a:v1 b");
	ASSERT_EQ(t.status, 0) << t.out;
	auto list = images(box);
	ASSERT_EQ(list.size(), 2u);
	EXPECT_EQ(list[0].at("name").as_string(), "a:v1");
	EXPECT_EQ(list[1].at("name").as_string(), "b:latest");
	EXPECT_EQ(list[1].at("digest").as_string(), digest);

	TbRun missing = box.run("tag nothere:v1 c:v1");
	EXPECT_EQ(missing.status, 1) << missing.out;
	EXPECT_NE(missing.out.find("nothere:v1"), std::string::npos) << missing.out;
	TbRun badName = box.run("tag a:v1 UPPER:v1");
	EXPECT_EQ(badName.status, 2) << badName.out;

	// A digest tagged twice is not removed by digest without --force.
	TbRun ambiguous = box.run("rmi " + digest.substr(7, 12));
	EXPECT_EQ(ambiguous.status, 1) << ambiguous.out;
	EXPECT_NE(ambiguous.out.find("tagged more than once (a:v1, b:latest)"), std::string::npos)
		<< ambiguous.out;
	EXPECT_EQ(images(box).size(), 2u);

	// Removing one tag keeps the blobs the other still uses.
	TbRun r1 = box.run("rmi a:v1");
	ASSERT_EQ(r1.status, 0) << r1.out;
	EXPECT_EQ(r1.out, "Untagged: a:v1\n");
	EXPECT_EQ(blobCount(box), blobs);
	// The last tag takes the image and its blobs; a name that is not there fails, the
	// others are still removed (exit 1, as podman rmi).
	TbRun r2 = box.run("rmi b nothere");
	EXPECT_EQ(r2.status, 1) << r2.out;
	EXPECT_NE(r2.out.find("Untagged: b:latest\nDeleted: " + digest + "\n"), std::string::npos)
		<< r2.out;
	EXPECT_NE(r2.out.find("tb: image nothere: not in the local store"), std::string::npos)
		<< r2.out;
	EXPECT_EQ(blobCount(box), 0u);
	EXPECT_TRUE(images(box).empty());

	TbRun none = box.run("rmi");
	EXPECT_EQ(none.status, 2) << none.out;
}

TEST(StoreVerbs, RmiForceByDigestRemovesEveryTag)
{
	Sandbox box;
	TbRun c = box.run("create -q -i a:v1 -d " + fixture());
	ASSERT_EQ(c.status, 0) << c.out;
	ASSERT_EQ(box.run("tag a:v1 a:v2").status, 0);
	TbRun r = box.run("rmi -f " + lastLine(c.out));
	ASSERT_EQ(r.status, 0) << r.out;
	EXPECT_NE(r.out.find("Untagged: a:v1"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("Untagged: a:v2"), std::string::npos) << r.out;
	EXPECT_EQ(blobCount(box), 0u);
}

TEST(StoreVerbs, PruneRemovesUnusedBlobsAndDeadTemps)
{
	Sandbox box;
	TbRun c = box.run("create -q -i a:v1 -d " + fixture());
	ASSERT_EQ(c.status, 0) << c.out;
	std::string orphan = box.store() + "/blobs/sha256/" + std::string(64, 'e');
	std::ofstream(orphan) << "nobody uses this";
	std::string temp = box.store() + "/.tb-blob-" + std::to_string(deadPid()) + "-Zz9Yy8";
	std::ofstream(temp) << "killed writer";

	TbRun dry = box.run("prune --dry-run");
	ASSERT_EQ(dry.status, 0) << dry.out;
	EXPECT_NE(dry.out.find("would remove blob " + orphan + " (16 bytes)"), std::string::npos)
		<< dry.out;
	EXPECT_NE(dry.out.find("would remove temp " + temp), std::string::npos) << dry.out;
	EXPECT_NE(dry.out.find("Would reclaim 29 bytes in 2 item(s)"), std::string::npos)
		<< dry.out;
	EXPECT_TRUE(fs::exists(orphan) && fs::exists(temp)) << "--dry-run removes nothing";

	TbRun p = box.run("prune");
	ASSERT_EQ(p.status, 0) << p.out;
	EXPECT_NE(p.out.find("Reclaimed 29 bytes in 2 item(s)"), std::string::npos) << p.out;
	EXPECT_FALSE(fs::exists(orphan) || fs::exists(temp));
	EXPECT_EQ(blobCount(box), 3u) << "the image's blobs stay";
	TbRun x = box.run("extract --skip-compat -i a:v1 -d " + box / "cache");
	EXPECT_EQ(x.status, 0) << x.out;
	TbRun again = box.run("prune --json");
	ASSERT_EQ(again.status, 0) << again.out;
	EXPECT_EQ(json::parse(again.out).at("items").as_array().size(), 0u) << again.out;
}

TEST(StoreVerbs, PruneRefusesWhenAnImageCannotBeRead)
{
	Sandbox box;
	TbRun c = box.run("create -q -i a:v1 -d " + fixture());
	ASSERT_EQ(c.status, 0) << c.out;
	std::string manifest = box.store() + "/blobs/sha256/" + lastLine(c.out).substr(7);
	std::ofstream(manifest, std::ios::trunc) << "{}";
	TbRun p = box.run("prune");
	EXPECT_EQ(p.status, 1) << p.out;
	EXPECT_NE(p.out.find("image a:v1: manifest"), std::string::npos) << p.out;
	EXPECT_EQ(blobCount(box), 3u) << "nothing is deleted on a guess";
}

// index.json with 100,000 tags (written directly: 100,000 creates would take too long) stays
// usable by every verb. Timing goals are in benches/bench_store.cpp.
TEST(StoreScale, HundredThousandTags)
{
	Sandbox box;
	TbRun c = box.run("create -q -i seed:v1 -d " + fixture());
	ASSERT_EQ(c.status, 0) << c.out;
	std::string index = box.store() + "/index.json";
	json::value v = json::parse(slurp(index));
	json::array &list = v.as_object().at("manifests").as_array();
	json::object entry = list.at(0).as_object();
	constexpr int Tags = 100000;
	for (int i = 0; i < Tags; ++i) {
		entry["annotations"].as_object()["org.opencontainers.image.ref.name"] =
			"many/cache:t" + std::to_string(i);
		list.push_back(entry);
	}
	std::ofstream(index, std::ios::trunc) << json::serialize(v);
	ASSERT_GT(fs::file_size(index), 4u << 20) << "over the old 4 MiB limit";

	auto all = images(box);
	EXPECT_EQ(all.size(), static_cast<size_t>(Tags) + 1);
	TbRun x = box.run("extract --skip-compat -i many/cache:t99999 -d " + box / "cache");
	EXPECT_EQ(x.status, 0) << x.out;
	TbRun c2 = box.run("create -q -i after:v1 -d " + fixture());
	EXPECT_EQ(c2.status, 0) << c2.out;
	TbRun r = box.run("rmi many/cache:t5 many/cache:t77777");
	EXPECT_EQ(r.status, 0) << r.out;
	TbRun t = box.run("tag many/cache:t1 again:v1");
	EXPECT_EQ(t.status, 0) << t.out;
	EXPECT_EQ(images(box).size(), static_cast<size_t>(Tags) + 1);
}

// A write that would push index.json over the size readers accept is refused, and the store
// stays readable: it can never be bricked by one more tag.
TEST(StoreScale, IndexAtItsLimitRefusesGrowthAndStaysReadable)
{
	Sandbox box;
	TbRun c = box.run("create -q -i seed:v1 -d " + fixture());
	ASSERT_EQ(c.status, 0) << c.out;
	std::string index = box.store() + "/index.json";
	json::value v = json::parse(slurp(index));
	// Fill to just under 64 MiB with one padded entry (what many tags would add up to).
	json::object &first = v.as_object().at("manifests").as_array().at(0).as_object();
	size_t size = json::serialize(v).size();
	first["annotations"].as_object()["pad"] = std::string((64u << 20) - size - 200, 'x');
	std::ofstream(index, std::ios::trunc) << json::serialize(v);
	TbRun full = box.run("create -q -i one-more:v1 -d " + fixture());
	EXPECT_EQ(full.status, 1) << full.out;
	EXPECT_NE(full.out.find("over the 67108864 byte limit; remove images (tb rmi) first"),
		  std::string::npos)
		<< full.out.substr(0, 2000);
	EXPECT_EQ(images(box).size(), 1u);
	TbRun x = box.run("extract --skip-compat -i seed:v1 -d " + box / "cache");
	EXPECT_EQ(x.status, 0) << x.out;
}

// Writers, tag, rmi and prune at the same time: every image a writer committed and nobody
// removed is complete afterwards (its blobs were not collected under it).
TEST(StoreConcurrency, WritersRmiAndPruneTogether)
{
	Sandbox box;
	ASSERT_EQ(box.run("create -q -i base:v0 -d " + fixture()).status, 0);
	for (int round = 0; round < 3; ++round) {
		std::vector<pid_t> pids;
		std::string r = std::to_string(round);
		for (int i = 0; i < 4; ++i)
			pids.push_back(box.spawn("create -q -i w" + std::to_string(i) + ":r" + r +
						 " -d " + fixture()));
		// The only other image goes, so blob collection races the writers for the
		// very blobs they find already stored and skip.
		pids.push_back(box.spawn("rmi -f base:v" + r));
		pids.push_back(box.spawn("prune"));
		pids.push_back(box.spawn("prune"));
		int failed = 0;
		for (pid_t p : pids) {
			int st = 0;
			::waitpid(p, &st, 0);
			failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		}
		EXPECT_EQ(failed, 0) << "round " << r;
		ASSERT_EQ(box.run("tag w0:r" + r + " base:v" + std::to_string(round + 1)).status,
			  0);
		for (int i = 0; i < 4; ++i) {
			std::string name = "w" + std::to_string(i) + ":r" + r;
			TbRun x = box.run("extract --skip-compat -i " + name + " -d " +
					  box / ("cache-" + name));
			EXPECT_EQ(x.status, 0) << name << ": " << x.out;
			ASSERT_EQ(box.run("rmi " + name).status, 0);
		}
	}
	for (const auto &i : images(box))
		EXPECT_FALSE(i.as_object().contains("error")) << json::serialize(i);
	EXPECT_TRUE(entriesWithPrefix(box.store(), ".tb-").empty());
}

} // namespace
} // namespace tb::test
