// SPDX-License-Identifier: Apache-2.0
// The store tests drive real tb processes: a private store, TMPDIR and plugin path each.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tb::test {

namespace fs = std::filesystem;

inline std::string envOr(const char *name, const std::string &fallback = "")
{
	const char *v = std::getenv(name);
	return v && *v ? v : fallback;
}

inline std::string shq(const std::string &s)
{
	std::string out = "'";
	for (char c : s)
		out += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return out + "'";
}

inline std::string slurp(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

struct TbRun {
	int status = -1; ///< exit code, or 128 + signal
	std::string out; ///< stdout and stderr
};

/// \brief A scratch directory with a store ($XDG_DATA_HOME/tb/store) and a TMPDIR of its own.
class Sandbox {
public:
	Sandbox()
	{
		std::string t = (fs::temp_directory_path() / "tb-store-test-XXXXXX").string();
		root_ = ::mkdtemp(t.data()) ? t : "";
		fs::create_directories(root_ + "/tmp");
	}
	~Sandbox()
	{
		std::error_code ec;
		fs::remove_all(root_, ec);
	}
	const std::string &root() const { return root_; }
	std::string operator/(const std::string &rel) const { return root_ + "/" + rel; }
	std::string store() const { return root_ + "/data/tb/store"; }
	std::string tmp() const { return root_ + "/tmp"; }

	/// \brief The command line prefix running tb in this sandbox.
	std::string tb() const
	{
		return "env XDG_DATA_HOME=" + shq(root_ + "/data") + " TMPDIR=" + shq(tmp()) +
		       " TB_PLUGIN_PATH=" + shq(envOr("TB_STORE_PLUGIN_PATH")) + " " +
		       shq(envOr("TB_EXE", "tb"));
	}

	/// \brief Run `tb ARGS` to its end.
	TbRun run(const std::string &args) const
	{
		std::string log = root_ + "/run.log";
		int st = std::system(
			(tb() + " " + args + " >" + shq(log) + " 2>&1 </dev/null").c_str());
		TbRun r;
		r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		r.out = slurp(log);
		return r;
	}

	/// \brief Start `tb ARGS` in the background. \return its pid (tb itself: the shell execs)
	pid_t spawn(const std::string &args) const
	{
		std::string cmd = "exec " + tb() + " " + args + " >/dev/null 2>&1 </dev/null";
		pid_t pid = ::fork();
		if (pid == 0) {
			::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char *>(nullptr));
			::_exit(127);
		}
		return pid;
	}

private:
	std::string root_;
};

/// \brief Names in \a dir starting with \a prefix.
inline std::vector<std::string> entriesWithPrefix(const std::string &dir, const std::string &prefix)
{
	std::vector<std::string> out;
	std::error_code ec;
	for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
		if (it->path().filename().string().starts_with(prefix))
			out.push_back(it->path().filename().string());
	return out;
}

/// \brief Wait (up to 60 s) until \a dir holds a name starting with \a prefix.
inline bool waitFor(const std::string &dir, const std::string &prefix)
{
	for (int i = 0; i < 6000; ++i) {
		if (!entriesWithPrefix(dir, prefix).empty())
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	return false;
}

/// \brief Signal \a pid and reap it. \return its wait status
inline int killAndReap(pid_t pid, int sig)
{
	::kill(pid, sig);
	int st = 0;
	::waitpid(pid, &st, 0);
	return st;
}

/// \brief The pid of a process that has exited (for temp names of a dead owner).
inline pid_t deadPid()
{
	pid_t pid = ::fork();
	if (pid == 0)
		::_exit(0);
	int st = 0;
	::waitpid(pid, &st, 0);
	return pid;
}

} // namespace tb::test
