// SPDX-License-Identifier: Apache-2.0
// HostTree: the openat2 lookup gives what the component walk (resolveInRoot) gives.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <tbsupport/dev_node.h>
#include <tbsupport/host_fs.h>
#include <tbsupport/host_tree.h>
#include <tbsupport/pci.h>

namespace tb::support {
namespace {

namespace stdfs = std::filesystem;

// Every way of asking HostTree agrees with resolveInRoot() on \a path, value and error.
void expectSameAsWalk(const HostTree &tree, const std::string &path)
{
	auto walk = resolveInRoot(tree.root(), path);
	auto fast = tree.resolve(path);
	ASSERT_EQ(fast.has_value(), walk.has_value()) << path;
	if (walk) {
		EXPECT_EQ(*fast, *walk) << path;
	} else {
		EXPECT_EQ(fast.error().code, walk.error().code) << path;
		EXPECT_EQ(fast.error().message, walk.error().message) << path;
	}
	EXPECT_EQ(tree.find(path), walk ? std::optional<std::string>(*walk) : std::nullopt) << path;
	EXPECT_EQ(tree.resolves(path), walk.has_value()) << path;
	// With its directory held open by a search, the entry is found the same.
	size_t slash = path.rfind('/');
	if (slash != std::string::npos && slash > 0) {
		std::string dir = path.substr(0, slash);
		EXPECT_EQ(tree.searchDir(dir), resolveInRoot(tree.root(), dir).has_value()) << dir;
		EXPECT_EQ(tree.resolves(path), walk.has_value()) << path << " (searched)";
		struct stat st;
		EXPECT_EQ(tree.findStat(path, st).has_value(),
			  walk && ::lstat(tree.path(*walk).c_str(), &st) == 0)
			<< path << " (searched)";
	}
	// Expecting a symlink changes the way, never the answer; a descriptor, where one comes
	// back, is of the file found.
	auto link = tree.resolve(path, HostTree::Expect::Symlink);
	ASSERT_EQ(link.has_value(), walk.has_value()) << path;
	if (walk)
		EXPECT_EQ(*link, *walk) << path;
	else
		EXPECT_EQ(link.error().message, walk.error().message) << path;
	// findStat() finds what resolve() finds, where there is a file to stat (a missing root
	// has none), and stats it.
	struct stat foundStat, walkStat;
	bool there = walk && ::lstat(tree.path(*walk).c_str(), &walkStat) == 0;
	auto withStat = tree.findStat(path, foundStat);
	EXPECT_EQ(withStat, there ? std::optional<std::string>(*walk) : std::nullopt) << path;
	if (withStat && there) {
		EXPECT_EQ(foundStat.st_ino, walkStat.st_ino) << path;
		EXPECT_EQ(foundStat.st_mode, walkStat.st_mode) << path;
	}
	for (auto expect : {HostTree::Expect::Plain, HostTree::Expect::Symlink}) {
		UniqueFd fd(::dup(0));
		auto found = tree.find(path, expect, fd);
		EXPECT_EQ(found, walk ? std::optional<std::string>(*walk) : std::nullopt) << path;
		if (!found) {
			EXPECT_FALSE(fd.isValid()) << path;
			continue;
		}
		struct stat a, b;
		if (fd.isValid()) {
			ASSERT_EQ(::fstat(fd.get(), &a), 0) << path;
			ASSERT_EQ(::lstat(tree.path(*found).c_str(), &b), 0) << path;
			EXPECT_EQ(a.st_ino, b.st_ino) << path;
			EXPECT_EQ(a.st_dev, b.st_dev) << path;
		}
	}
}

// The readers opened relative to the root read what the host_fs.h readers of the full path
// read, errors and their messages included.
void expectSameReads(const HostTree &tree, const std::string &p)
{
	std::string full = tree.path(p);
	auto a = tree.readFile(p, 4096);
	auto b = readFile(full, 4096);
	ASSERT_EQ(a.has_value(), b.has_value()) << p;
	if (a)
		EXPECT_EQ(*a, *b) << p;
	else
		EXPECT_EQ(a.error().message, b.error().message) << p;
	EXPECT_EQ(tree.readLine(p), readLine(full)) << p;
	EXPECT_EQ(tree.readInt(p), readInt(full)) << p;
	EXPECT_EQ(tree.readAttributeInt(p), readInt(full)) << p;
	auto real = resolveInRoot(tree.root(), p);
	EXPECT_EQ(tree.readAttributeIntInRoot(p), real ? readInt(tree.path(*real)) : std::nullopt)
		<< p;
	EXPECT_EQ(tree.readLink(p), readLink(full)) << p;
	EXPECT_EQ(tree.listDir(p), listDir(full)) << p;
	// The typed listing names the same entries, each with the type lstat() gives it.
	std::vector<std::string> names;
	for (auto &e : tree.listDirEntries(p)) {
		names.push_back(e.name);
		struct stat st;
		if (e.type == DT_UNKNOWN || ::lstat((full + "/" + e.name).c_str(), &st) != 0)
			continue;
		EXPECT_EQ(e.type == DT_DIR, S_ISDIR(st.st_mode)) << p << "/" << e.name;
		EXPECT_EQ(e.type == DT_LNK, S_ISLNK(st.st_mode)) << p << "/" << e.name;
		EXPECT_EQ(e.type == DT_REG, S_ISREG(st.st_mode)) << p << "/" << e.name;
	}
	EXPECT_EQ(names, listDir(full)) << p;
	EXPECT_EQ(tree.isDirectory(p), isDirectory(full)) << p;
	auto n = statDeviceNode(tree, p);
	auto m = statDeviceNode(tree.root(), p);
	ASSERT_EQ(n.has_value(), m.has_value()) << p;
	if (n)
		EXPECT_TRUE(*n == *m) << p;
	else
		EXPECT_EQ(n.error().message, m.error().message) << p;
}

// The host paths of everything below \a root, and each with a few spellings that walk
// through "..", "." and missing components.
std::vector<std::string> pathsBelow(const stdfs::path &root)
{
	std::vector<std::string> out{"/", "/.", "/..", "/../..", "//", ""};
	for (auto &e : stdfs::recursive_directory_iterator(root)) {
		std::string p = "/" + e.path().lexically_relative(root).string();
		out.push_back(p);
		out.push_back(p + "/..");
		out.push_back(p + "/../..");
		out.push_back(p + "/./.");
		out.push_back(p + "/missing");
		out.push_back(p + "/");
		out.push_back("/.." + p);
	}
	return out;
}

class HostTreeTempTree : public ::testing::Test {
protected:
	void SetUp() override
	{
		root_ = stdfs::temp_directory_path() /
			("tb-host-tree-" + std::to_string(::getpid()));
		stdfs::create_directories(root_ / "dev");
		stdfs::create_directories(root_ / "usr/lib/x");
		std::ofstream(root_ / "usr/lib/libcuda.so.550.54.14") << "";
		std::ofstream(root_ / "etc-file") << "";
		stdfs::create_symlink("libcuda.so.550.54.14", root_ / "usr/lib/libcuda.so.1");
		stdfs::create_symlink("usr/lib", root_ / "lib");
		stdfs::create_symlink("/usr/lib/libcuda.so.1", root_ / "dev/abs");
		stdfs::create_symlink("/lib/x/../libcuda.so.1", root_ / "dev/abs-dotdot");
		stdfs::create_symlink("loop2", root_ / "dev/loop1");
		stdfs::create_symlink("loop1", root_ / "dev/loop2");
		stdfs::create_symlink("../../../../../etc-file", root_ / "dev/escape");
		stdfs::create_symlink("../../../../../../nonexistent",
				      root_ / "dev/escape-missing");
		stdfs::create_symlink("missing-target", root_ / "dev/dangling");
		stdfs::create_symlink("/etc-file/x", root_ / "dev/through-file");
		stdfs::create_symlink("/", root_ / "dev/to-root");
		stdfs::create_symlink(root_, root_ / "dev/host-absolute");
	}
	void TearDown() override { stdfs::remove_all(root_); }
	stdfs::path root_;
};

TEST_F(HostTreeTempTree, KernelLookupMatchesTheWalk)
{
	HostTree tree(root_.string());
	auto paths = pathsBelow(root_);
	paths.insert(paths.end(), {"/dev/abs", "/dev/loop1/x", "/etc-file/..", "/dev/to-root/lib",
				   "/lib/libcuda.so.1/"});
	for (auto &p : paths)
		expectSameAsWalk(tree, p);
	EXPECT_EQ(tree.resolve("/dev/abs-dotdot").value_or(""), "/usr/lib/libcuda.so.550.54.14");
	EXPECT_EQ(tree.resolve("/dev/escape").value_or(""), "/etc-file");
	EXPECT_EQ(tree.resolve("/dev/loop1").error().code, Errc::LimitExceeded);
	EXPECT_EQ(tree.resolve("/dev/escape-missing").error().code, Errc::NotFound);
	EXPECT_EQ(tree.resolve("/dev/dangling").error().code, Errc::NotFound);
	if (!tree.kernelResolve())
		GTEST_SKIP() << "no openat2(RESOLVE_IN_ROOT) here: only the walk was compared";
}

TEST_F(HostTreeTempTree, FallbackWalkGivesTheSame)
{
	HostTree tree(root_.string());
	tree.disableKernelResolve();
	for (auto &p : pathsBelow(root_))
		expectSameAsWalk(tree, p);
	EXPECT_FALSE(tree.kernelResolve());
}

TEST_F(HostTreeTempTree, RootReachedThroughASymlink)
{
	stdfs::path alias = root_.string() + "-alias";
	stdfs::create_directory_symlink(root_, alias);
	HostTree tree(alias.string());
	for (auto &p : pathsBelow(root_))
		expectSameAsWalk(tree, p);
	stdfs::remove(alias);
}

// Stopping at a short read still reads a file larger than one read() whole.
TEST_F(HostTreeTempTree, ShortReadEndReadsLargeFilesWhole)
{
	std::string big(20000, 'x');
	big = "42\n" + big;
	std::ofstream(root_ / "big") << big;
	HostTree tree(root_.string());
	auto whole = tree.readFile("/big", 1 << 20, true);
	ASSERT_TRUE(whole) << whole.error().message;
	EXPECT_EQ(*whole, big);
	EXPECT_EQ(tree.readAttributeInt("/big").value_or(0), 42);
	EXPECT_EQ(tree.readFile("/big", 10000, true).error().code, Errc::LimitExceeded);
}

TEST_F(HostTreeTempTree, SeesChangesMadeAfterItOpened)
{
	HostTree tree(root_.string());
	EXPECT_FALSE(tree.resolves("/usr/lib/new"));
	std::ofstream(root_ / "usr/lib/new") << "";
	EXPECT_TRUE(tree.resolves("/usr/lib/new"));
	stdfs::remove(root_ / "usr/lib/new");
	EXPECT_FALSE(tree.find("/usr/lib/new"));
}

TEST_F(HostTreeTempTree, MissingRootFallsBackToTheWalk)
{
	HostTree tree((root_ / "absent").string());
	EXPECT_FALSE(tree.kernelResolve());
	EXPECT_EQ(tree.resolve("/dev").error().code, Errc::NotFound);
	for (const char *p : {"/", "/dev", "/dev/..", "/usr/lib/libcuda.so.1"})
		expectSameAsWalk(tree, p);
}

TEST(HostTreeRealRoot, MatchesTheWalk)
{
	HostTree tree("/");
	for (const char *p : {"/", "/proc/self", "/dev/null", "/etc/passwd", "/usr/bin/env", "/lib",
			      "/nonexistent/x", "/etc/passwd/.."}) {
		expectSameAsWalk(tree, p);
		expectSameReads(tree, p);
	}
}

// Every fixture host: each file, directory and link resolves as the walk resolves it, and
// readPciDevice() reads each PCI function the same either way.
TEST(HostTreeFixtureHosts, KernelLookupMatchesTheWalk)
{
	const char *hosts = std::getenv("TB_FIXTURE_HOSTS");
	if (!hosts)
		GTEST_SKIP() << "TB_FIXTURE_HOSTS not set";
	size_t hostCount = 0;
	for (auto &host : stdfs::directory_iterator(hosts)) {
		if (!host.is_directory())
			continue;
		++hostCount;
		HostTree tree(host.path().string());
		for (auto &p : pathsBelow(host.path())) {
			expectSameAsWalk(tree, p);
			expectSameReads(tree, p);
		}
		EXPECT_EQ(listPciDevices(tree), listPciDevices(tree.root()));
		for (auto &bdf : listPciDevices(tree.root())) {
			PciDevice a, b;
			ASSERT_EQ(readPciDevice(tree, bdf, a), readPciDevice(tree.root(), bdf, b));
			EXPECT_EQ(a.sysPath, b.sysPath) << bdf;
			EXPECT_EQ(a.driver, b.driver) << bdf;
			EXPECT_EQ(a.vendor, b.vendor) << bdf;
			EXPECT_EQ(a.drmCards, b.drmCards) << bdf;
			EXPECT_EQ(a.drmRenders, b.drmRenders) << bdf;
			EXPECT_EQ(a.numaNode, b.numaNode) << bdf;
			EXPECT_EQ(a.classCode, b.classCode) << bdf;
		}
	}
	EXPECT_GE(hostCount, 8u);
}

} // namespace
} // namespace tb::support
