// SPDX-License-Identifier: Apache-2.0
// Golden argv of the shipped runtime adaptors, loaded by the real loader: podman, docker in
// CDI and fallback modes, Bolt in the integration-contract and real `bolt run` forms.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include <tb/context.h>
#include <tb/run.h>

namespace tb {
namespace {

namespace fs = std::filesystem;

class RuntimeArgv : public ::testing::Test {
protected:
	void SetUp() override
	{
		std::string tmpl = (fs::temp_directory_path() / "tb-argv-XXXXXX").string();
		dir_ = ::mkdtemp(tmpl.data());
	}
	void TearDown() override { fs::remove_all(dir_); }

	// A Context whose config holds \a toml (plugin sections).
	Runtime *open(const std::string &name, const std::string &toml = {})
	{
		std::string path = dir_ + "/nvbind.toml";
		std::ofstream(path) << toml;
		ContextOptions o;
		o.configFile = path;
		auto c = Context::create(o);
		EXPECT_TRUE(c) << (c ? "" : c.error().message);
		if (!c)
			return nullptr;
		ctx_ = std::move(*c);
		return ctx_->runtime(name);
	}

	std::string argv(Runtime *rt, const RunRequest &r)
	{
		auto inv = rt->buildInvocation(r);
		EXPECT_TRUE(inv) << (inv ? "" : inv.error().message);
		return inv ? shellQuote(inv->argv) : std::string();
	}

	std::string dir_;
	std::unique_ptr<Context> ctx_;
};

const std::string kLib = "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.14";

RunRequest sample()
{
	RunRequest r;
	r.image = "registry.example/app:1";
	r.command = {"sh", "-c", "echo \"$X\""};
	r.cdiDevices = {"nvidia.com/gpu=tb-1-ab"};
	r.devices = {DeviceNode{"/dev/nvidia0", 'c', 195, 0, 0666, ""}};
	r.mounts = {Mount{kLib, kLib, {"ro", "nosuid", "nodev", "rbind", "rprivate"}},
		    Mount{"/var/cache/tb/k", "/root/.triton/cache", {"rw"}}};
	r.env = {{"NVIDIA_DRIVER_CAPABILITIES", "all"}, {"X", "a b"}};
	r.isolation = "exclusive";
	return r;
}

TEST_F(RuntimeArgv, Podman)
{
	Runtime *rt = open("podman");
	ASSERT_NE(rt, nullptr);
	EXPECT_TRUE(rt->supportsCdi());
	EXPECT_EQ(
		argv(rt, sample()),
		"podman run --rm --device nvidia.com/gpu=tb-1-ab --device "
		"/dev/nvidia0:/dev/nvidia0 -v " +
			kLib + ":" + kLib +
			":ro,nosuid,nodev,rbind,rprivate -v "
			"/var/cache/tb/k:/root/.triton/cache:rw -e NVIDIA_DRIVER_CAPABILITIES=all "
			"-e 'X=a b' registry.example/app:1 sh -c 'echo \"$X\"'");
	RunRequest r = sample();
	r.remove = false;
	r.interactive = r.tty = true;
	r.name = "job 1";
	r.cdiDevices.clear();
	r.devices.clear();
	r.mounts.clear();
	r.env.clear();
	r.command.clear();
	r.securityOpts = {"label=disable"};
	r.extraArgs = {"--shm-size=1g"};
	EXPECT_EQ(argv(rt, r), "podman run -i -t --name 'job 1' --security-opt label=disable "
			       "--shm-size=1g registry.example/app:1");
}

TEST_F(RuntimeArgv, PodmanBinaryFromConfig)
{
	Runtime *rt = open("podman", "[plugins.\"runtime.podman\"]\nbinary = \"/opt/p/podman\"\n");
	ASSERT_NE(rt, nullptr);
	RunRequest r;
	r.image = "i";
	EXPECT_EQ(argv(rt, r), "/opt/p/podman run --rm i");
}

// A stand-in program DIR/NAME that answers `--version` with \a version and counts every
// start in DIR/NAME.starts.
std::string versionScript(const std::string &dir, const std::string &name,
			  const std::string &version)
{
	std::string path = dir + "/" + name;
	std::ofstream(path) << "#!/bin/sh\necho started >>\"$0.starts\"\necho '" << version
			    << "'\n";
	fs::permissions(path, fs::perms::owner_all);
	return path;
}

int starts(const std::string &program)
{
	std::ifstream f(program + ".starts");
	int n = 0;
	for (std::string line; std::getline(f, line);)
		++n;
	return n;
}

TEST_F(RuntimeArgv, PodmanBeforeCdiSaysWhichVersionItNeeds)
{
	std::string podman = versionScript(dir_, "podman", "podman version 4.0.2");
	Runtime *rt = open("podman", "[plugins.\"runtime.podman\"]\nbinary = \"" + podman + "\"\n");
	ASSERT_NE(rt, nullptr);
	// Building the argv (a dry run) asks nothing of podman.
	EXPECT_NE(argv(rt, sample()).find("--device nvidia.com/gpu=tb-1-ab"), std::string::npos);
	EXPECT_EQ(starts(podman), 0);
	// A real run asks; 4.0 would take the CDI name for a path.
	auto v = rt->available();
	ASSERT_TRUE(v) << v.error().message;
	EXPECT_EQ(*v, "4.0.2");
	EXPECT_EQ(starts(podman), 1);
	auto bad = rt->buildInvocation(sample());
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().code, Errc::Unsupported);
	EXPECT_EQ(bad.error().message,
		  "podman: podman 4.0.2 (" + podman +
			  ") cannot resolve CDI device names such as nvidia.com/gpu=tb-1-ab; CDI "
			  "needs podman 4.1 or later");
	RunRequest plain = sample();
	plain.cdiDevices.clear();
	EXPECT_TRUE(rt->buildInvocation(plain));

	versionScript(dir_, "podman", "podman version 4.3.1");
	rt = open("podman", "[plugins.\"runtime.podman\"]\nbinary = \"" + podman + "\"\n");
	ASSERT_NE(rt, nullptr);
	ASSERT_TRUE(rt->available());
	EXPECT_TRUE(rt->buildInvocation(sample()));
}

TEST_F(RuntimeArgv, AvailabilityStartsNoVersionQueryOfDockerOrBolt)
{
	std::string docker = versionScript(dir_, "docker", "Docker version 28.2.2, build e6534b4");
	std::string bolt = versionScript(dir_, "bolt", "bolt 0.1.0");
	Runtime *rt = open("docker", "[plugins.\"runtime.docker\"]\ncdi = \"on\"\nbinary = \"" +
					     docker + "\"\n");
	ASSERT_NE(rt, nullptr);
	EXPECT_TRUE(rt->available());
	EXPECT_EQ(starts(docker), 0);
	rt = open("bolt",
		  "[plugins.\"runtime.bolt\"]\nform = \"contract\"\nbinary = \"" + bolt + "\"\n");
	ASSERT_NE(rt, nullptr);
	EXPECT_TRUE(rt->available());
	EXPECT_EQ(starts(bolt), 0);
	// Not installed is found without starting anything.
	for (const char *name : {"podman", "docker", "bolt"}) {
		rt = open(name, "[plugins.\"runtime." + std::string(name) + "\"]\nbinary = \"" +
					dir_ + "/none/" + name + "\"\n");
		ASSERT_NE(rt, nullptr);
		auto a = rt->available();
		ASSERT_FALSE(a) << name;
		EXPECT_EQ(a.error().code, Errc::Skip);
		EXPECT_EQ(a.error().message,
			  std::string(name) + ": " + dir_ + "/none/" + name + " is not installed");
	}
	// A bare name is looked up on PATH, as posix_spawnp would.
	rt = open("podman", "[plugins.\"runtime.podman\"]\nbinary = \"tb-no-such-podman\"\n");
	ASSERT_NE(rt, nullptr);
	auto missing = rt->available();
	ASSERT_FALSE(missing);
	EXPECT_EQ(missing.error().message, "podman: tb-no-such-podman is not installed");
	std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
	::setenv("PATH", (dir_ + ":" + path).c_str(), 1);
	versionScript(dir_, "tb-on-path-podman", "podman version 5.4.2");
	rt = open("podman", "[plugins.\"runtime.podman\"]\nbinary = \"tb-on-path-podman\"\n");
	ASSERT_NE(rt, nullptr);
	auto found = rt->available();
	::setenv("PATH", path.c_str(), 1);
	ASSERT_TRUE(found) << found.error().message;
	EXPECT_EQ(*found, "5.4.2");
}

TEST_F(RuntimeArgv, DockerWithDaemonCdi)
{
	Runtime *rt = open("docker", "[plugins.\"runtime.docker\"]\ncdi = \"on\"\n");
	ASSERT_NE(rt, nullptr);
	EXPECT_TRUE(rt->supportsCdi());
	// docker's -v has no spelling for nosuid, nodev, rbind: only ro and propagation stay.
	EXPECT_EQ(argv(rt, sample()),
		  "docker run --rm --device nvidia.com/gpu=tb-1-ab --device "
		  "/dev/nvidia0:/dev/nvidia0 -v " +
			  kLib + ":" + kLib +
			  ":ro,rprivate -v /var/cache/tb/k:/root/.triton/cache:rw -e "
			  "NVIDIA_DRIVER_CAPABILITIES=all -e 'X=a b' registry.example/app:1 sh -c "
			  "'echo \"$X\"'");
}

TEST_F(RuntimeArgv, DockerFallbackGetsExplicitFlags)
{
	Runtime *rt = open("docker", "[plugins.\"runtime.docker\"]\ncdi = \"off\"\n");
	ASSERT_NE(rt, nullptr);
	EXPECT_FALSE(rt->supportsCdi());
	// tb resolves the CDI edits itself for such a daemon: no CDI name reaches docker.
	RunRequest r = sample();
	r.cdiDevices.clear();
	r.devices.push_back(DeviceNode{"/dev/nvidiactl", 'c', 195, 255, 0666, ""});
	EXPECT_EQ(argv(rt, r), "docker run --rm --device /dev/nvidia0:/dev/nvidia0 --device "
			       "/dev/nvidiactl:/dev/nvidiactl -v " +
				       kLib + ":" + kLib +
				       ":ro,rprivate -v /var/cache/tb/k:/root/.triton/cache:rw -e "
				       "NVIDIA_DRIVER_CAPABILITIES=all -e 'X=a b' "
				       "registry.example/app:1 sh -c 'echo \"$X\"'");
}

TEST_F(RuntimeArgv, DockerRejectsABadCdiSetting)
{
	EXPECT_EQ(open("docker", "[plugins.\"runtime.docker\"]\ncdi = \"maybe\"\n"), nullptr);
	bool reported = false;
	for (const auto &p : ctx_->plugins())
		if (p.uri == "runtime.docker")
			reported = p.reason.find("cdi = 'maybe'") != std::string::npos;
	EXPECT_TRUE(reported);
}

TEST_F(RuntimeArgv, DockerWithoutDaemonSaysSo)
{
	// The docker client is installed here, no engine: auto mode must ask and fail clearly.
	std::string sock = "unix://" + dir_ + "/no-daemon.sock";
	::setenv("DOCKER_HOST", sock.c_str(), 1);
	Runtime *rt = open("docker");
	ASSERT_NE(rt, nullptr);
	auto a = rt->available();
	::unsetenv("DOCKER_HOST");
	ASSERT_FALSE(a);
	if (a.error().message.find("is not installed") != std::string::npos)
		GTEST_SKIP() << a.error().message;
	EXPECT_EQ(a.error().code, Errc::Skip);
	EXPECT_NE(a.error().message.find("no Docker daemon answers"), std::string::npos)
		<< a.error().message;
	EXPECT_NE(a.error().message.find("no-daemon.sock"), std::string::npos) << a.error().message;
	EXPECT_FALSE(rt->supportsCdi());
}

TEST_F(RuntimeArgv, BoltContract)
{
	Runtime *rt = open("bolt", "[plugins.\"runtime.bolt\"]\nform = \"contract\"\n");
	ASSERT_NE(rt, nullptr);
	EXPECT_TRUE(rt->supportsCdi());
	RunRequest r = sample();
	r.securityOpts = {"seccomp=/etc/s.json", "apparmor=tb"};
	EXPECT_EQ(
		argv(rt, r),
		"bolt surge run --rm --cdi-device nvidia.com/gpu=tb-1-ab --device "
		"/dev/nvidia0:/dev/nvidia0 --volume " +
			kLib + ":" + kLib +
			":ro --volume /var/cache/tb/k:/root/.triton/cache:rw --seccomp /etc/s.json "
			"--apparmor tb --capsule-isolation gpu-exclusive --runtime-optimization "
			"gpu-passthrough --env NVIDIA_DRIVER_CAPABILITIES=all --env 'X=a b' "
			"registry.example/app:1 sh -c 'echo \"$X\"'");
	// Options with no surge run flag are dropped with a warning, as nvbind dropped them.
	r.securityOpts = {"label=disable"};
	EXPECT_EQ(argv(rt, r).find("label"), std::string::npos);
	r = sample();
	r.tty = true;
	EXPECT_FALSE(rt->buildInvocation(r));
}

TEST_F(RuntimeArgv, BoltRealRunCannotPassDevices)
{
	Runtime *rt = open("bolt", "[plugins.\"runtime.bolt\"]\nform = \"run\"\n");
	ASSERT_NE(rt, nullptr);
	EXPECT_FALSE(rt->supportsCdi());
	RunRequest r = sample();
	r.cdiDevices.clear();
	auto bad = rt->buildInvocation(r);
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().code, Errc::InvalidArgument);
	EXPECT_EQ(
		bad.error().message,
		"bolt: Bolt's `bolt run` cannot pass devices (/dev/nvidia0); run with --gpus none, "
		"or use a Bolt whose `surge run` takes --cdi-device");
	r.devices.clear();
	bad = rt->buildInvocation(r);
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().message, "bolt: Bolt's `bolt run` cannot pass a command after the "
				       "image; Bolt runs the image's own command");
	r.command.clear();
	r.name = "web";
	EXPECT_EQ(argv(rt, r), "bolt run registry.example/app:1 -n web -e "
			       "NVIDIA_DRIVER_CAPABILITIES=all -e 'X=a b' -v " +
				       kLib + ":" + kLib +
				       ":ro -v /var/cache/tb/k:/root/.triton/cache:rw");
}

TEST(ShellQuote, ReadsBackInAShell)
{
	EXPECT_EQ(shellQuote({"a", "b c", "", "it's", "$HOME", "k=v:/x,y"}),
		  "a 'b c' '' 'it'\\''s' '$HOME' k=v:/x,y");
}

} // namespace
} // namespace tb
