// SPDX-License-Identifier: Apache-2.0
// Plugin files another user could replace are refused, with the reason naming the culprit;
// [core] trusted_plugin_paths makes exceptions.
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "plugin_trust.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

// A private directory below a 0755 one we own, so the checks above it pass on any host.
class TrustTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		std::string t = (fs::temp_directory_path() / "tb-trust-XXXXXX").string();
		ASSERT_TRUE(::mkdtemp(t.data()));
		root_ = t;
		fs::permissions(root_, fs::perms(0755));
		if (auto why = pluginDistrust(make("probe/ok.so").string(), ::geteuid(), {}))
			GTEST_SKIP() << "the temp dir itself is not trustworthy here: " << *why;
	}
	void TearDown() override
	{
		std::error_code ec;
		fs::remove_all(root_, ec);
	}
	fs::path make(const std::string &rel, unsigned fileMode = 0755, unsigned dirMode = 0755)
	{
		fs::path p = root_ / rel;
		fs::create_directories(p.parent_path());
		fs::permissions(p.parent_path(), fs::perms(dirMode));
		std::ofstream(p) << "not really ELF";
		fs::permissions(p, fs::perms(fileMode));
		return p;
	}
	std::optional<std::string> check(const fs::path &p, std::vector<std::string> allowed = {})
	{
		return pluginDistrust(p.string(), ::geteuid(), allowed);
	}
	fs::path root_;
};

TEST_F(TrustTest, OwnFileInOwnDirectoryLoads)
{
	EXPECT_EQ(check(make("a/p.so")), std::nullopt);
	EXPECT_EQ(check(make("b/p.so", 0644)), std::nullopt);
}

TEST_F(TrustTest, WorldWritableDirectoryIsRefused)
{
	auto p = make("ww/p.so", 0755, 0777);
	auto why = check(p);
	ASSERT_TRUE(why);
	EXPECT_EQ(*why, "not loaded: directory '" + (root_ / "ww").string() +
				"' is world-writable (mode 0777); trust it with [core] "
				"trusted_plugin_paths");
}

TEST_F(TrustTest, StickyBitDoesNotSaveThePluginsOwnDirectory)
{
	// Anyone may add a file to a sticky dir: a new plugin there shadows the real one.
	auto why = check(make("sticky/p.so", 0755, 01777));
	ASSERT_TRUE(why);
	EXPECT_NE(why->find("is world-writable (mode 1777)"), std::string::npos) << *why;
}

TEST_F(TrustTest, StickyAncestorLikeTmpIsFineButAPlainWorldWritableOneIsNot)
{
	auto ok = make("tmp/mine/p.so");
	fs::permissions(root_ / "tmp", fs::perms(01777));
	EXPECT_EQ(check(ok), std::nullopt);
	fs::permissions(root_ / "tmp", fs::perms(0777));
	auto why = check(ok);
	ASSERT_TRUE(why);
	EXPECT_NE(why->find("directory '" + (root_ / "tmp").string() + "' is world-writable"),
		  std::string::npos)
		<< *why;
}

TEST_F(TrustTest, FileWritableByOthersIsRefused)
{
	auto why = check(make("f/p.so", 0757));
	ASSERT_TRUE(why);
	EXPECT_EQ(*why, "not loaded: file '" + (root_ / "f/p.so").string() +
				"' is writable by other users (mode 0757); trust it with [core] "
				"trusted_plugin_paths");
}

TEST_F(TrustTest, GroupWritableIsRefusedUnlessTheGroupIsTheUsersOwn)
{
	auto p = make("g/p.so", 0775);
	// The file's group is our primary group (a user private group): fine.
	if (::getegid() == ::getgid()) {
		ASSERT_EQ(::chown(p.c_str(), -1, ::getgid()), 0);
		EXPECT_EQ(check(p), std::nullopt);
	}
	if (::geteuid() != 0)
		GTEST_SKIP() << "changing a file's group to another needs root";
	ASSERT_EQ(::chown(p.c_str(), -1, 4242), 0);
	auto why = check(p);
	ASSERT_TRUE(why);
	EXPECT_NE(why->find("is writable by other users (mode 0775)"), std::string::npos) << *why;
	fs::permissions(p, fs::perms(0755));
	ASSERT_EQ(::chown(p.parent_path().c_str(), -1, 4242), 0);
	fs::permissions(p.parent_path(), fs::perms(0775));
	why = check(p);
	ASSERT_TRUE(why);
	EXPECT_NE(why->find("is writable by group 4242 (mode 0775)"), std::string::npos) << *why;
}

TEST_F(TrustTest, FileOrDirectoryOwnedByAnotherUserIsRefused)
{
	if (::geteuid() != 0)
		GTEST_SKIP() << "giving a file to another user needs root";
	auto p = make("o/p.so");
	ASSERT_EQ(::chown(p.c_str(), 1234, -1), 0);
	auto why = check(p);
	ASSERT_TRUE(why);
	EXPECT_NE(why->find("file '" + p.string() +
			    "' is owned by uid 1234, neither root nor "
			    "this user"),
		  std::string::npos)
		<< *why;
	ASSERT_EQ(::chown(p.c_str(), 0, -1), 0);
	ASSERT_EQ(::chown(p.parent_path().c_str(), 1234, -1), 0);
	why = check(p);
	ASSERT_TRUE(why);
	EXPECT_NE(why->find("directory '" + p.parent_path().string() + "' is owned by uid 1234"),
		  std::string::npos)
		<< *why;
	// Checked for another user: root's files are trusted, that user's own too.
	EXPECT_EQ(pluginDistrust(p.string(), 1234, {}), std::nullopt);
}

TEST_F(TrustTest, LinkIntoAWorldWritableDirectoryIsRefused)
{
	auto target = make("evil/p.so", 0755, 0777);
	fs::create_directories(root_ / "plugins");
	fs::create_symlink(target, root_ / "plugins/p.so");
	auto why = check(root_ / "plugins/p.so");
	ASSERT_TRUE(why);
	EXPECT_NE(why->find("directory '" + (root_ / "evil").string() + "' is world-writable"),
		  std::string::npos)
		<< *why;
	// And a link in a world-writable dir to a good file: the link can be re-pointed.
	auto good = make("good/p.so");
	fs::create_symlink(good, root_ / "evil/link.so");
	why = check(root_ / "evil/link.so");
	ASSERT_TRUE(why);
	EXPECT_NE(why->find("'" + (root_ / "evil").string() + "' is world-writable"),
		  std::string::npos)
		<< *why;
}

TEST_F(TrustTest, TrustedPathsAreLoadedAsTheyAre)
{
	auto p = make("shared/p.so", 0777, 0777);
	EXPECT_TRUE(check(p));
	EXPECT_EQ(check(p, {(root_ / "shared").string()}), std::nullopt);
	EXPECT_EQ(check(p, {(root_ / "shared/").string()}), std::nullopt);
	EXPECT_EQ(check(p, {p.string()}), std::nullopt);
	EXPECT_TRUE(check(p, {(root_ / "shared/other.so").string()}));
	EXPECT_TRUE(check(p, {(root_ / "sha").string()})) << "a prefix of a name is no parent";
}

TEST_F(TrustTest, MissingFileIsRefusedWithTheReason)
{
	auto why = check(root_ / "none.so");
	ASSERT_TRUE(why);
	EXPECT_NE(why->find("No such file"), std::string::npos) << *why;
}

TEST_F(TrustTest, OneCheckerForAScanGivesEachFileItsOwnVerdict)
{
	// The loader checks every file of a scan with one PluginTrust, which remembers directory
	// verdicts: a refused directory refuses every file below it, and only those.
	auto ok1 = make("shared/a/p.so");
	auto ok2 = make("shared/b/p.so");
	auto bad = make("shared/ww/p.so", 0755, 0777);
	auto bad2 = root_ / "shared/ww/q.so";
	std::ofstream(bad2) << "not really ELF";
	fs::permissions(bad2, fs::perms(0755));
	PluginTrust trust(::geteuid(), {});
	for (int round = 0; round < 2; ++round) {
		EXPECT_EQ(trust.distrust(ok1.string()), std::nullopt);
		EXPECT_EQ(trust.distrust(bad.string()), check(bad));
		EXPECT_EQ(trust.distrust(ok2.string()), std::nullopt);
		EXPECT_EQ(trust.distrust(bad2.string()), check(bad2));
		ASSERT_TRUE(trust.distrust(bad2.string()));
	}
	// The canonical path a caller already has is used as given.
	std::string canon = fs::canonical(ok1).string();
	EXPECT_EQ(trust.distrust(ok1.string(), &canon), std::nullopt);
	// Trusted paths are read once, when the checker is made.
	PluginTrust trusting(::geteuid(), {(root_ / "shared/ww").string()});
	EXPECT_EQ(trusting.distrust(bad.string()), std::nullopt);
	EXPECT_EQ(trusting.distrust(ok2.string()), std::nullopt);
}

} // namespace
} // namespace tb
