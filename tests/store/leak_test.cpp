// SPDX-License-Identifier: Apache-2.0
// Temp files of killed tb processes: SIGINT/SIGTERM remove them on the way out; after a SIGKILL
// the next write to the same place reclaims them; a live process's temps are never touched.
#include <fcntl.h>
#include <sys/file.h>

#include "dataset.h"
#include "store_test_util.h"

namespace tb::test {
namespace {

std::string fixture()
{
	return envOr("TB_TEST_DATA") + "/caches/vector-add-cuda-sm75";
}

// A sandbox with the source image "oci:ROOT/src:v1" (which stall: serves too).
class Leak : public ::testing::TestWithParam<int> {
protected:
	void SetUp() override
	{
		TbRun r = box.run("create -q -i oci:" + box / "src" + ":v1 -d " + fixture());
		ASSERT_EQ(r.status, 0) << r.out;
	}
	std::string stall() const { return "stall:" + box / "src" + ":v1"; }
	std::string oci() const { return "oci:" + box / "src" + ":v1"; }
	Sandbox box;
};

std::string signalName(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGKILL";
}

// tb copy into the store, caught while its blob is staged.
TEST_P(Leak, CopyIntoTheStore)
{
	int sig = GetParam();
	pid_t pid = box.spawn("copy " + stall() + " mine:v1");
	ASSERT_TRUE(waitFor(box.store(), ".tb-blob-")) << "no staged blob appeared";
	int st = killAndReap(pid, sig);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == sig) << "tb did not die of the signal";
	auto left = entriesWithPrefix(box.store(), ".tb-");
	if (sig != SIGKILL) {
		EXPECT_TRUE(left.empty()) << signalName(sig) << " left " << left.front();
		return;
	}
	// SIGKILL cannot be handled: the temps stay (the staged config, the layer being
	// written), named after their dead owner...
	ASSERT_FALSE(left.empty());
	for (const auto &name : left)
		EXPECT_EQ(name.rfind(".tb-blob-" + std::to_string(pid) + "-", 0), 0u) << name;
	// ...and the next create into the store takes it away.
	TbRun r = box.run("create -q -i other:v1 -d " + fixture());
	ASSERT_EQ(r.status, 0) << r.out;
	EXPECT_TRUE(entriesWithPrefix(box.store(), ".tb-").empty());
}

// tb create into the store, caught while its layer is being written into the store (a layout
// takes the layer file straight into its own directory).
TEST_P(Leak, CreateIntoTheStore)
{
	int sig = GetParam();
	dataset::Options o;
	o.bytes = 48 << 20; // about 2 s of single-threaded gzip
	dataset::Summary summary;
	std::string error;
	ASSERT_TRUE(dataset::generate(box / "big", o, summary, error)) << error;
	pid_t pid = box.spawn("create -q --threads 1 -i mine:v1 -d " + box / "big");
	ASSERT_TRUE(waitFor(box.store(), ".tb-blob-")) << "no layer file appeared";
	int st = killAndReap(pid, sig);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == sig) << "tb did not die of the signal";
	auto left = entriesWithPrefix(box.store(), ".tb-");
	EXPECT_FALSE(fs::exists(box.store() + "/index.json")) << "no image was committed";
	if (sig != SIGKILL) {
		EXPECT_TRUE(left.empty()) << signalName(sig) << " left " << left.front();
		return;
	}
	ASSERT_EQ(left.size(), 1u);
	EXPECT_EQ(left[0].rfind(".tb-blob-" + std::to_string(pid) + "-", 0), 0u) << left[0];
	TbRun r = box.run("create -q -i other:v1 -d " + fixture());
	ASSERT_EQ(r.status, 0) << r.out;
	EXPECT_TRUE(entriesWithPrefix(box.store(), ".tb-").empty())
		<< "reclaimed by the next write";
}

// tb extract, caught while its staging directory is filling.
TEST_P(Leak, Extract)
{
	int sig = GetParam();
	std::string dest = box / "cache";
	pid_t pid = box.spawn("extract --skip-compat -i " + stall() + " -d " + dest);
	ASSERT_TRUE(waitFor(dest, ".tb-extract-")) << "no staging dir appeared";
	int st = killAndReap(pid, sig);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == sig);
	auto left = entriesWithPrefix(dest, ".tb-");
	if (sig != SIGKILL) {
		EXPECT_TRUE(left.empty()) << signalName(sig) << " left " << left.front();
		EXPECT_TRUE(entriesWithPrefix(dest, "").empty()) << "no kernel was placed";
		return;
	}
	ASSERT_EQ(left.size(), 1u);
	TbRun r = box.run("extract --skip-compat -i " + oci() + " -d " + dest);
	ASSERT_EQ(r.status, 0) << r.out;
	EXPECT_TRUE(entriesWithPrefix(dest, ".tb-").empty());
	EXPECT_EQ(entriesWithPrefix(dest, "").size(), 3u) << "the three kernels of the fixture";
}

// tb copy to an oci-archive: its work directory lives in TMPDIR.
TEST_P(Leak, OciArchiveWrite)
{
	int sig = GetParam();
	fs::create_directories(box / "out");
	pid_t pid = box.spawn("copy " + stall() + " oci-archive:" + box / "out/a.tar");
	ASSERT_TRUE(waitFor(box.tmp(), "tb-oci-archive-")) << "no work dir appeared";
	int st = killAndReap(pid, sig);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == sig);
	auto left = entriesWithPrefix(box.tmp(), "tb-");
	EXPECT_TRUE(entriesWithPrefix(box / "out", "").empty());
	if (sig != SIGKILL) {
		EXPECT_TRUE(left.empty()) << signalName(sig) << " left " << left.front();
		return;
	}
	ASSERT_EQ(left.size(), 1u);
	TbRun r = box.run("copy " + oci() + " oci-archive:" + box / "out/b.tar");
	ASSERT_EQ(r.status, 0) << r.out;
	EXPECT_TRUE(entriesWithPrefix(box.tmp(), "tb-").empty()) << "reclaimed by the next write";
}

INSTANTIATE_TEST_SUITE_P(Signals, Leak, ::testing::Values(SIGINT, SIGTERM, SIGKILL),
			 [](const auto &p) { return signalName(p.param); });

// What a dead writer leaves next to an archive (".tb-a.tar-PID-*") goes with the next write
// of that archive; a temp whose owner is alive stays, even when its name looks stale.
TEST(LeakReclaim, ArchiveTempOfDeadWriterGoesLiveOneStays)
{
	Sandbox box;
	fs::create_directories(box / "out");
	std::string dead = box / ("out/.tb-a.tar-" + std::to_string(deadPid()) + "-Ab12Cd");
	std::ofstream(dead) << "half an archive";
	// A live owner: a child that holds the temp's lock, as tb does.
	std::string live = box / ("out/.tb-a.tar-" + std::to_string(::getpid()) + "-Xy34Zw");
	std::ofstream(live) << "being written";
	int fd = ::open(live.c_str(), O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(::flock(fd, LOCK_EX), 0);
	TbRun r = box.run("create -q -i oci-archive:" + box / "out/a.tar" + " -d " + fixture());
	ASSERT_EQ(r.status, 0) << r.out;
	EXPECT_FALSE(fs::exists(dead)) << "a dead writer's temp is reclaimed";
	EXPECT_TRUE(fs::exists(live)) << "a live writer's temp is never removed";
	::close(fd);
}

TEST(LeakReclaim, StoreTempOfLiveProcessIsKeptByPrune)
{
	Sandbox box;
	TbRun c = box.run("create -q -i mine:v1 -d " + fixture());
	ASSERT_EQ(c.status, 0) << c.out;
	// Owner alive (a sleeping child), lock not held: its pid alone protects it.
	pid_t sleeper = ::fork();
	if (sleeper == 0) {
		::execl("/bin/sleep", "sleep", "60", static_cast<char *>(nullptr));
		::_exit(127);
	}
	std::string live = box.store() + "/.tb-blob-" + std::to_string(sleeper) + "-Q1w2E3";
	std::string dead = box.store() + "/.tb-blob-" + std::to_string(deadPid()) + "-R4t5Y6";
	std::ofstream(live) << "live";
	std::ofstream(dead) << "dead";
	TbRun p = box.run("prune");
	killAndReap(sleeper, SIGKILL);
	ASSERT_EQ(p.status, 0) << p.out;
	EXPECT_TRUE(fs::exists(live)) << p.out;
	EXPECT_FALSE(fs::exists(dead)) << p.out;
	EXPECT_NE(p.out.find("removed temp " + dead), std::string::npos) << p.out;
}

} // namespace
} // namespace tb::test
