// SPDX-License-Identifier: Apache-2.0
// Golden files: the built `tb info --json --host-root HOST` for every fixture host, plus the
// human views and `tb wsl2 check`. TB_UPDATE_GOLDEN=1 rewrites the golden files.
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

struct TbRun {
	std::string out;
	int exitCode = -1;
};

std::string env(const char *name)
{
	const char *v = std::getenv(name);
	return v ? v : "";
}

// Arguments are fixed test strings without shell metacharacters except the quoted root.
TbRun tb(const std::string &args)
{
	std::string cmd = "'" + env("TB_EXE") + "' " + args + " 2>/dev/null";
	TbRun r;
	FILE *p = ::popen(cmd.c_str(), "r");
	if (!p)
		return r;
	std::array<char, 4096> buf;
	size_t n;
	while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0)
		r.out.append(buf.data(), n);
	int status = ::pclose(p);
	r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return r;
}

std::string hostRoot(const std::string &name)
{
	return "--host-root '" + env("TB_FIXTURE_HOSTS") + "/" + name + "'";
}

// `tb ARGS` with TB_PLUGIN_PATH pointing at no plugins (restored afterwards).
TbRun tbWithoutPlugins(const std::string &args)
{
	std::string saved = env("TB_PLUGIN_PATH");
	::setenv("TB_PLUGIN_PATH", "/nonexistent", 1);
	TbRun r = tb(args);
	::setenv("TB_PLUGIN_PATH", saved.c_str(), 1);
	return r;
}

namespace fsys = std::filesystem;

// A private copy of the wsl2 fixture host, for tests that edit it; removed with its contents.
class Wsl2Copy {
public:
	Wsl2Copy() : root_(fsys::temp_directory_path() / ("tb-wsl2-" + std::to_string(::getpid())))
	{
		fsys::copy(env("TB_FIXTURE_HOSTS") + "/wsl2", root_,
			   fsys::copy_options::recursive | fsys::copy_options::copy_symlinks);
	}
	~Wsl2Copy() { fsys::remove_all(root_); }
	Wsl2Copy(const Wsl2Copy &) = delete;
	Wsl2Copy &operator=(const Wsl2Copy &) = delete;

	const fsys::path &root() const { return root_; }
	TbRun wsl2Check() const { return tb("--host-root '" + root_.string() + "' wsl2 check"); }

private:
	fsys::path root_;
};

class InfoGolden : public ::testing::TestWithParam<std::pair<const char *, int>> {};

TEST_P(InfoGolden, JsonMatchesGoldenFile)
{
	auto [name, expectedExit] = GetParam();
	TbRun r = tb(hostRoot(name) + " info --json");
	EXPECT_EQ(r.exitCode, expectedExit);
	std::string golden = env("TB_GOLDEN_DIR") + "/info-" + name + ".json";
	if (env("TB_UPDATE_GOLDEN") == "1") {
		std::ofstream(golden, std::ios::trunc) << r.out;
		GTEST_SKIP() << "rewrote " << golden;
	}
	std::ifstream in(golden);
	ASSERT_TRUE(in) << "missing golden file " << golden;
	std::stringstream want;
	want << in.rdbuf();
	EXPECT_EQ(r.out, want.str()) << "tb info --json differs from " << golden
				     << " (TB_UPDATE_GOLDEN=1 rewrites it after review)";
}

INSTANTIATE_TEST_SUITE_P(Hosts, InfoGolden,
			 ::testing::Values(std::pair{"no-gpu", 0}, std::pair{"t4-proprietary", 0},
					   std::pair{"h100x8-open-mig", 0},
					   std::pair{"mi300x-mi210", 0}, std::pair{"arc-xe", 0},
					   std::pair{"wsl2", 0}, std::pair{"nouveau", 0},
					   std::pair{"broken-nvidia", 1}),
			 [](const auto &param) {
				 std::string n = param.param.first;
				 for (auto &c : n)
					 c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
				 return n;
			 });

TEST(InfoHuman, NoGpusSaysSoAndSucceeds)
{
	TbRun r = tb(hostRoot("no-gpu") + " info");
	EXPECT_EQ(r.exitCode, 0);
	EXPECT_NE(r.out.find("No GPUs found."), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("Driver: none"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("WSL2: no"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("Libraries: 0"), std::string::npos) << r.out;
}

TEST(InfoHuman, TableHasOneRowPerGpu)
{
	TbRun r = tb(hostRoot("h100x8-open-mig") + " info");
	EXPECT_EQ(r.exitCode, 0);
	size_t rows = 0;
	for (size_t p = 0; (p = r.out.find("NVIDIA H100 80GB HBM3", p)) != std::string::npos; ++p)
		++rows;
	EXPECT_EQ(rows, 8u) << r.out;
	EXPECT_NE(r.out.find("Driver: nvidia 550.54.14 (open)"), std::string::npos) << r.out;
}

TEST(InfoHuman, DetailedShowsNodesPartitionsLibrariesTopology)
{
	TbRun r = tb(hostRoot("h100x8-open-mig") + " info --detailed");
	EXPECT_EQ(r.exitCode, 0);
	for (const char *want :
	     {"Partition:  gi1/ci0", "/dev/nvidia-caps/nvidia-cap12 (c 511:12 0444)",
	      "/dev/nvidia-caps-imex-channels/channel2047 (c 507:2047 0666)",
	      "Node:       /dev/nvidia0 (c 195:0 0666)",
	      "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.14",
	      "Topology:   /sys/devices/pci0000:00/0000:18:00.0",
	      "Probe amd: skip (amdgpu driver not loaded: no /sys/module/amdgpu"})
		EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
}

TEST(InfoHuman, BrokenInstallReportsAndFails)
{
	TbRun r = tb(hostRoot("broken-nvidia") + " info");
	EXPECT_EQ(r.exitCode, 1);
	EXPECT_NE(r.out.find("error: probe nvidia failed: broken NVIDIA install"),
		  std::string::npos)
		<< r.out;
}

TEST(InfoHuman, NoProbePluginIsAnErrorNotNoGpus)
{
	TbRun r = tbWithoutPlugins(hostRoot("no-gpu") + " info");
	EXPECT_EQ(r.exitCode, 1);
}

TEST(Wsl2Check, ReadyHost)
{
	TbRun r = tb(hostRoot("wsl2") + " wsl2 check");
	EXPECT_EQ(r.exitCode, 0) << r.out;
	EXPECT_NE(r.out.find("WSL2: yes (detected by /dev/dxg)"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("present  required  dxg"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("Ready for GPU containers"), std::string::npos) << r.out;
}

TEST(Wsl2Check, MissingPiecesAreNamed)
{
	Wsl2Copy host;
	fsys::remove(host.root() / "usr/lib/wsl/lib/libdxcore.so");
	TbRun r = host.wsl2Check();
	EXPECT_EQ(r.exitCode, 1) << r.out;
	EXPECT_NE(r.out.find("missing  required  dxcore       /usr/lib/wsl/lib/libdxcore.so"),
		  std::string::npos)
		<< r.out;
	EXPECT_NE(r.out.find("Not ready: 1 required item(s) missing."), std::string::npos) << r.out;
}

// /usr/lib/wsl/drivers without an NVIDIA store (libcuda.so.1.1) is no driver store.
TEST(Wsl2Check, EmptyDriversDirIsNoDriverStore)
{
	Wsl2Copy host;
	fsys::path drivers = host.root() / "usr/lib/wsl/drivers";
	for (auto &e : fsys::directory_iterator(drivers))
		fsys::remove_all(e.path());
	TbRun r = host.wsl2Check();
	// Intel's store alone is not enough either.
	fsys::create_directories(drivers / "iigd_dch.inf_amd64_0a3b5c7d9e1f2a4b");
	std::ofstream(drivers / "iigd_dch.inf_amd64_0a3b5c7d9e1f2a4b/libigdgmm.so.12");
	TbRun intel = host.wsl2Check();
	for (auto &run : {r, intel}) {
		EXPECT_EQ(run.exitCode, 1) << run.out;
		EXPECT_NE(run.out.find("missing  required  driverStore  "
				       "/usr/lib/wsl/drivers/*/libcuda.so.1.1"),
			  std::string::npos)
			<< run.out;
		EXPECT_NE(run.out.find("NVIDIA driver store: -"), std::string::npos) << run.out;
		EXPECT_NE(run.out.find("Not ready: 1 required item(s) missing."), std::string::npos)
			<< run.out;
	}
}

// The exit codes docs/cli.md documents for `tb info`.
TEST(InfoHuman, UsageErrorsExitTwo)
{
	EXPECT_EQ(tb(hostRoot("no-gpu") + " info --bogus").exitCode, 2);
	EXPECT_EQ(tb("--host-root /nonexistent/tb-host info").exitCode, 2);
}

TEST(InfoHuman, JsonWithoutProbePluginsIsPrintedAndFails)
{
	TbRun r = tbWithoutPlugins(hostRoot("no-gpu") + " info --json");
	EXPECT_EQ(r.exitCode, 1);
	EXPECT_NE(r.out.find("\"probes\": []"), std::string::npos) << r.out;
}

TEST(Wsl2Check, NotWsl2)
{
	TbRun r = tb(hostRoot("t4-proprietary") + " wsl2 check");
	EXPECT_EQ(r.exitCode, 1);
	EXPECT_NE(r.out.find("WSL2: no (not a WSL2 host: no /dev/dxg"), std::string::npos) << r.out;
}

} // namespace
