// SPDX-License-Identifier: Apache-2.0
// Containment: `tb --host-root HOST info --json` under an LD_PRELOAD interposer that logs every
// path given to libc. Nothing below /sys, /proc, /dev, /usr, /etc, /lib, ... outside HOST may
// be touched, for every fixture host.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

namespace fsys = std::filesystem;

std::string env(const char *name)
{
	const char *v = std::getenv(name);
	return v ? v : "";
}

struct Log {
	std::vector<std::string> in, out;
	int exitCode = -1;
};

/// Run tb with \a args under the interposer, which treats \a root as the host root.
Log run(const std::string &root, const std::string &args, const std::string &config)
{
	fsys::path dir = fsys::temp_directory_path() / ("tb-contain-" + std::to_string(::getpid()));
	fsys::create_directories(dir);
	fsys::path log = dir / "log", cfg = dir / "nvbind.toml";
	fsys::remove(log);
	// An explicit config: no config-file search in /etc, no system plugin dir in /usr.
	std::ofstream(cfg) << "[core]\nsystem_plugins = false\n" << config;
	std::string cmd = "TB_CONTAINMENT_LOG='" + log.string() + "' TB_CONTAINMENT_ROOT='" + root +
			  "' LD_PRELOAD='" + env("TB_CONTAINMENT_LIB") + "' '" + env("TB_EXE") +
			  "' --config '" + cfg.string() + "' " + args + " >/dev/null 2>&1";
	Log r;
	int status = std::system(cmd.c_str());
	r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	std::ifstream in(log);
	for (std::string line; std::getline(in, line);) {
		if (line.rfind("in ", 0) == 0)
			r.in.push_back(line.substr(3));
		else if (line.rfind("out ", 0) == 0)
			r.out.push_back(line.substr(4));
	}
	fsys::remove_all(dir);
	return r;
}

std::string lines(const std::vector<std::string> &v)
{
	std::string s;
	for (size_t i = 0; i < v.size() && i < 40; ++i)
		s += "  " + v[i] + "\n";
	return s;
}

bool any(const std::vector<std::string> &v, const std::string &needle)
{
	for (auto &s : v)
		if (s.find(needle) != std::string::npos)
			return true;
	return false;
}

class Containment : public ::testing::TestWithParam<const char *> {};

TEST_P(Containment, InfoReadsNothingOutsideTheHostRoot)
{
	std::string root = env("TB_FIXTURE_HOSTS") + "/" + GetParam();
	Log r = run(root, "--host-root '" + root + "' info --json", "");
	EXPECT_NE(r.exitCode, -1);
	// The interposer saw the probes at work ...
	EXPECT_TRUE(any(r.in, root + "/sys/")) << lines(r.in);
	EXPECT_TRUE(any(r.in, root + "/proc/")) << lines(r.in);
	// ... and none of them left the root.
	EXPECT_TRUE(r.out.empty()) << r.out.size() << " paths outside " << root << ":\n"
				   << lines(r.out);
}

INSTANTIATE_TEST_SUITE_P(Hosts, Containment,
			 ::testing::Values("no-gpu", "t4-proprietary", "h100x8-open-mig",
					   "mi300x-mi210", "arc-xe", "wsl2", "nouveau",
					   "broken-nvidia"),
			 [](const auto &p) {
				 std::string n = p.param;
				 for (auto &c : n)
					 c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
				 return n;
			 });

// The detector works: probing the real root is seen as leaving the fixture root.
TEST(ContainmentControl, RealRootIsSeenAsOutside)
{
	std::string root = env("TB_FIXTURE_HOSTS") + "/no-gpu";
	Log r = run(root, "--host-root / info --json", "");
	EXPECT_TRUE(any(r.out, "/sys/")) << lines(r.out);
	EXPECT_TRUE(any(r.out, "/proc/")) << lines(r.out);
}

// nvml = "always" deliberately asks this machine's NVML, outside the root; auto does not.
TEST(ContainmentControl, NvmlAlwaysLeavesTheRoot)
{
	std::string root = env("TB_FIXTURE_HOSTS") + "/t4-proprietary";
	Log r = run(root, "--host-root '" + root + "' info --json",
		    "[plugins.\"probe.nvidia\"]\nnvml = \"always\"\n");
	EXPECT_TRUE(any(r.out, "dlopen(libnvidia-ml.so.1)")) << lines(r.out);
}

} // namespace
