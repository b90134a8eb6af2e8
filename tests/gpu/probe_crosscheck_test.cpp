// SPDX-License-Identifier: Apache-2.0
// The NVIDIA probe's sysfs/procfs cross-checks and driver-file search on edited fixture copies:
// foreign vendor or driver, GPUs missing from procfs, excluded GPUs, absolute links.
#include <gtest/gtest.h>

#include "probe_test_util.h"

namespace tb {
namespace {

using namespace tb::gputest;

const std::string kT4Dev = "sys/devices/pci0000:00/0000:3b:00.0";
const std::string kT4Info = "proc/driver/nvidia/gpus/0000:3b:00.0/information";

// The T4's information file with one line replaced (or dropped when \a line is empty).
std::string t4Information(const std::string &prefix, const std::string &line)
{
	std::ifstream in(hostsDir() + "/t4-proprietary/" + kT4Info);
	std::string out, l;
	while (std::getline(in, l))
		if (l.rfind(prefix, 0) != 0)
			out += l + "\n";
		else if (!line.empty())
			out += line + "\n";
	return out;
}

// Rebind the T4 in sysfs from nvidia to \a driver.
void rebindT4(HostCopy &h, const std::string &driver)
{
	h.remove("sys/bus/pci/drivers/nvidia/0000:3b:00.0");
	h.write("sys/bus/pci/drivers/" + driver + "/bind", "");
	h.link("sys/bus/pci/drivers/" + driver + "/0000:3b:00.0", "../../../../" + kT4Dev);
	h.link(kT4Dev + "/driver", "../../../bus/pci/drivers/" + driver);
}

const ProbeRun &nvidiaOk(const GpuInventory &inv)
{
	const ProbeRun *nv = inv.find("nvidia");
	EXPECT_TRUE(nv);
	EXPECT_EQ(nv->status, ProbeStatus::Ok) << nv->error.message;
	return *nv;
}

void expectOnlyWarning(const ProbeRun &nv, const std::string &warning)
{
	ASSERT_EQ(nv.report.warnings.size(), 1u) << joined(nv.report.warnings);
	EXPECT_EQ(nv.report.warnings[0], warning);
}

// The probe on \a h finds no GPU and gives exactly one warning, \a warning.
void expectNoGpuAndOnlyWarning(const HostCopy &h, const std::string &warning)
{
	auto inv = inventory(h.root());
	auto &nv = nvidiaOk(inv);
	EXPECT_TRUE(inv.gpus.empty());
	expectOnlyWarning(nv, warning);
}

TEST(ProbeCrossCheck, ForeignSysfsVendorIsWarned)
{
	HostCopy h("t4-proprietary");
	h.write(kT4Dev + "/vendor", "0x1234\n");
	auto inv = inventory(h.root());
	auto &nv = nvidiaOk(inv);
	ASSERT_EQ(inv.gpus.size(), 1u);
	EXPECT_EQ(inv.gpus[0].backend, "cuda"); // procfs says the driver has it
	expectOnlyWarning(nv, "GPU 0000:3b:00.0: sysfs vendor is 0x1234, not 0x10de");
}

TEST(ProbeCrossCheck, GpuBoundToVfioIsNotUsable)
{
	HostCopy h("t4-proprietary");
	rebindT4(h, "vfio-pci");
	auto inv = inventory(h.root());
	auto &nv = nvidiaOk(inv);
	ASSERT_EQ(inv.gpus.size(), 1u);
	const GpuDevice &g = inv.gpus[0];
	EXPECT_EQ(g.name, "Tesla T4");
	EXPECT_EQ(g.backend, ""); // like nouveau: no kernel cache and no container gets it
	EXPECT_EQ(g.driverType, "");
	EXPECT_EQ(g.driverVersion, "");
	ASSERT_NO_FATAL_FAILURE(expectOnlyWarning(nv,
						  "GPU 0000:3b:00.0: bound to vfio-pci in "
						  "sysfs, not nvidia: not usable for containers"));
	auto json = gpuInventoryJson(inv);
	EXPECT_NE(json.find("\"backend\": null"), std::string::npos) << json;
}

TEST(ProbeCrossCheck, VfioGpuMissingFromProcfsIsWarned)
{
	HostCopy h("t4-proprietary");
	rebindT4(h, "vfio-pci");
	h.remove("proc/driver/nvidia/gpus/0000:3b:00.0");
	expectNoGpuAndOnlyWarning(h, "GPU 0000:3b:00.0 (0x1eb8) is bound to vfio-pci, not "
				     "nvidia: not usable for containers");
}

TEST(ProbeCrossCheck, BoundToNvidiaButMissingFromProcfs)
{
	HostCopy h("t4-proprietary");
	h.remove("proc/driver/nvidia/gpus/0000:3b:00.0");
	expectNoGpuAndOnlyWarning(
		h,
		"GPU 0000:3b:00.0 is bound to nvidia but not listed in /proc/driver/nvidia/gpus");
}

TEST(ProbeCrossCheck, ExcludedGpuIsSkippedWithOneWarning)
{
	HostCopy h("t4-proprietary");
	h.write(kT4Info, t4Information("GPU Excluded:", "GPU Excluded:\t Yes"));
	// Still bound to nvidia and in procfs: no "not listed" warning on top.
	expectNoGpuAndOnlyWarning(
		h, "GPU 0000:3b:00.0 is excluded by the driver (NVreg_ExcludedGpus): skipped");
}

TEST(ProbeCrossCheck, MissingUuidLineGivesNullUuid)
{
	HostCopy h("t4-proprietary");
	h.write(kT4Info, t4Information("GPU UUID:", ""));
	auto inv = inventory(h.root());
	auto &nv = nvidiaOk(inv);
	ASSERT_EQ(inv.gpus.size(), 1u);
	EXPECT_EQ(inv.gpus[0].uuid, "");
	EXPECT_EQ(inv.gpus[0].backend, "cuda");
	EXPECT_TRUE(nv.report.warnings.empty()) << joined(nv.report.warnings);
	auto json = gpuInventoryJson(inv);
	EXPECT_NE(json.find("\"uuid\": null"), std::string::npos) << json;
}

TEST(ProbeCrossCheck, XorgModulesFromTheSystemModuleDirs)
{
	HostCopy h("h100x8-open-mig");
	h.remove("usr/lib/x86_64-linux-gnu/nvidia/xorg");
	h.write("usr/lib/xorg/modules/drivers/nvidia_drv.so", "");
	h.write("usr/lib/xorg/modules/updates/extensions/libglxserver_nvidia.so.550.54.14", "");
	h.write("usr/lib/xorg/modules/updates/extensions/libglxserver_nvidia.so.535.104.05", "");
	auto inv = inventory(h.root());
	auto &libs = nvidiaOk(inv).report.libraries;
	EXPECT_TRUE(contains(libs, "/usr/lib/xorg/modules/drivers/nvidia_drv.so"));
	EXPECT_TRUE(contains(
		libs, "/usr/lib/xorg/modules/updates/extensions/libglxserver_nvidia.so.550.54.14"));
	EXPECT_FALSE(contains(
		libs,
		"/usr/lib/xorg/modules/updates/extensions/libglxserver_nvidia.so.535.104.05"));
}

TEST(ProbeCrossCheck, CustomFirmwarePathWithTrailingSlash)
{
	HostCopy h("t4-proprietary");
	h.write("sys/module/firmware_class/parameters/path", "/opt/nvidia/firmware/\n");
	auto inv = inventory(h.root());
	EXPECT_EQ(nvidiaOk(inv).report.firmware,
		  std::vector<std::string>{"/opt/nvidia/firmware/nvidia/550.54.14/gsp_tu10x.bin"});
}

// Absolute link targets are looked up inside the root, never on this machine.
TEST(ProbeCrossCheck, AbsoluteLinksStayInsideTheRoot)
{
	HostCopy h("h100x8-open-mig");
	// Debian's alternatives: a link into /etc/alternatives, present in the root.
	h.write("etc/alternatives/nvidia_icd.json", "{}\n");
	h.link("etc/vulkan/icd.d/nvidia_icd.json", "/etc/alternatives/nvidia_icd.json");
	// Targets that exist on this machine but not in the root must not count.
	h.link("etc/vulkan/icd.d/nvidia_layers.json", "/etc/passwd");
	h.link("usr/local/bin/nvidia-imex", "/bin/sh");
	auto inv = inventory(h.root());
	auto &r = nvidiaOk(inv).report;
	EXPECT_TRUE(contains(r.configFiles, "/etc/vulkan/icd.d/nvidia_icd.json"));
	EXPECT_FALSE(contains(r.configFiles, "/usr/share/vulkan/icd.d/nvidia_icd.json"));
	EXPECT_FALSE(contains(r.configFiles, "/etc/vulkan/icd.d/nvidia_layers.json"));
	EXPECT_FALSE(contains(r.binaries, "/usr/local/bin/nvidia-imex"));
}

} // namespace
} // namespace tb
