// SPDX-License-Identifier: Apache-2.0
// `tb run` as a user runs it: third-party runtimes by name, dry runs, exit codes and signals
// through a stand-in runtime, Bolt's two forms through fake-bolt, the Boltfile, docker
// without a daemon.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_command.h"

extern char **environ;

namespace tb::testing {
namespace {

namespace fs = std::filesystem;

class RunCli : public ::testing::Test {
protected:
	void SetUp() override
	{
		std::string tmpl = (fs::temp_directory_path() / "tb-run-cli-XXXXXX").string();
		tmp_ = ::mkdtemp(tmpl.data());
		tb_ = envOr("TB_EXE");
		scripts_ = envOr("TB_RUNTIME_TESTS");
		log_ = tmp_ + "/argv";
		config("");
	}
	void TearDown() override { fs::remove_all(tmp_); }

	void config(const std::string &toml)
	{
		std::ofstream(tmp_ + "/nvbind.toml")
			<< "[plugins.\"runtime.podman\"]\nbinary = \"" << scripts_
			<< "/fake-runtime\"\n[plugins.\"runtime.bolt\"]\nbinary = \"" << scripts_
			<< "/fake-bolt\"\n"
			<< toml;
	}

	Output tb(const std::string &args, const std::string &env = {})
	{
		return run(env + " FAKE_RUNTIME_LOG=" + shq(log_) + " FAKE_BOLT_LOG=" + shq(log_) +
			   " " + shq(tb_) + " --config " + shq(tmp_ + "/nvbind.toml") + " " + args);
	}

	std::string tmp_, tb_, scripts_, log_;
};

TEST_F(RunCli, ThirdPartyRuntimeIsFoundByName)
{
	// tests/plugins/runtime-echo is a .so dropped on the plugin path: `run` really execs
	// its invocation (/bin/echo) and passes its output and exit code on.
	auto o = tb("run --runtime echo --gpus none -e A=1 -e 'B=two words' img cmd 'x y'");
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_EQ(o.out,
		  "run --rm --env=NVIDIA_DRIVER_CAPABILITIES=all --env=A=1 --env=B=two words "
		  "img cmd x y\n");
	EXPECT_EQ(o.err, "");
}

TEST_F(RunCli, UnknownRuntimeNamesTheLoadedOnes)
{
	auto o = tb("run --runtime nope --gpus none img");
	EXPECT_EQ(o.rc, 1);
	EXPECT_EQ(o.err, "tb: run: no runtime plugin 'nope' is loaded (loaded: bolt, docker, echo, "
			 "podman)\n");
}

TEST_F(RunCli, DryRunPrintsOneShellQuotedLine)
{
	auto o = tb("run --dry-run --runtime podman --gpus none --name 'my job' -e 'MSG=it'\\''s' "
		    "--runtime-arg=--shm-size=1g busybox sh -c 'echo \"$MSG\"'");
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_EQ(o.out, scripts_ +
				 "/fake-runtime run --rm --name 'my job' -e "
				 "NVIDIA_DRIVER_CAPABILITIES=all -e 'MSG=it'\\''s' --shm-size=1g "
				 "busybox sh -c 'echo \"$MSG\"'\n");
	EXPECT_FALSE(fs::exists(log_)) << "a dry run started the runtime";
	EXPECT_FALSE(fs::exists(log_ + ".asked")) << "a dry run asked the runtime's version";
	// The line is for a shell: reading it back gives the same words.
	std::string line = o.out.substr(o.out.find(" run "));
	line.pop_back(); // the newline
	auto back = run("set -- " + line + "; printf '%s\\n' \"$@\"");
	EXPECT_EQ(back.out, "run\n--rm\n--name\nmy job\n-e\nNVIDIA_DRIVER_CAPABILITIES=all\n-e\n"
			    "MSG=it's\n--shm-size=1g\nbusybox\nsh\n-c\necho \"$MSG\"\n");
}

TEST_F(RunCli, ConfigAndProfileEnvironmentReachTheContainer)
{
	config("[runtime]\nenvironment = { NVIDIA_DRIVER_CAPABILITIES = \"compute\", FROM_CONFIG = "
	       "\"1\" }\n[profiles.train]\nenvironment = { FROM_PROFILE = \"2\", FROM_CONFIG = "
	       "\"3\" }\nruntime_args = [\"--ipc=host\"]\n");
	auto o = tb("run --dry-run --runtime podman --gpus none --profile train -e FROM_CLI=4 img",
		    "FROM_CONFIG=client-only");
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_EQ(o.out,
		  scripts_ + "/fake-runtime run --rm -e FROM_CONFIG=3 -e "
			     "NVIDIA_DRIVER_CAPABILITIES=compute -e FROM_PROFILE=2 -e FROM_CLI=4 "
			     "--ipc=host img\n");
}

// A runtime applies a spec's env after its own -e: the profile's variables travel as -e,
// where the user's -e can still win (config < profile < -e).
TEST_F(RunCli, UserEnvWinsOverTheProfilesWithCdi)
{
	std::string host = "--host-root " + shq(envOr("TB_FIXTURE_HOSTS") + "/t4-proprietary");
	auto o = tb(host + " run --dry-run --runtime podman --profile aiml --isolation shared -e "
			   "CUDA_CACHE_MAXSIZE=1 img");
	ASSERT_EQ(o.rc, 0) << o.err;
	std::string line = o.out.substr(0, o.out.find('\n'));
	EXPECT_NE(line.find(" -e NVIDIA_DRIVER_CAPABILITIES=compute,utility "), std::string::npos)
		<< line;
	EXPECT_NE(line.find(" -e CUDA_CACHE_MAXSIZE=1 "), std::string::npos) << line;
	EXPECT_EQ(line.find("CUDA_CACHE_MAXSIZE=2147483648"), std::string::npos) << line;
	EXPECT_EQ(line.find("NVIDIA_DRIVER_CAPABILITIES=all"), std::string::npos) << line;
	EXPECT_EQ(o.out.find("CUDA_CACHE_MAXSIZE", line.size()), std::string::npos)
		<< "the spec holds a variable: " << o.out;
}

// A persistent spec ([cdi] spec_dirs here; /etc/cdi and /var/run/cdi alike) that already
// gives everything the run needs is named; no transient spec is written.
TEST_F(RunCli, PersistentSpecCoveringTheRunIsUsed)
{
	std::string root = envOr("TB_FIXTURE_HOSTS") + "/t4-proprietary";
	std::string host = "--host-root " + shq(root), specs = tmp_ + "/specs";
	fs::create_directories(specs);
	auto gen = [&](const std::string &flags) {
		auto g = tb(host + " cdi generate --host-paths prefixed --profile aiml " + flags +
			    " --output " + shq(specs + "/nvidia.json"));
		ASSERT_EQ(g.rc, 0) << g.err;
	};
	gen("--max-cdi-version 0.5.0");
	config("[cdi]\nspec_dirs = [" + shq(specs) + "]\n");
	auto first = [](const std::string &out) { return out.substr(0, out.find('\n')); };

	auto all = tb(host + " run --dry-run --runtime podman --profile aiml img");
	ASSERT_EQ(all.rc, 0) << all.err;
	EXPECT_NE(first(all.out).find(" run --rm --device nvidia.com/gpu=all -e "),
		  std::string::npos)
		<< all.out;
	EXPECT_NE(all.out.find("\n# devices from " + specs + "/nvidia.json (no transient spec)\n"),
		  std::string::npos)
		<< all.out;
	EXPECT_EQ(all.out.find("/var/run/cdi/"), std::string::npos) << all.out;
	auto one = tb(host + " run --dry-run --runtime podman --profile aiml --gpus 0 img");
	EXPECT_NE(first(one.out).find(" --device nvidia.com/gpu=0 "), std::string::npos) << one.out;

	// Not covered: the gaming profile's mounts are not in an aiml spec; a variable of the
	// spec would override the user's -e; a cdiVersion podman 4.3 cannot read.
	for (const std::string &args : {std::string("--profile gaming"),
					std::string("--profile aiml -e CUDA_CACHE_MAXSIZE=1")}) {
		auto o = tb(host + " run --dry-run --runtime podman " + args + " img");
		EXPECT_NE(o.out.find("# /var/run/cdi/tb-"), std::string::npos) << args << o.out;
		EXPECT_NE(first(o.out).find(" --device nvidia.com/gpu=tb-"), std::string::npos)
			<< args << o.out;
	}
	gen("");
	auto newer = tb(host + " run --dry-run --runtime podman --profile aiml img");
	EXPECT_NE(newer.out.find("# /var/run/cdi/tb-"), std::string::npos) << newer.out;

	// A real run with the covering spec writes nothing into /var/run/cdi.
	gen("--max-cdi-version 0.5.0");
	auto real = tb(host + " run --runtime podman --profile aiml img");
	EXPECT_EQ(real.rc, 0) << real.err;
	EXPECT_EQ(slurp(log_).find("nvidia.com/gpu=tb-"), std::string::npos) << slurp(log_);
	EXPECT_NE(slurp(log_).find("nvidia.com/gpu=all\n"), std::string::npos) << slurp(log_);
}

TEST_F(RunCli, ExitCodeOfTheRuntimeIsPassedOn)
{
	auto o = tb("run --runtime podman --gpus none img true", "FAKE_RUNTIME_MODE=exit:42");
	EXPECT_EQ(o.rc, 42) << o.err;
	EXPECT_EQ(slurp(log_), "run\n--rm\n-e\nNVIDIA_DRIVER_CAPABILITIES=all\nimg\ntrue\n");
	EXPECT_EQ(slurp(log_ + ".asked"), "version\n"); // a real run asks, once
	EXPECT_EQ(tb("run --runtime podman --gpus none img", "FAKE_RUNTIME_MODE=exit:0").rc, 0);
}

TEST_F(RunCli, MissingRuntimeIsAnError)
{
	config("[plugins.\"runtime.docker\"]\nbinary = \"/nonexistent/docker\"\n");
	auto o = tb("run --runtime docker --gpus none img");
	EXPECT_EQ(o.rc, 1);
	EXPECT_EQ(o.err, "tb: run: docker: /nonexistent/docker is not installed\n");
	// A dry run shows what would run on a host that has it.
	auto dry = tb("run --dry-run --runtime docker --gpus none img");
	EXPECT_EQ(dry.rc, 0) << dry.err;
	EXPECT_EQ(dry.out, "/nonexistent/docker run --rm -e NVIDIA_DRIVER_CAPABILITIES=all img\n");
}

TEST_F(RunCli, DockerWithoutADaemonSaysSo)
{
	auto o = tb("run --runtime docker --gpus none img",
		    "DOCKER_HOST=" + shq("unix://" + tmp_ + "/none.sock"));
	if (o.err.find("is not installed") != std::string::npos)
		GTEST_SKIP() << "no docker client: " << o.err;
	EXPECT_EQ(o.rc, 1);
	EXPECT_NE(o.err.find("tb: run: docker: no Docker daemon answers ("), std::string::npos)
		<< o.err;
	EXPECT_NE(o.err.find("none.sock"), std::string::npos) << o.err;
}

// Start tb in the background, wait until the runtime runs, signal tb, collect its status.
int signalledRun(const std::string &tb, const std::string &configFile, const std::string &log,
		 int sig)
{
	std::vector<std::string> args = {tb,       "--config", configFile, "run", "--runtime",
					 "podman", "--gpus",   "none",     "img"};
	std::vector<std::string> envs = {"FAKE_RUNTIME_LOG=" + log, "FAKE_RUNTIME_MODE=wait"};
	for (char **e = environ; *e; ++e)
		envs.emplace_back(*e);
	std::vector<char *> argv, envp;
	for (auto &a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	for (auto &e : envs)
		envp.push_back(e.data());
	envp.push_back(nullptr);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	// Its own process group: the signal comes from "another process", not a terminal.
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	pid_t pid = 0;
	if (posix_spawn(&pid, tb.c_str(), &fa, &attr, argv.data(), envp.data()) != 0)
		return -1;
	for (int i = 0; i < 200 && !fs::exists(log + ".ready"); ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(25));
	::kill(pid, sig);
	int status = 0;
	::waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

TEST_F(RunCli, SignalsReachTheRuntimeAndItsStatusComesBack)
{
	std::string cfg = tmp_ + "/nvbind.toml";
	EXPECT_EQ(signalledRun(tb_, cfg, log_, SIGTERM), 143);
	EXPECT_EQ(slurp(log_ + ".signals"), "TERM\n");
	fs::remove(log_ + ".signals");
	fs::remove(log_ + ".ready");
	EXPECT_EQ(signalledRun(tb_, cfg, log_, SIGINT), 130);
	EXPECT_EQ(slurp(log_ + ".signals"), "INT\n");
}

TEST_F(RunCli, BoltContractFormWhenSurgeRunHasCdiDevice)
{
	auto o = tb("run --runtime bolt --gpus none -e K=V img sh -c 'exit 0'",
		    "FAKE_BOLT_CONTRACT=1");
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_EQ(o.out, "bolt: capsule img started\n");
	EXPECT_EQ(slurp(log_), "surge\nrun\n--rm\n--capsule-isolation\ngpu-exclusive\n"
			       "--runtime-optimization\ngpu-passthrough\n--env\n"
			       "NVIDIA_DRIVER_CAPABILITIES=all\n--env\nK=V\nimg\nsh\n-c\nexit 0\n");
	auto shared = tb("run --dry-run --runtime bolt --gpus none --isolation shared img",
			 "FAKE_BOLT_CONTRACT=1");
	EXPECT_NE(shared.out.find(" --capsule-isolation gpu-shared "), std::string::npos)
		<< shared.out;
}

TEST_F(RunCli, BoltRealFormOtherwise)
{
	// Bolt as released: no `surge run`, so its own `bolt run IMAGE -e ...` form.
	auto o = tb("run --runtime bolt --gpus none -e K=V img");
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_EQ(o.out, "bolt: container for img started\n");
	EXPECT_EQ(slurp(log_), "run\nimg\n-e\nNVIDIA_DRIVER_CAPABILITIES=all\n-e\nK=V\n");
	auto cmd = tb("run --runtime bolt --gpus none img sh");
	EXPECT_EQ(cmd.rc, 2);
	EXPECT_EQ(cmd.err, "tb: run: bolt: Bolt's `bolt run` cannot pass a command after the "
			   "image; Bolt runs the image's own command\n");
}

// `--emit-boltfile`: the Boltfile for a fixture host and profile, byte for byte (the fixture
// root is written as @HOST@). TB_UPDATE_GOLDEN=1 rewrites the golden files.
TEST_F(RunCli, BoltfileGolden)
{
	struct Case {
		const char *host, *args, *golden;
	};
	for (const Case &c :
	     {Case{"t4-proprietary", "--profile gaming --name game img:1 sh -c 'echo hi'",
		   "boltfile-t4-gaming.toml"},
	      Case{"mi300x-mi210", "--profile aiml --gpus 1 --isolation shared -e K=V train:2",
		   "boltfile-mi300x-aiml.toml"}}) {
		SCOPED_TRACE(c.golden);
		std::string root = envOr("TB_FIXTURE_HOSTS") + "/" + c.host;
		std::string file = tmp_ + "/" + c.golden;
		// Contract form (it resolves CDI): the Boltfile still gets explicit devices.
		auto o = tb("--host-root " + shq(root) + " run --runtime bolt --emit-boltfile " +
				    shq(file) + " " + c.args,
			    "FAKE_BOLT_CONTRACT=1");
		ASSERT_EQ(o.rc, 0) << o.err;
		EXPECT_EQ(o.out, "");
		EXPECT_FALSE(fs::exists(log_)) << "writing a Boltfile started bolt";
		std::string got = slurp(file);
		for (size_t at; (at = got.find(root)) != std::string::npos;)
			got.replace(at, root.size(), "@HOST@");
		std::string golden = envOr("TB_GOLDEN") + "/" + c.golden;
		if (envOr("TB_UPDATE_GOLDEN") == "1") {
			std::ofstream(golden, std::ios::binary) << got;
			continue;
		}
		EXPECT_EQ(got, slurp(golden));
	}
}

// The run's CDI spec exists while the runtime runs and is gone after every exit path.
TEST_F(RunCli, TransientSpecLivesAsLongAsTheRun)
{
	if (::geteuid() != 0)
		GTEST_SKIP() << "writes /var/run/cdi";
	std::string host = "--host-root " + shq(envOr("TB_FIXTURE_HOSTS") + "/t4-proprietary");
	auto dry =
		tb(host + " run --dry-run --runtime podman --profile aiml --isolation shared img");
	ASSERT_EQ(dry.rc, 0) << dry.err;
	auto at = dry.out.find("# /var/run/cdi/tb-");
	ASSERT_NE(at, std::string::npos) << dry.out;
	EXPECT_NE(dry.out.find("--device nvidia.com/gpu=tb-"), std::string::npos) << dry.out;
	EXPECT_NE(dry.out.find(" -e BOLT_WORKLOAD_TYPE=ai-ml "), std::string::npos) << dry.out;
	// What podman 4.3 reads: no annotations (0.6.0), no env (it would override -e).
	EXPECT_NE(dry.out.find("\"cdiVersion\": \"0.5.0\""), std::string::npos) << dry.out;
	EXPECT_EQ(dry.out.find("\"env\""), std::string::npos) << dry.out;
	EXPECT_FALSE(fs::exists(dry.out.substr(at + 2, dry.out.find('\n', at) - at - 2)))
		<< "a dry run wrote the spec";
	EXPECT_FALSE(fs::exists(log_ + ".asked")) << "a dry run asked the runtime's version";
	auto leftovers = [] {
		int n = 0;
		std::string prefix = "tb-";
		std::error_code ec;
		for (const auto &e : fs::directory_iterator("/var/run/cdi", ec))
			n += e.path().filename().string().rfind(prefix, 0) == 0 &&
			     e.path().filename().string().find("-nvidia.json") != std::string::npos;
		return n;
	};
	int before = leftovers();
	// Normal exit, runtime failure: the runtime sees the spec, it is gone afterwards.
	for (const char *mode : {"exit:0", "exit:3"}) {
		auto o = tb(host + " run --runtime podman --profile aiml --isolation exclusive img",
			    std::string("FAKE_RUNTIME_MODE=") + mode);
		EXPECT_EQ(o.rc, mode[5] - '0') << o.err;
		EXPECT_NE(slurp(log_).find("nvidia.com/gpu=tb-"), std::string::npos);
		EXPECT_EQ(leftovers(), before) << mode;
	}
}

} // namespace
} // namespace tb::testing
