// SPDX-License-Identifier: Apache-2.0
// Run a program (no shell) and keep what it printed: the tests' one way to start a peer tool
// or tb itself when they need its output.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tb::testing {

/// \brief What a program printed and how it ended.
struct Captured {
	int status = -1; ///< exit code; -1 when killed by a signal or not started
	std::string out;
	std::string err;
};

namespace detail {
inline std::string slurpFile(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream ss;
	ss << in.rdbuf();
	return ss.str();
}
} // namespace detail

/// \brief Run \a argv (looked up on PATH) with \a env entries "K=V" added to its environment
/// and \a input on its stdin (/dev/null when empty); stdout and stderr are captured.
inline Captured runCapture(const std::vector<std::string> &argv,
			   const std::vector<std::string> &env = {}, const std::string &input = {})
{
	Captured r;
	char tmpl[] = "/tmp/tb-run-XXXXXX";
	if (!::mkdtemp(tmpl))
		return r;
	std::string dir = tmpl, in = dir + "/in", out = dir + "/out", err = dir + "/err";
	std::ofstream(in, std::ios::binary) << input;
	pid_t pid = ::fork();
	if (pid == 0) {
		int i = ::open(input.empty() ? "/dev/null" : in.c_str(), O_RDONLY);
		int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (i < 0 || o < 0 || e < 0)
			::_exit(126);
		::dup2(i, 0);
		::dup2(o, 1);
		::dup2(e, 2);
		for (const auto &kv : env)
			::putenv(const_cast<char *>(kv.c_str()));
		std::vector<char *> args;
		for (const auto &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		::execvp(args[0], args.data());
		::_exit(127);
	}
	int status = 0;
	if (pid > 0 && ::waitpid(pid, &status, 0) == pid)
		r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r.out = detail::slurpFile(out);
	r.err = detail::slurpFile(err);
	for (const auto &f : {in, out, err})
		::unlink(f.c_str());
	::rmdir(dir.c_str());
	return r;
}

} // namespace tb::testing
