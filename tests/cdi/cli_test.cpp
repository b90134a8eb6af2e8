// SPDX-License-Identifier: Apache-2.0
// `tb cdi generate|validate` as a user runs them: stdout, --output files (atomic, 0644 under
// any umask, directory naming), formats, exit codes and messages.
#include <gtest/gtest.h>

#include <cstdio>

#include <sys/stat.h>
#include <sys/wait.h>

#include "cdi_test_util.h"

using namespace tb::test;

namespace {

struct Out {
	int rc = -1;
	std::string out, err;
};

// `sh -c "<prefix> tb ARGS"`, stdout and stderr captured through files.
Out runTb(const std::string &args, const std::string &prefix = "")
{
	TempDir t;
	std::string cmd = prefix + " '" + env("TB_EXE") + "' " + args + " >" + (t / "out") + " 2>" +
			  (t / "err");
	int st = std::system(cmd.c_str());
	return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(t / "out"), slurp(t / "err")};
}

std::string host(const std::string &name)
{
	return "--host-root '" + fixtureHost(name) + "'";
}

std::string golden(const std::string &name)
{
	return slurp(env("TB_GOLDEN_DIR") + "/cdi/" + name);
}

} // namespace

TEST(CdiCli, GenerateToStdout)
{
	auto o = runTb(host("t4-proprietary") + " cdi generate");
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_EQ(o.out, golden("t4-proprietary-default.json"));
	EXPECT_EQ(o.err, "");
	auto y = runTb(host("h100x8-open-mig") + " cdi generate --format yaml");
	EXPECT_EQ(y.rc, 0) << y.err;
	EXPECT_EQ(y.out, golden("h100x8-open-mig-default.yaml"));
	auto g = runTb(host("mi300x-mi210") + " cdi generate --profile gaming --vendor amd");
	EXPECT_EQ(g.rc, 0) << g.err;
	EXPECT_EQ(g.out, golden("mi300x-mi210-gaming.json"));
}

TEST(CdiCli, OutputIsAtomic0644AndNamedByKind)
{
	TempDir t;
	std::string dir = t / "cdi";
	::mkdir(dir.c_str(), 0755);
	auto o = runTb(host("t4-proprietary") + " cdi generate --output '" + dir + "'",
		       "umask 077;");
	ASSERT_EQ(o.rc, 0) << o.err;
	std::string file = dir + "/nvidia.com-gpu.json";
	EXPECT_EQ(o.err, "Generated CDI spec nvidia.com/gpu (cdiVersion 0.6.0) in " + file + "\n");
	struct stat st;
	ASSERT_EQ(::stat(file.c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0644u); // rootless runtimes read it whatever the umask
	EXPECT_EQ(slurp(file), golden("t4-proprietary-default.json"));
	EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1); // no temp left

	// A .yaml file name picks the format; an existing file is replaced.
	std::string y = t / "spec.yaml";
	spit(y, "old");
	auto w = runTb(host("h100x8-open-mig") + " cdi generate -o '" + y + "'");
	ASSERT_EQ(w.rc, 0) << w.err;
	EXPECT_EQ(slurp(y), golden("h100x8-open-mig-default.yaml"));
}

TEST(CdiCli, PrefixedHostPaths)
{
	auto o = runTb(host("t4-proprietary") +
		       " cdi generate --host-paths prefixed --device-names index");
	ASSERT_EQ(o.rc, 0) << o.err;
	std::string root = fixtureHost("t4-proprietary");
	EXPECT_NE(o.out.find("\"hostPath\": \"" + root + "/dev/nvidia0\""), std::string::npos);
	EXPECT_NE(
		o.out.find("\"hostPath\": \"" + root +
			   "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.14\",\n"
			   "        \"containerPath\": \"/usr/lib/x86_64-linux-gnu/libcuda.so.1\""),
		std::string::npos)
		<< o.out;
	EXPECT_EQ(o.out.find("GPU-6a1f"), std::string::npos); // index names only
}

TEST(CdiCli, GenerateErrors)
{
	auto none = runTb(host("no-gpu") + " cdi generate");
	EXPECT_EQ(none.rc, 1);
	EXPECT_EQ(none.err, "tb: cdi generate: no GPU found on this host\n");
	EXPECT_EQ(none.out, "");
	auto vendor = runTb(host("t4-proprietary") + " cdi generate --vendor acme");
	EXPECT_EQ(vendor.rc, 2);
	auto many = runTb(host("t4-proprietary") + " cdi generate --max-cdi-version 0.4.0");
	EXPECT_EQ(many.rc, 2);
	EXPECT_EQ(
		many.err,
		"tb: cdi generate: nvidia.com/gpu: the spec needs cdiVersion 0.5.0 (digit-leading "
		"device names or hostPath), more than 0.4.0\n");
}

TEST(CdiCli, ValidateReportsEveryProblemAndExits1)
{
	TempDir t;
	std::string good = t / "good.json", bad = t / "bad.yaml";
	spit(good, golden("t4-proprietary-default.json"));
	spit(bad, "cdiVersion: 0.3.0\nkind: nvidia.com/gpu\ndevices:\n- name: \"0\"\n"
		  "  containerEdits:\n    env: [\"BROKEN\"]\n    hooks:\n"
		  "    - hookName: createContainer\n      path: nvidia-cdi-hook\n");
	auto ok = runTb("cdi validate '" + good + "'");
	EXPECT_EQ(ok.rc, 0) << ok.err;
	EXPECT_EQ(ok.out, good + ": ok\n");
	auto v = runTb("cdi validate '" + good + "' '" + bad + "' '" + (t / "missing.json") + "'");
	EXPECT_EQ(v.rc, 1);
	EXPECT_EQ(v.out,
		  good + ": ok\n" + bad +
			  ": $.devices[0].containerEdits.env[0]: not of the form NAME=value: "
			  "\"BROKEN\"\n" +
			  bad +
			  ": $.devices[0].containerEdits.hooks[0].path: hook path "
			  "\"nvidia-cdi-hook\" is not absolute\n" +
			  bad +
			  ": $.cdiVersion: version 0.3.0 is too old for the fields used: at "
			  "least 0.5.0 is needed\n");
	EXPECT_EQ(v.err.rfind(t / "missing.json: ", 0), 0u) << v.err;
}

// A spec dir's path is the user's and may hold any byte: `cdi list --json` escaped only '"'
// and '\\', so a control character in a path made the document invalid JSON, and the table
// printed it raw.
TEST(CdiCli, ListEscapesControlCharacters)
{
	TempDir t;
	std::string odd = t / "odd\x01"
			      "dir"; // (a hex escape takes every hex digit)
	spit(odd + "/nvidia.json", golden("t4-proprietary-default.json"));
	spit(t / "nvbind.toml", "[cdi]\nspec_dirs = [\"" + (t / "odd\\u0001dir") + "\"]\n");
	auto j = runTb("--config '" + (t / "nvbind.toml") + "' cdi list --json");
	ASSERT_EQ(j.rc, 0) << j.err;
	EXPECT_NE(j.out.find("\"file\": \"" + (t / "odd\\u0001dir/nvidia.json") + "\""),
		  std::string::npos)
		<< j.out;
	EXPECT_EQ(j.out.find('\x01'), std::string::npos) << j.out;
	// The table too (a terminal would take the raw byte as a control code).
	auto o = runTb("--config '" + (t / "nvbind.toml") + "' cdi list");
	ASSERT_EQ(o.rc, 0) << o.err;
	EXPECT_NE(o.out.find("nvidia.com/gpu=all"), std::string::npos) << o.out;
	EXPECT_EQ(o.out.find('\x01'), std::string::npos) << o.out;
}

TEST(CdiCli, ListReadsTheConfiguredSpecDirs)
{
	TempDir t;
	spit(t / "a/nvidia.json", golden("t4-proprietary-default.json"));
	spit(t / "b/nvidia.yaml", golden("h100x8-open-mig-default.yaml"));
	spit(t / "b/broken.json", "{");
	spit(t / "nvbind.toml",
	     "[cdi]\nspec_dirs = [\"" + (t / "a") + "\", \"" + (t / "b") + "\"]\n");
	auto o = runTb("--config '" + (t / "nvbind.toml") + "' cdi list");
	ASSERT_EQ(o.rc, 0) << o.err;
	// Only this test's dirs: /etc/cdi and /var/run/cdi are the machine's.
	std::string mine;
	std::istringstream lines(o.out);
	for (std::string l; std::getline(lines, l);)
		if (l.find(t.path()) != std::string::npos)
			mine += l.substr(0, l.find(' ')) +
				(l.find("overridden") != std::string::npos ? " overridden" : "") +
				"\n";
	// Same names in a later dir override the earlier spec's; other names just add up.
	EXPECT_EQ(mine.substr(0, mine.find("nvidia.com/gpu=0:1")),
		  "nvidia.com/gpu=0 overridden\nnvidia.com/gpu=0\nnvidia.com/gpu=0:0\n");
	EXPECT_NE(mine.find("nvidia.com/gpu=GPU-6a1f6c3e-6d0b-4c4e-9f0a-2b1f3c5d7e90\n"),
		  std::string::npos)
		<< mine;
	EXPECT_NE(mine.find("nvidia.com/gpu=all overridden\nnvidia.com/gpu=all\n"),
		  std::string::npos)
		<< mine;
	EXPECT_NE(o.err.find((t / "b/broken.json") + ": not valid JSON"), std::string::npos)
		<< o.err;
	auto j = runTb("--config '" + (t / "nvbind.toml") + "' cdi list --json");
	ASSERT_EQ(j.rc, 0) << j.err;
	EXPECT_NE(j.out.find("{\"name\": \"nvidia.com/gpu=all\", \"file\": \"" +
			     (t / "b/nvidia.yaml") + "\", \"conflict\": null}"),
		  std::string::npos)
		<< j.out;
}
