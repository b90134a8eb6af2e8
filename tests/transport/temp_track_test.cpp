// SPDX-License-Identifier: Apache-2.0
// Temps are listed with the signal cleanup before they exist: a SIGTERM right after creation
// (the window mkstemp-then-track left open) still removes them.
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tb/cleanup.h>

#include "tbsupport/temp_track.h"

namespace {

namespace fs = std::filesystem;
using tb::support::createTracked;
using tb::support::TempTrack;

class TempTrackTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		char tmpl[] = "/tmp/tb-temp-track-XXXXXX";
		ASSERT_NE(::mkdtemp(tmpl), nullptr);
		dir = tmpl;
	}
	void TearDown() override { fs::remove_all(dir); }
	// Creates a temp in a child that then kills itself with SIGTERM at once; the temp's path.
	std::string createAndDie(bool isDir)
	{
		int fds[2];
		EXPECT_EQ(::pipe(fds), 0);
		pid_t pid = ::fork();
		if (pid == 0) {
			tb::removeTemporariesOnSignals();
			std::string t = dir + "/.tb-x-XXXXXX";
			TempTrack track;
			if (createTracked(t, track, isDir) < 0)
				::_exit(3);
			if (::write(fds[1], t.data(), t.size()) != static_cast<ssize_t>(t.size()))
				::_exit(4);
			::raise(SIGTERM);
			::_exit(5);
		}
		::close(fds[1]);
		char buf[4096];
		ssize_t n = ::read(fds[0], buf, sizeof buf);
		::close(fds[0]);
		int st = 0;
		::waitpid(pid, &st, 0);
		EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) << "child status " << st;
		return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
	}
	std::string dir;
};

TEST_F(TempTrackTest, FileIsCreatedPrivateAndUnique)
{
	std::string a = dir + "/.tb-a-XXXXXX", b = a;
	TempTrack ta, tbk;
	int fa = createTracked(a, ta, false), fb = createTracked(b, tbk, false);
	ASSERT_GE(fa, 0);
	ASSERT_GE(fb, 0);
	EXPECT_NE(a, b);
	EXPECT_EQ(a.find("XXXXXX"), std::string::npos);
	struct stat st {};
	ASSERT_EQ(::fstat(fa, &st), 0);
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(st.st_mode & 0077, 0u) << "others must not read a temp being written";
	::close(fa);
	::close(fb);
}

TEST_F(TempTrackTest, DirectoryIsCreated)
{
	std::string d = dir + "/.tb-d-XXXXXX";
	TempTrack t;
	ASSERT_EQ(createTracked(d, t, true), 0);
	EXPECT_TRUE(fs::is_directory(d));
}

TEST_F(TempTrackTest, TemplateWithoutXsIsRefused)
{
	std::string bad = dir + "/.tb-no-template";
	TempTrack t;
	EXPECT_EQ(createTracked(bad, t, false), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_FALSE(fs::exists(bad));
}

TEST_F(TempTrackTest, SigtermRightAfterCreationRemovesTheFile)
{
	std::string path = createAndDie(false);
	ASSERT_FALSE(path.empty());
	EXPECT_FALSE(fs::exists(path)) << path << " outlived SIGTERM";
}

TEST_F(TempTrackTest, SigtermRightAfterCreationRemovesTheDirectory)
{
	std::string path = createAndDie(true);
	ASSERT_FALSE(path.empty());
	EXPECT_FALSE(fs::exists(path)) << path << " outlived SIGTERM";
}

} // namespace
