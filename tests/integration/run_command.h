// SPDX-License-Identifier: Apache-2.0
// Run a shell command in tests and capture its exit code, stdout and stderr.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace tb::testing {

struct Output {
	int rc = -1;
	std::string out;
	std::string err;
};

inline std::string slurp(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

/// \brief Run \a cmd with /bin/sh; stdout and stderr go through temp files.
inline Output run(const std::string &cmd)
{
	namespace fs = std::filesystem;
	std::string base =
		(fs::temp_directory_path() / ("tb-run-" + std::to_string(::getpid()))).string();
	std::string full = "(" + cmd + ") >" + base + ".out 2>" + base + ".err </dev/null";
	int status = std::system(full.c_str());
	Output o;
	o.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	o.out = slurp(base + ".out");
	o.err = slurp(base + ".err");
	fs::remove(base + ".out");
	fs::remove(base + ".err");
	return o;
}

/// \brief Quote \a s for /bin/sh.
inline std::string shq(const std::string &s)
{
	std::string out = "'";
	for (char c : s)
		out += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return out + "'";
}

inline std::string envOr(const char *name, const std::string &fallback = "")
{
	const char *v = std::getenv(name);
	return v ? v : fallback;
}

} // namespace tb::testing
