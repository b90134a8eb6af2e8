// SPDX-License-Identifier: Apache-2.0
// Profiles and isolation levels as spec edits: [bolt.gaming]/[bolt.aiml] keys mapped to the
// variables real software reads, per vendor; user profiles extending a built-in; MPS limits.
#include <algorithm>

#include <gtest/gtest.h>

#include <tb/cdi.h>

#include "cdi_test_util.h"

using namespace tb;
using namespace tb::test;

namespace {

Result<CdiGeneration> gen(const std::string &host, const std::string &config, CdiOptions o)
{
	TempDir t;
	auto ctx = hostContext(fixtureHost(host), config, t / "nvbind.toml");
	if (!ctx)
		return err(Errc::Internal, "no context");
	return generateCdi(*ctx, o);
}

CdiSpec specOf(const std::string &host, const std::string &profile, const std::string &config = "")
{
	CdiOptions o;
	o.profile = profile;
	auto g = gen(host, config, o);
	if (!g) {
		ADD_FAILURE() << host << "/" << profile << ": " << g.error().message;
		return {};
	}
	return g->specs.at(0);
}

bool hasEnv(const CdiSpec &s, const std::string &kv)
{
	const auto &e = s.containerEdits.env;
	return std::find(e.begin(), e.end(), kv) != e.end();
}

bool hasEnvName(const CdiSpec &s, const std::string &name)
{
	for (const auto &e : s.containerEdits.env)
		if (e.starts_with(name + "="))
			return true;
	return false;
}

bool mounts(const CdiSpec &s, const std::string &containerPath)
{
	for (const auto &m : s.containerEdits.mounts)
		if (m.containerPath == containerPath)
			return true;
	return false;
}

const CdiDevice *device(const CdiSpec &s, const std::string &name)
{
	for (const auto &d : s.devices)
		if (d.name == name)
			return &d;
	return nullptr;
}

bool deviceHasNode(const CdiSpec &s, const std::string &dev, const std::string &path)
{
	const CdiDevice *d = device(s, dev);
	if (!d)
		return false;
	for (const auto &n : d->containerEdits.deviceNodes)
		if (n.path == path)
			return true;
	return false;
}

const std::string kLib = "/usr/lib/x86_64-linux-gnu/";

} // namespace

TEST(CdiProfiles, DefaultHasEverythingLikeNvidiaCtk)
{
	CdiSpec s = specOf("h100x8-open-mig", "default");
	EXPECT_TRUE(hasEnv(s, "NVIDIA_VISIBLE_DEVICES=void"));
	EXPECT_TRUE(hasEnv(s, "NVIDIA_DRIVER_CAPABILITIES=all"));
	EXPECT_TRUE(mounts(s, kLib + "libcuda.so.550.54.14"));
	EXPECT_TRUE(mounts(s, kLib + "libcuda.so.1")); // SONAME link, no hook binary on the host
	EXPECT_TRUE(deviceHasNode(s, "0", "/dev/dri/renderD128"));
	EXPECT_TRUE(device(s, "0:0")); // MIG instance gi1/ci0 of GPU 0
	EXPECT_TRUE(deviceHasNode(s, "0:0", "/dev/nvidia-caps/nvidia-cap12"));
	EXPECT_EQ(s.annotations.at("tb.gpu/profile"), "default");
	EXPECT_EQ(s.annotations.at("tb.gpu/isolation"), "exclusive"); // [bolt.capsule] default
}

TEST(CdiProfiles, GamingOnNvidia)
{
	CdiSpec s = specOf("h100x8-open-mig", "gaming");
	EXPECT_TRUE(hasEnv(s, "NVIDIA_DRIVER_CAPABILITIES=utility,graphics,display,video"));
	for (const char *kv : {"BOLT_WORKLOAD_TYPE=gaming", "__GL_SYNC_TO_VBLANK=0",
			       "VKD3D_CONFIG=dxr", "DXVK_ENABLE_NVAPI=1", "PROTON_ENABLE_NVAPI=1",
			       "PROTON_HIDE_NVIDIA_GPU=0", "WINEESYNC=1", "WINEFSYNC=1"})
		EXPECT_TRUE(hasEnv(s, kv)) << kv;
	EXPECT_FALSE(mounts(s, kLib + "libcuda.so.550.54.14")); // no compute
	EXPECT_TRUE(mounts(s, kLib + "libnvidia-glcore.so.550.54.14"));
	EXPECT_TRUE(mounts(s, "/usr/share/vulkan/icd.d/nvidia_icd.json"));
	EXPECT_TRUE(deviceHasNode(s, "0", "/dev/dri/card1"));
	EXPECT_FALSE(device(s, "0:0")); // MIG instances have no graphics
}

TEST(CdiProfiles, GamingKeysChangeTheVariables)
{
	CdiSpec s = specOf("h100x8-open-mig", "gaming",
			   "[bolt.gaming]\nperformance_profile = \"ultra-low-latency\"\n"
			   "dlss_enabled = false\nrt_cores_enabled = false\n"
			   "wine_optimizations = false\n");
	EXPECT_TRUE(hasEnv(s, "__GL_MaxFramesAllowed=1"));
	EXPECT_TRUE(hasEnv(s, "DXVK_CONFIG=dxgi.maxFrameLatency = 1; d3d9.maxFrameLatency = 1"));
	for (const char *name : {"VKD3D_CONFIG", "DXVK_ENABLE_NVAPI", "WINEESYNC", "WINEFSYNC"})
		EXPECT_FALSE(hasEnvName(s, name)) << name;
	CdiSpec e = specOf("h100x8-open-mig", "gaming",
			   "[bolt.gaming]\nperformance_profile = \"efficiency\"\n");
	EXPECT_TRUE(hasEnv(e, "__GL_SYNC_TO_VBLANK=1"));
	EXPECT_TRUE(hasEnv(e, "DXVK_FRAME_RATE=60"));
}

TEST(CdiProfiles, GamingOnAmdUsesMesaNames)
{
	CdiSpec s = specOf("mi300x-mi210", "gaming");
	EXPECT_TRUE(hasEnv(s, "vblank_mode=0"));
	for (const char *name :
	     {"__GL_SYNC_TO_VBLANK", "DXVK_ENABLE_NVAPI", "NVIDIA_DRIVER_CAPABILITIES"})
		EXPECT_FALSE(hasEnvName(s, name)) << name;
	EXPECT_FALSE(s.containerEdits.deviceNodes.size() &&
		     s.containerEdits.deviceNodes[0].path == "/dev/kfd"); // no compute
}

TEST(CdiProfiles, AimlOnNvidia)
{
	CdiSpec s = specOf("h100x8-open-mig", "aiml");
	for (const char *kv :
	     {"NVIDIA_DRIVER_CAPABILITIES=compute,utility", "BOLT_WORKLOAD_TYPE=ai-ml",
	      "CUDA_CACHE_MAXSIZE=2147483648", "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1",
	      "PYTORCH_CUDA_ALLOC_CONF=max_split_size_mb:7629"}) // 8GB = 8e9 bytes
		EXPECT_TRUE(hasEnv(s, kv)) << kv;
	EXPECT_TRUE(mounts(s, kLib + "libcuda.so.550.54.14"));
	EXPECT_FALSE(mounts(s, kLib + "libnvidia-glcore.so.550.54.14"));
	EXPECT_FALSE(deviceHasNode(s, "0", "/dev/dri/card1"));
	EXPECT_FALSE(device(s, "0:0")); // mig_enabled = false by default
}

TEST(CdiProfiles, AimlKeys)
{
	CdiSpec s = specOf("h100x8-open-mig", "aiml",
			   "[bolt.aiml]\ncuda_cache_size = 8192\ntensor_cores_enabled = false\n"
			   "memory_pool_size = \"1GiB\"\nmig_enabled = true\n");
	EXPECT_TRUE(hasEnv(s, "CUDA_CACHE_MAXSIZE=4294967296")); // CUDA's cap
	EXPECT_TRUE(hasEnv(s, "NVIDIA_TF32_OVERRIDE=0"));
	EXPECT_TRUE(hasEnv(s, "PYTORCH_CUDA_ALLOC_CONF=max_split_size_mb:1024"));
	EXPECT_TRUE(deviceHasNode(s, "0:1", "/dev/nvidia-caps/nvidia-cap21"));
	EXPECT_TRUE(deviceHasNode(s, "1:0", "/dev/nvidia1"));
}

TEST(CdiProfiles, AimlOnAmd)
{
	CdiSpec s = specOf("mi300x-mi210", "aiml");
	EXPECT_TRUE(hasEnv(s, "PYTORCH_HIP_ALLOC_CONF=max_split_size_mb:7629"));
	EXPECT_FALSE(hasEnvName(s, "CUDA_CACHE_MAXSIZE"));
	ASSERT_FALSE(s.containerEdits.deviceNodes.empty());
	EXPECT_EQ(s.containerEdits.deviceNodes[0].path, "/dev/kfd");
	EXPECT_TRUE(deviceHasNode(s, "0", "/dev/dri/renderD128")); // ROCm opens the render node
}

TEST(CdiProfiles, UserProfileExtendsABuiltIn)
{
	std::string cfg = "[profiles.steam]\nextends = \"gaming\"\n"
			  "environment = { VKD3D_CONFIG = \"dxr11\", GAME = \"1\" }\n"
			  "additional_devices = [\"/dev/nvidia-caps/nvidia-cap1\"]\n";
	CdiSpec s = specOf("h100x8-open-mig", "steam", cfg);
	EXPECT_TRUE(hasEnv(s, "VKD3D_CONFIG=dxr11"));
	EXPECT_FALSE(hasEnv(s, "VKD3D_CONFIG=dxr"));
	EXPECT_TRUE(hasEnv(s, "GAME=1"));
	EXPECT_TRUE(hasEnv(s, "WINEESYNC=1")); // from gaming
	EXPECT_EQ(s.annotations.at("tb.gpu/profile"), "steam");
	bool cap = false;
	for (const auto &n : s.containerEdits.deviceNodes)
		cap = cap || n.path == "/dev/nvidia-caps/nvidia-cap1";
	EXPECT_TRUE(cap);

	CdiOptions o;
	o.profile = "nope";
	auto bad = gen("h100x8-open-mig", cfg, o);
	ASSERT_FALSE(bad);
	EXPECT_EQ(
		bad.error().message,
		"cdi generate: profile 'nope': not defined (known: default, gaming, aiml, steam)");
	o.profile = "broken";
	auto missing = gen("h100x8-open-mig",
			   "[profiles.broken]\nadditional_devices = [\"/dev/nope\"]\n", o);
	ASSERT_FALSE(missing);
	EXPECT_EQ(
		missing.error().message.rfind(
			"cdi generate: profile 'broken': additional device: cannot stat /dev/nope",
			0),
		0u)
		<< missing.error().message;
}

TEST(CdiIsolation, LevelIsAnAnnotationAndAVariable)
{
	CdiOptions o;
	o.isolation = "shared";
	auto g = gen("t4-proprietary", "", o);
	ASSERT_TRUE(g) << g.error().message;
	EXPECT_EQ(g->specs[0].annotations.at("tb.gpu/isolation"), "shared");
	EXPECT_TRUE(hasEnv(g->specs[0], "BOLT_GPU_ISOLATION=shared"));
	o.isolation = "bogus";
	auto bad = gen("t4-proprietary", "", o);
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().message,
		  "cdi generate: isolation 'bogus': expected shared, exclusive or virtual");
}

TEST(CdiIsolation, VirtualNeedsMps)
{
	CdiOptions o;
	o.isolation = "virtual";
	auto none = gen("t4-proprietary", "", o);
	ASSERT_FALSE(none);
	EXPECT_EQ(none.error().code, Errc::Unsupported);
	EXPECT_EQ(none.error().message,
		  "cdi generate: isolation 'virtual' needs NVIDIA MPS, which is not running: no "
		  "/tmp/nvidia-mps pipe directory on the host (start it with "
		  "`nvidia-cuda-mps-control -d`)");
	auto amd = gen("mi300x-mi210", "", o);
	ASSERT_FALSE(amd);
	EXPECT_EQ(amd.error().message,
		  "cdi generate: isolation 'virtual' needs NVIDIA MPS; amd.com/gpu GPUs have none");
}

TEST(CdiIsolation, VirtualSetsMpsLimits)
{
	// A copy of the T4 host where the MPS control daemon runs (its pipe directory exists).
	TempDir t;
	std::filesystem::copy(fixtureHost("t4-proprietary"), t / "host",
			      std::filesystem::copy_options::recursive |
				      std::filesystem::copy_options::copy_symlinks);
	std::filesystem::create_directories(t / "host/tmp/nvidia-mps");
	ContextOptions co;
	co.hostRoot = t / "host";
	co.configFile = t / "nvbind.toml";
	spit(co.configFile,
	     "[bolt.capsule]\nisolation_level = \"virtual\"\ngpu_memory_limit = \"16GiB\"\n");
	auto ctx = Context::create(co);
	ASSERT_TRUE(ctx) << ctx.error().message;
	CdiOptions o;
	o.computeShare = 25;
	auto g = generateCdi(**ctx, o);
	ASSERT_TRUE(g) << g.error().message;
	const CdiSpec &s = g->specs[0];
	EXPECT_TRUE(hasEnv(s, "CUDA_MPS_PIPE_DIRECTORY=/tmp/nvidia-mps"));
	EXPECT_TRUE(hasEnv(s, "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=16G"));
	EXPECT_TRUE(hasEnv(s, "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=25"));
	EXPECT_TRUE(mounts(s, "/tmp/nvidia-mps"));
	EXPECT_EQ(s.annotations.at("tb.gpu/isolation"), "virtual");
}
