// SPDX-License-Identifier: Apache-2.0
// `tb run --runtime podman` starting real containers: a busybox-static image in a private
// store, podman pointed at the test-only runc wrapper by a test-only containers.conf, and a
// fixture host whose device nodes are real harmless ones (/dev/null's numbers). The profile's
// variables, the device nodes and the kernel cache reach the container; the exit code comes
// back; the run's transient CDI spec in /var/run/cdi is gone after every exit path.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podman_harness.h"

extern char **environ;

namespace {

namespace fs = std::filesystem;
namespace pm = tb::test::podman;

constexpr const char *kImage = "localhost/tb-run-busybox:test";

std::string env(const char *name)
{
	const char *v = std::getenv(name);
	return v ? v : "";
}

std::string slurp(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// The run's transient specs: /var/run/cdi/tb-<pid of tb>-*.
std::vector<std::string> specsOf(pid_t tb)
{
	std::vector<std::string> out;
	std::string prefix = "tb-" + std::to_string(tb) + "-";
	std::error_code ec;
	for (const auto &e : fs::directory_iterator("/var/run/cdi", ec))
		if (e.path().filename().string().rfind(prefix, 0) == 0)
			out.push_back(e.path().string());
	return out;
}

struct Finished {
	int status = -1; ///< exit code, 1000 + N when killed by signal N
	std::string out, err;
	std::vector<std::string> leftSpecs; ///< transient specs still there afterwards
};

class RunPodman : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		if (auto why = pm::unavailableReason(); !why.empty()) {
			skip_ = why;
			return;
		}
		std::string tmpl = (fs::temp_directory_path() / "tb-run-podman-XXXXXX").string();
		tmp_ = ::mkdtemp(tmpl.data());
		store_ = new pm::PrivateStore(tmp_ + "/podman");
		std::string why;
		if (!store_->importBusybox(kImage, why)) {
			skip_ = "busybox image: " + why;
			return;
		}
		host_ = tmp_ + "/hosts/t4-proprietary";
		if (auto e = pm::copyHostWithRealNodes(env("TB_FIXTURE_HOSTS") + "/t4-proprietary",
						       host_);
		    !e.empty())
			skip_ = e;
		std::ofstream(tmp_ + "/nvbind.toml") << "";
		// tb's node-local caches and leases stay in the test's directory.
		envs_ = store_->confEnv();
		envs_.push_back("XDG_CACHE_HOME=" + tmp_ + "/cache");
		envs_.push_back("XDG_RUNTIME_DIR=" + tmp_ + "/runtime");
		fs::create_directories(tmp_ + "/runtime");
	}
	static void TearDownTestSuite()
	{
		delete store_;
		store_ = nullptr;
		if (!tmp_.empty()) {
			// An overlay view left by a failed run would keep its dir busy.
			pm::run({"sh", "-c",
				 "grep -o ' " + tmp_ +
					 "/[^ ]*' /proc/self/mounts | xargs -r umount -l"});
			fs::remove_all(tmp_);
		}
	}
	void SetUp() override
	{
		if (!skip_.empty())
			GTEST_SKIP() << skip_;
	}

	// `tb --config C --host-root H ARGS` in its own process group; \a whileRunning is called
	// with its pid once started.
	Finished tb(const std::vector<std::string> &args,
		    const std::function<void(pid_t)> &whileRunning = {})
	{
		std::vector<std::string> argv = {env("TB_EXE"), "--config", tmp_ + "/nvbind.toml",
						 "--host-root", host_};
		argv.insert(argv.end(), args.begin(), args.end());
		std::vector<std::string> envs = envs_;
		for (char **e = environ; *e; ++e)
			envs.emplace_back(*e);
		std::vector<char *> a, e;
		for (auto &s : argv)
			a.push_back(s.data());
		a.push_back(nullptr);
		for (auto &s : envs)
			e.push_back(s.data());
		e.push_back(nullptr);
		std::string out = tmp_ + "/tb.out", err = tmp_ + "/tb.err";
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
						 0644);
		posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
						 0644);
		posix_spawnattr_t attr;
		posix_spawnattr_init(&attr);
		posix_spawnattr_setpgroup(&attr, 0);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
		Finished f;
		pid_t pid = 0;
		int rc = posix_spawn(&pid, a[0], &fa, &attr, a.data(), e.data());
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&attr);
		if (rc != 0) {
			f.err = "cannot start " + argv[0];
			return f;
		}
		if (whileRunning)
			whileRunning(pid);
		int status = 0;
		::waitpid(pid, &status, 0);
		f.status = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
		f.out = slurp(out);
		f.err = slurp(err);
		f.leftSpecs = specsOf(pid);
		return f;
	}

	static inline std::string skip_, tmp_, host_;
	static inline pm::PrivateStore *store_ = nullptr;
	static inline std::vector<std::string> envs_;
};

// `tb run --runtime podman --gpus all --profile aiml IMAGE sh -c '...'`: what the container
// sees, and its exit code as tb's.
TEST_F(RunPodman, ProfileEnvAndDeviceNodesReachTheContainer)
{
	auto f = tb({"run", "--runtime", "podman", "--gpus", "all", "--profile", "aiml",
		     "--runtime-arg=--network=none", "-e", "FROM_CLI=yes", kImage, "sh", "-c",
		     "env | sort; for n in /dev/nvidia0 /dev/nvidiactl /dev/nvidia-uvm; do "
		     "[ -c $n ] && echo node $n; done; exit 7"});
	EXPECT_EQ(f.status, 7) << f.err;
	for (const char *line :
	     {"NVIDIA_DRIVER_CAPABILITIES=compute,utility\n", "CUDA_CACHE_MAXSIZE=2147483648\n",
	      "BOLT_WORKLOAD_TYPE=ai-ml\n", "FROM_CLI=yes\n", "node /dev/nvidia0\n",
	      "node /dev/nvidiactl\n", "node /dev/nvidia-uvm\n"})
		EXPECT_NE(f.out.find(line), std::string::npos) << line << "in:\n" << f.out << f.err;
	EXPECT_EQ(f.leftSpecs, std::vector<std::string>{});
}

TEST_F(RunPodman, TransientSpecIsGoneAfterARuntimeFailure)
{
	// podman's own failure (no such image, exit 125) after the spec was written.
	auto f = tb({"run", "--runtime", "podman", "--gpus", "all", "--profile", "aiml",
		     "--runtime-arg=--network=none", "--runtime-arg=--pull=never",
		     "localhost/tb-no-such-image:x", "true"});
	EXPECT_EQ(f.status, 125) << f.err;
	EXPECT_NE(f.err.find("tb-no-such-image"), std::string::npos) << f.err;
	EXPECT_EQ(f.leftSpecs, std::vector<std::string>{});
}

// SIGTERM / SIGINT to tb while the container runs: forwarded through podman to the
// container, whose status comes back; the spec existed while it ran and is gone after.
TEST_F(RunPodman, SignalsReachTheContainerAndTheSpecIsRemoved)
{
	for (int sig : {SIGTERM, SIGINT}) {
		SCOPED_TRACE(sig == SIGTERM ? "SIGTERM" : "SIGINT");
		std::string mark = tmp_ + "/mark-" + std::to_string(sig);
		fs::create_directories(mark);
		std::vector<std::string> during;
		bool ready = false;
		auto f = tb({"run", "--runtime", "podman", "--gpus", "all", "--profile", "aiml",
			     "--runtime-arg=--network=none",
			     "--runtime-arg=--volume=" + mark + ":/mark", kImage, "sh", "-c",
			     "trap 'exit 143' TERM; trap 'exit 130' INT; touch /mark/ready; "
			     "sleep 30 & wait"},
			    [&](pid_t pid) {
				    for (int i = 0; i < 1200 && !ready; ++i) {
					    std::this_thread::sleep_for(
						    std::chrono::milliseconds(50));
					    ready = fs::exists(mark + "/ready");
				    }
				    during = specsOf(pid);
				    ::kill(pid, sig);
			    });
		ASSERT_TRUE(ready) << f.err;
		EXPECT_EQ(during.size(), 1u) << "the spec while the container runs";
		EXPECT_EQ(f.status, 128 + sig) << f.err;
		EXPECT_EQ(f.leftSpecs, std::vector<std::string>{});
	}
}

// `--cache-image`: a cache image made by `tb create` from the sm75 fixture cache is extracted
// once into the node-local content-addressed dir and shown to the container, writable, at
// TRITON_CACHE_DIR with its __grp__ paths rewritten; the shared copy stays pristine.
TEST_F(RunPodman, CacheImageIsMountedAtTritonsCacheDir)
{
	std::string image = "oci:" + tmp_ + "/cache-oci:v1";
	auto created =
		tb({"create", "-q", "-i", image, "-d", env("TB_CACHES") + "/vector-add-cuda-sm75"});
	ASSERT_EQ(created.status, 0) << created.err;
	const std::string kernel = "5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ";
	std::vector<std::string> run = {
		"run",
		"--runtime",
		"podman",
		"--gpus",
		"all",
		"--cache-image",
		image,
		"--runtime-arg=--network=none",
		kImage,
		"sh",
		"-c",
		"echo dir=$TRITON_CACHE_DIR; ls $TRITON_CACHE_DIR | sort; cat "
		"$TRITON_CACHE_DIR/" +
			kernel +
			"/__grp__add_kernel.json; echo; echo x >$TRITON_CACHE_DIR/written && echo "
			"wrote"};
	auto f = tb(run);
	ASSERT_EQ(f.status, 0) << f.err;
	EXPECT_EQ(f.out.rfind("dir=/root/.triton/cache\n"
			      "5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ\n"
			      "NNIRBEH2OVXHBOQBWMZABZQUTHRBNTKPWP7Q45RX7SE5JGCMEUPA\n"
			      "Q4KTBUSJ2LEGOHKSPJA2BG4BDURWUGYX7YU6TXZ7DZBKCDBQVGZQ\n",
			      0),
		  0u)
		<< f.out << f.err;
	EXPECT_NE(f.out.find("\"/root/.triton/cache/" + kernel + "/add_kernel.ttir\""),
		  std::string::npos)
		<< f.out;
	EXPECT_EQ(f.out.find("/opt/app-root"), std::string::npos) << f.out;
	EXPECT_NE(f.out.find("wrote\n"), std::string::npos) << f.out << f.err;
	EXPECT_EQ(f.leftSpecs, std::vector<std::string>{});

	// One shared copy per digest, untouched by the container, reused by the next run.
	std::vector<fs::path> shared;
	for (const auto &e : fs::directory_iterator(tmp_ + "/cache/tb/kernels"))
		if (e.is_directory())
			shared.push_back(e.path());
	ASSERT_EQ(shared.size(), 1u);
	EXPECT_EQ(shared[0].filename().string().rfind("sha256-", 0), 0u) << shared[0];
	EXPECT_TRUE(fs::exists(shared[0] / kernel / "add_kernel.cubin"));
	EXPECT_FALSE(fs::exists(shared[0] / "written"));
	auto stamp = fs::last_write_time(shared[0]);
	auto again = tb(run);
	EXPECT_EQ(again.status, 0) << again.err;
	EXPECT_EQ(fs::last_write_time(shared[0]), stamp) << "extracted twice";
	EXPECT_FALSE(fs::exists(shared[0] / "written"));
	// The per-run writable views are gone with their runs.
	std::error_code ec;
	EXPECT_TRUE(fs::is_empty(tmp_ + "/runtime/tb/runs", ec) || ec) << ec.message();
}

} // namespace
