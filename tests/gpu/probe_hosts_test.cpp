// SPDX-License-Identifier: Apache-2.0
// In-process probes (libtb probeGpus + the built probe plugins) over every fixture host.
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "probe_test_util.h"

namespace tb {
namespace {

using namespace tb::gputest;

TEST(ProbeHosts, NoGpuSkipsEveryProbe)
{
	auto inv = host("no-gpu");
	EXPECT_TRUE(inv.gpus.empty());
	for (auto &p : inv.probes) {
		EXPECT_EQ(p.status, ProbeStatus::Skipped) << p.probe << ": " << p.error.message;
		EXPECT_EQ(p.error.code, Errc::Skip);
	}
	EXPECT_FALSE(inv.anyFailed());
	EXPECT_FALSE(inv.wsl2());
}

TEST(ProbeHosts, ExplicitProbeListGivesTheSameInventory)
{
	ContextOptions o;
	o.hostRoot = hostsDir() + "/h100x8-open-mig";
	auto ctx = Context::create(o);
	ASSERT_TRUE(ctx) << ctx.error().message;
	auto viaContext = probeGpus(**ctx);
	ASSERT_TRUE(viaContext);
	GpuInventory direct = probeGpus((*ctx)->gpuProbes());
	ASSERT_EQ(direct.probes.size(), viaContext->probes.size());
	for (size_t i = 0; i < direct.probes.size(); ++i) {
		EXPECT_EQ(direct.probes[i].probe, viaContext->probes[i].probe);
		EXPECT_EQ(direct.probes[i].status, viaContext->probes[i].status);
	}
	EXPECT_EQ(gpuInventoryJson(direct), gpuInventoryJson(*viaContext));
}

TEST(ProbeHosts, TeslaT4Proprietary)
{
	auto inv = host("t4-proprietary");
	ASSERT_EQ(inv.gpus.size(), 1u);
	const GpuDevice &g = inv.gpus[0];
	EXPECT_EQ(g.name, "Tesla T4");
	EXPECT_EQ(g.pciBdf, "0000:3b:00.0");
	EXPECT_EQ(g.arch, "75");
	EXPECT_EQ(g.backend, "cuda");
	EXPECT_EQ(g.warpSize, 32);
	EXPECT_EQ(g.driverVersion, "550.54.14");
	EXPECT_EQ(g.driverType, "proprietary");
	EXPECT_EQ(g.uuid, "GPU-6a1f6c3e-6d0b-4c4e-9f0a-2b1f3c5d7e90");
	EXPECT_EQ(g.numaNode, 0);
	EXPECT_TRUE(hasNode(g.nodes, "/dev/nvidia0", 195, 0));
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	// Control nodes are never GPUs; majors above 255 survive.
	EXPECT_TRUE(hasNode(nv->report.controlNodes, "/dev/nvidiactl", 195, 255));
	EXPECT_TRUE(hasNode(nv->report.controlNodes, "/dev/nvidia-uvm", 508, 0));
	EXPECT_TRUE(hasNode(nv->report.controlNodes, "/dev/nvidia-uvm-tools", 508, 1));
	auto &libs = nv->report.libraries;
	EXPECT_TRUE(contains(libs, "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.14"));
	EXPECT_TRUE(contains(libs, "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.54.14"));
	EXPECT_TRUE(contains(libs, "/usr/lib/x86_64-linux-gnu/vdpau/libvdpau_nvidia.so.550.54.14"));
	EXPECT_TRUE(contains(libs, "/usr/lib/x86_64-linux-gnu/libnvidia-egl-gbm.so.1.1.1"));
	EXPECT_FALSE(contains(libs, "/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05"));
	EXPECT_FALSE(contains(libs, "/usr/lib/x86_64-linux-gnu/libcuda.so.1"));
	EXPECT_TRUE(contains(nv->report.binaries, "/usr/bin/nvidia-smi"));
	EXPECT_TRUE(contains(nv->report.ipcSockets, "/run/nvidia-persistenced/socket"));
	EXPECT_TRUE(contains(nv->report.configFiles, "/etc/OpenCL/vendors/nvidia.icd"));
	// firmware_class.path is searched first; the copy in /lib/firmware is not used.
	EXPECT_EQ(nv->report.firmware,
		  std::vector<std::string>{"/opt/nvidia/firmware/nvidia/550.54.14/gsp_tu10x.bin"});
	EXPECT_TRUE(nv->report.warnings.empty()) << nv->report.warnings.front();
}

TEST(ProbeHosts, EightH100OpenWithMig)
{
	auto inv = host("h100x8-open-mig");
	ASSERT_EQ(inv.gpus.size(), 8u); // NVSwitches and the BMC display are no GPUs
	for (size_t i = 0; i < 8; ++i) {
		const GpuDevice &g = inv.gpus[i];
		EXPECT_EQ(g.index, static_cast<int>(i));
		EXPECT_EQ(g.arch, "90");
		EXPECT_EQ(g.driverType, "open");
		EXPECT_EQ(g.numaNode, i < 4 ? 0 : 1);
		EXPECT_TRUE(hasNode(g.nodes, "/dev/dri/renderD" + std::to_string(128 + i), 226,
				    128 + i));
		EXPECT_TRUE(hasNode(g.nodes, "/dev/dri/card" + std::to_string(1 + i), 226, 1 + i));
	}
	ASSERT_EQ(inv.gpus[0].partitions.size(), 2u);
	EXPECT_EQ(inv.gpus[0].partitions[0].id, "gi1/ci0");
	EXPECT_TRUE(
		hasNode(inv.gpus[0].partitions[0].nodes, "/dev/nvidia-caps/nvidia-cap12", 511, 12));
	EXPECT_TRUE(
		hasNode(inv.gpus[0].partitions[0].nodes, "/dev/nvidia-caps/nvidia-cap13", 511, 13));
	ASSERT_EQ(inv.gpus[1].partitions.size(), 1u);
	for (size_t i = 2; i < 8; ++i)
		EXPECT_TRUE(inv.gpus[i].partitions.empty());
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	EXPECT_TRUE(hasNode(nv->report.controlNodes, "/dev/nvidia-caps/nvidia-cap1", 511, 1));
	EXPECT_FALSE(hasNode(nv->report.controlNodes, "/dev/nvidia-caps/nvidia-cap12", 511, 12));
	EXPECT_EQ(nv->report.firmware.size(), 2u); // an empty firmware_class.path is unset
	EXPECT_TRUE(contains(nv->report.firmware, "/lib/firmware/nvidia/550.54.14/gsp_ga10x.bin"));
	EXPECT_TRUE(contains(nv->report.ipcSockets, "/run/nvidia-fabricmanager/socket"));
	// Minors beyond 8 bits survive.
	EXPECT_TRUE(hasNode(nv->report.controlNodes, "/dev/nvidia-caps-imex-channels/channel2047",
			    507, 2047));
	EXPECT_TRUE(hasNode(nv->report.controlNodes, "/dev/nvidia-caps-imex-channels/channel0", 507,
			    0));
	const std::string lib = "/usr/lib/x86_64-linux-gnu/";
	auto &libs = nv->report.libraries;
	EXPECT_TRUE(contains(libs, lib + "libnvidia-nvvm70.so.4"));
	EXPECT_TRUE(contains(libs, lib + "nvidia/xorg/nvidia_drv.so"));
	EXPECT_TRUE(contains(libs, lib + "nvidia/xorg/libglxserver_nvidia.so.550.54.14"));
	EXPECT_FALSE(contains(libs, lib + "nvidia/xorg/libglxserver_nvidia.so")); // a link
	EXPECT_TRUE(contains(nv->report.binaries, "/usr/bin/nvidia-xconfig"));
	EXPECT_TRUE(nv->report.warnings.empty()) << nv->report.warnings.front();
}

TEST(ProbeHosts, AmdMi300xAndMi210)
{
	auto inv = host("mi300x-mi210");
	ASSERT_EQ(inv.gpus.size(), 3u); // CPU nodes of the KFD topology are ignored
	EXPECT_EQ(inv.gpus[0].name, "AMD Instinct MI300X");
	EXPECT_EQ(inv.gpus[0].arch, "gfx942");
	EXPECT_EQ(inv.gpus[0].memoryBytes, 206158430208ull);
	EXPECT_EQ(inv.gpus[1].arch, "gfx942");
	EXPECT_EQ(inv.gpus[1].memoryBytes, 206158430208ull); // both DPX partitions
	EXPECT_EQ(inv.gpus[2].arch, "gfx90a");
	EXPECT_EQ(inv.gpus[2].pciBdf, "0000:c3:00.0");
	EXPECT_EQ(inv.gpus[2].numaNode, 1);
	for (auto &g : inv.gpus) {
		EXPECT_EQ(g.backend, "hip");
		EXPECT_EQ(g.warpSize, 64);
		EXPECT_EQ(g.uuid.rfind("GPU-", 0), 0u);
	}
	EXPECT_TRUE(inv.gpus[0].partitions.empty());
	ASSERT_EQ(inv.gpus[1].partitions.size(), 2u); // DPX: the device itself + amdgpu_xcp_0
	EXPECT_EQ(inv.gpus[1].partitions[1].id, "amdgpu_xcp_0");
	EXPECT_EQ(inv.gpus[1].partitions[1].profile, "DPX");
	EXPECT_TRUE(hasNode(inv.gpus[1].partitions[1].nodes, "/dev/dri/renderD131", 226, 131));
	const ProbeRun *amd = inv.find("amd");
	ASSERT_TRUE(amd);
	EXPECT_TRUE(hasNode(amd->report.controlNodes, "/dev/kfd", 238, 0));
	EXPECT_TRUE(amd->report.warnings.empty()) << amd->report.warnings.front();
}

// The fixture itself: each DPX partition's KFD node has half of the GPU's SIMDs and XCCs.
TEST(ProbeHosts, DpxPartitionsSplitTheMi300x)
{
	auto props = [](int node) {
		std::ifstream in(hostsDir() + "/mi300x-mi210/sys/class/kfd/kfd/topology/nodes/" +
				 std::to_string(node) + "/properties");
		std::map<std::string, long long> kv;
		std::string k;
		long long v;
		while (in >> k >> v)
			kv[k] = v;
		return kv;
	};
	auto spx = props(2), dpx0 = props(3), dpx1 = props(4);
	ASSERT_EQ(spx.at("simd_count"), 1216);
	EXPECT_EQ(dpx0.at("simd_count"), 608);
	EXPECT_EQ(dpx0.at("simd_count") + dpx1.at("simd_count"), spx.at("simd_count"));
	EXPECT_EQ(dpx0.at("num_xcc") + dpx1.at("num_xcc"), spx.at("num_xcc"));
	EXPECT_EQ(dpx0.at("location_id"), dpx1.at("location_id")); // one PCI function
}

TEST(ProbeHosts, IntelArcOnXe)
{
	auto inv = host("arc-xe");
	ASSERT_EQ(inv.gpus.size(), 1u);
	EXPECT_EQ(inv.gpus[0].name, "Intel Arc B580 Graphics");
	EXPECT_EQ(inv.gpus[0].backend, "xpu");
	EXPECT_EQ(inv.gpus[0].arch, "bmg");
	EXPECT_EQ(inv.gpus[0].driverType, "xe");
	EXPECT_TRUE(hasNode(inv.gpus[0].nodes, "/dev/dri/renderD128", 226, 128));
}

TEST(ProbeHosts, Wsl2DriverStore)
{
	auto inv = host("wsl2");
	EXPECT_TRUE(inv.wsl2());
	const ProbeRun *w = inv.find("wsl2");
	ASSERT_TRUE(w);
	EXPECT_EQ(w->report.facts.at("wsl2.driverStore.nvidia"),
		  "/usr/lib/wsl/drivers/nv_dispi.inf_amd64_7f1b2ad5cb2e4e89");
	EXPECT_EQ(w->report.facts.at("check.dxg"), "present:required:/dev/dxg");
	EXPECT_TRUE(hasNode(w->report.controlNodes, "/dev/dxg", 10, 125));
	EXPECT_TRUE(contains(w->report.libraries, "/usr/lib/wsl/lib/libdxcore.so"));
	EXPECT_EQ(inv.find("nvidia")->status, ProbeStatus::Skipped);
	ASSERT_EQ(inv.gpus.size(), 1u);
	EXPECT_EQ(inv.gpus[0].arch, ""); // behind GPU-PV: unknown, never guessed
}

TEST(ProbeHosts, NouveauIsNoUsableDriver)
{
	auto inv = host("nouveau");
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	ASSERT_EQ(nv->status, ProbeStatus::Ok);
	ASSERT_EQ(inv.gpus.size(), 1u); // the HDMI audio function is no GPU
	EXPECT_EQ(inv.gpus[0].driverType, "nouveau");
	EXPECT_EQ(inv.gpus[0].backend, "");
	ASSERT_EQ(nv->report.warnings.size(), 1u);
	EXPECT_NE(nv->report.warnings[0].find("no NVIDIA driver usable for containers"),
		  std::string::npos);
}

TEST(ProbeHosts, BrokenInstallFailsClearly)
{
	auto inv = host("broken-nvidia");
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	EXPECT_EQ(nv->status, ProbeStatus::Failed);
	EXPECT_EQ(nv->error.code, Errc::Unavailable);
	EXPECT_NE(nv->error.message.find("/dev/nvidia0"), std::string::npos) << nv->error.message;
	EXPECT_TRUE(inv.anyFailed());
	EXPECT_TRUE(inv.gpus.empty());
}

namespace fsys = std::filesystem;

TEST(ProbeHosts, UnknownPciIdLeavesComputeCapabilityUnknown)
{
	HostCopy h("t4-proprietary");
	h.write("sys/devices/pci0000:00/0000:3b:00.0/device", "0x1234\n");
	auto inv = inventory(h.root());
	ASSERT_EQ(inv.gpus.size(), 1u);
	EXPECT_EQ(inv.gpus[0].arch, ""); // never guessed from the name or neighbouring ids
	EXPECT_EQ(inv.gpus[0].name, "Tesla T4");
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_EQ(nv->report.warnings.size(), 1u);
	EXPECT_NE(nv->report.warnings[0].find("compute capability unknown"), std::string::npos);
}

TEST(ProbeHosts, StaleLibrariesAndVersionMismatchAreWarned)
{
	HostCopy h("t4-proprietary");
	h.write("sys/module/nvidia/version", "555.42.06\n");
	auto inv = inventory(h.root());
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	ASSERT_EQ(nv->status, ProbeStatus::Ok);
	EXPECT_EQ(nv->report.driver.version, "555.42.06");
	std::string all = joined(nv->report.warnings);
	EXPECT_NE(all.find("/proc/driver/nvidia/version says 550.54.14"), std::string::npos) << all;
	EXPECT_NE(all.find("libcuda.so.550.54.14 does not match the loaded driver 555.42.06"),
		  std::string::npos)
		<< all;
	// The library the loader would use is still reported.
	EXPECT_TRUE(
		contains(nv->report.libraries, "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.14"));
}

TEST(ProbeHosts, ModuleWithoutLibrariesIsWarnedNotFailed)
{
	HostCopy h("t4-proprietary");
	fsys::remove(h.root() + "/etc/ld.so.cache");
	for (auto &e : fsys::directory_iterator(h.root() + "/usr/lib/x86_64-linux-gnu"))
		if (e.path().filename().string().rfind("lib", 0) == 0 &&
		    e.path().filename() != "libc.so.6")
			fsys::remove(e.path());
	auto inv = inventory(h.root());
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	ASSERT_EQ(nv->status, ProbeStatus::Ok); // the GPU itself is usable
	EXPECT_EQ(inv.gpus.size(), 1u);
	EXPECT_TRUE(nv->report.libraries.empty());
	ASSERT_EQ(nv->report.warnings.size(), 1u);
	EXPECT_NE(nv->report.warnings[0].find("no NVIDIA driver libraries found"),
		  std::string::npos)
		<< nv->report.warnings[0];
}

TEST(ProbeHosts, CorruptLdCacheFallsBackToLibraryDirs)
{
	HostCopy h("t4-proprietary");
	h.write("etc/ld.so.cache", "glibc-ld.so.cache1.1" + std::string(40, '\xff'));
	auto inv = inventory(h.root());
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	ASSERT_EQ(nv->status, ProbeStatus::Ok);
	EXPECT_TRUE(
		contains(nv->report.libraries, "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.14"));
	ASSERT_FALSE(nv->report.warnings.empty());
	EXPECT_NE(nv->report.warnings[0].find("ignoring /etc/ld.so.cache"), std::string::npos)
		<< nv->report.warnings[0];
}

} // namespace
} // namespace tb
