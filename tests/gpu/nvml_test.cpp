// SPDX-License-Identifier: Apache-2.0
// The dlopen'ed NVML client against a stand-in libnvidia-ml.so.1, the wsl2 probe's use of it
// on the real root, and the nvidia probe's NVML merge under a fixture root (nvml = "always").
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <tb/context.h>
#include <tb/gpus.h>

#include <tbsupport/nvml.h>

#include "probe_test_util.h"

namespace tb::support {
namespace {

using namespace tb::gputest;

TEST(Nvml, EnumeratesByIndex)
{
	std::string why;
	auto facts = queryNvml({}, why);
	ASSERT_TRUE(facts) << why;
	EXPECT_EQ(facts->driverVersion, "560.35.03");
	ASSERT_EQ(facts->gpus.size(), 3u);
	EXPECT_EQ(facts->gpus[0].name, "NVIDIA RTX A6000");
	EXPECT_EQ(facts->gpus[0].arch, "86");
	EXPECT_EQ(facts->gpus[0].memoryBytes, 51527024640ull);
	EXPECT_EQ(facts->gpus[0].busId, "");
	EXPECT_TRUE(facts->gpus[0].migDevices.empty());
	EXPECT_EQ(facts->gpus[1].arch, "90");
	ASSERT_EQ(facts->gpus[1].migDevices.size(), 1u);
	EXPECT_EQ(facts->gpus[1].migDevices[0].uuid, "MIG-5c3a1e2f-0000-4000-8000-000000000100");
	EXPECT_EQ(facts->gpus[1].migDevices[0].profile, "1g.10gb");
	EXPECT_EQ(facts->gpus[1].migDevices[0].slot, "gi1/ci0");
	ASSERT_EQ(facts->gpus[2].migDevices.size(), 2u);
	EXPECT_EQ(facts->gpus[2].migDevices[1].profile, "3g.40gb");
	EXPECT_EQ(facts->gpus[2].migDevices[1].slot, "gi2/ci0");
}

TEST(Nvml, QueriesByBusIdAndSkipsUnknownOnes)
{
	std::string why;
	auto facts = queryNvml({"0000:02:00.0", "0000:99:00.0"}, why);
	ASSERT_TRUE(facts) << why;
	ASSERT_EQ(facts->gpus.size(), 1u);
	EXPECT_EQ(facts->gpus[0].busId, "0000:02:00.0");
	EXPECT_EQ(facts->gpus[0].uuid, "GPU-5c3a1e2f-0000-4000-8000-000000000001");
}

TEST(Nvml, Wsl2ProbeNamesGpusThroughNvmlOnTheRealRoot)
{
	::setenv("WSL_DISTRO_NAME", "tb-test", 1);
	ContextOptions o;
	o.hostRoot = "/";
	auto ctx = Context::create(o);
	ASSERT_TRUE(ctx) << ctx.error().message;
	auto inv = probeGpus(**ctx);
	::unsetenv("WSL_DISTRO_NAME");
	ASSERT_TRUE(inv);
	const ProbeRun *w = inv->find("wsl2");
	ASSERT_TRUE(w);
	ASSERT_EQ(w->status, ProbeStatus::Ok) << w->error.message;
	EXPECT_EQ(w->report.facts.at("wsl2.distro"), "tb-test");
	EXPECT_EQ(w->report.driver.version, "560.35.03");
	std::vector<const GpuDevice *> nv;
	for (auto &g : w->report.gpus)
		if (g.vendor == "nvidia")
			nv.push_back(&g);
	ASSERT_EQ(nv.size(), 3u);
	EXPECT_EQ(nv[0]->backend, "cuda");
	EXPECT_EQ(nv[0]->arch, "86");
	EXPECT_EQ(nv[0]->warpSize, 32);
	EXPECT_EQ(nv[0]->driverType, "wsl");
}

/// A config file holding one plugin section line, removed again at scope exit.
class ConfigFile {
public:
	explicit ConfigFile(const std::string &section, const std::string &line)
	    : path_(std::filesystem::temp_directory_path() /
		    ("tb-nvml-" + std::to_string(::getpid()) + ".toml"))
	{
		std::ofstream(path_) << "[plugins.\"" << section << "\"]\n" << line << "\n";
	}
	~ConfigFile() { std::filesystem::remove(path_); }
	std::string path() const { return path_.string(); }

private:
	std::filesystem::path path_;
};

TEST(Nvml, ModeFromConfig)
{
	auto mode = [](ConfigValue v) {
		return nvmlModeFromConfig(ConfigView({{"nvml", std::move(v)}}), "probe.nvidia");
	};
	EXPECT_EQ(*nvmlModeFromConfig(ConfigView(), "probe.nvidia"), NvmlMode::Auto);
	EXPECT_EQ(*mode(std::string("auto")), NvmlMode::Auto);
	EXPECT_EQ(*mode(std::string("always")), NvmlMode::Always);
	EXPECT_EQ(*mode(std::string("never")), NvmlMode::Never);
	EXPECT_EQ(*mode(true), NvmlMode::Auto); // the boolean of earlier versions
	EXPECT_EQ(*mode(false), NvmlMode::Never);
	auto bad = mode(std::string("sometimes"));
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().code, Errc::InvalidArgument);
	EXPECT_EQ(bad.error().message, "[plugins.\"probe.nvidia\"] nvml: expected \"auto\", "
				       "\"always\" or \"never\", not \"sometimes\"");
	EXPECT_FALSE(mode(int64_t{1}));
	EXPECT_TRUE(nvmlWanted(NvmlMode::Auto, "/"));
	EXPECT_FALSE(nvmlWanted(NvmlMode::Auto, "/srv/host"));
	EXPECT_TRUE(nvmlWanted(NvmlMode::Always, "/srv/host"));
	EXPECT_FALSE(nvmlWanted(NvmlMode::Never, "/"));
}

TEST(Nvml, AutoNeverAsksNvmlUnderAFixtureRoot)
{
	auto inv = host("h100x8-open-mig");
	ASSERT_EQ(inv.gpus.size(), 8u);
	EXPECT_EQ(inv.gpus[0].memoryBytes, 0u); // the stand-in would have answered
	EXPECT_EQ(inv.gpus[0].partitions[0].id, "gi1/ci0");
}

TEST(Nvml, AlwaysMergesNvmlUnderAFixtureRoot)
{
	HostCopy h("h100x8-open-mig");
	// A PCI id the built-in table lacks: the compute capability can only come from NVML.
	h.write("sys/devices/pci0000:00/0000:18:00.0/device", "0x2399\n");
	ConfigFile cfg("probe.nvidia", "nvml = \"always\"");
	auto inv = inventory(h.root(), cfg.path());
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	ASSERT_EQ(nv->status, ProbeStatus::Ok) << nv->error.message;
	ASSERT_EQ(inv.gpus.size(), 8u);
	const GpuDevice &g = inv.gpus[0];
	EXPECT_EQ(g.pciBdf, "0000:18:00.0");
	EXPECT_EQ(g.arch, "90");
	EXPECT_EQ(g.uuid, "GPU-5c3a1e2f-0000-4000-8000-000000000002"); // NVML's, not procfs'
	EXPECT_EQ(g.memoryBytes, 85520809984ull);
	ASSERT_EQ(g.partitions.size(), 2u);
	EXPECT_EQ(g.partitions[0].id, "MIG-5c3a1e2f-0000-4000-8000-000000000200");
	EXPECT_EQ(g.partitions[0].profile, "1g.10gb");
	EXPECT_TRUE(hasNode(g.partitions[0].nodes, "/dev/nvidia-caps/nvidia-cap12", 511, 12));
	EXPECT_EQ(g.partitions[1].id, "MIG-5c3a1e2f-0000-4000-8000-000000000201");
	EXPECT_EQ(g.partitions[1].profile, "3g.40gb");
	auto &facts = nv->report.facts;
	EXPECT_EQ(facts.at("mig.MIG-5c3a1e2f-0000-4000-8000-000000000200"), "0000:18:00.0 gi1/ci0");
	EXPECT_EQ(facts.at("mig.MIG-5c3a1e2f-0000-4000-8000-000000000201"), "0000:18:00.0 gi2/ci0");
	// GPUs NVML does not know keep what procfs and the PCI id table say.
	EXPECT_EQ(inv.gpus[1].memoryBytes, 0u);
	EXPECT_EQ(inv.gpus[1].partitions[0].id, "gi1/ci0");
	EXPECT_EQ(inv.gpus[1].uuid, "GPU-9d3e0a11-1c2d-4e5f-8a9b-0c1d2e3f4a01");
	// The module's version stays; NVML's different one is a warning.
	EXPECT_EQ(nv->report.driver.version, "550.54.14");
	ASSERT_EQ(nv->report.warnings.size(), 1u) << joined(nv->report.warnings);
	EXPECT_EQ(nv->report.warnings[0],
		  "NVML reports driver 560.35.03, the kernel module 550.54.14");
	auto json = gpuInventoryJson(inv);
	EXPECT_NE(json.find("\"profile\": \"3g.40gb\""), std::string::npos);
}

// Probe \a h with the kernel module's and procfs' driver versions removed, so that only the
// fake NVML (driver 550.54.14) knows the version.
GpuInventory inventoryWithDriverVersionOnlyInNvml(HostCopy &h)
{
	h.remove("sys/module/nvidia/version");
	h.remove("proc/driver/nvidia/version");
	ConfigFile cfg("probe.nvidia", "nvml = \"always\"");
	::setenv("FAKE_NVML_DRIVER_VERSION", "550.54.14", 1);
	auto inv = inventory(h.root(), cfg.path());
	::unsetenv("FAKE_NVML_DRIVER_VERSION");
	return inv;
}

TEST(Nvml, DriverVersionFallsBackToNvml)
{
	HostCopy h("h100x8-open-mig");
	auto inv = inventoryWithDriverVersionOnlyInNvml(h);
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	ASSERT_EQ(nv->status, ProbeStatus::Ok) << nv->error.message;
	EXPECT_EQ(nv->report.driver.version, "550.54.14");
	for (auto &g : inv.gpus)
		EXPECT_EQ(g.driverVersion, "550.54.14") << g.pciBdf;
	// Neither "version unknown" nor a mismatch, and the driver files of that version.
	EXPECT_TRUE(nv->report.warnings.empty()) << joined(nv->report.warnings);
	EXPECT_TRUE(
		contains(nv->report.libraries, "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.14"));
	EXPECT_EQ(nv->report.firmware.size(), 2u);
}

TEST(Nvml, DriverVersionFromNvmlSkipsAGpuBoundToVfio)
{
	HostCopy h("h100x8-open-mig");
	const std::string dev = "sys/devices/pci0000:00/0000:2a:00.0";
	h.remove("sys/bus/pci/drivers/nvidia/0000:2a:00.0");
	h.write("sys/bus/pci/drivers/vfio-pci/bind", "");
	h.link("sys/bus/pci/drivers/vfio-pci/0000:2a:00.0", "../../../../" + dev);
	h.link(dev + "/driver", "../../../bus/pci/drivers/vfio-pci");
	auto inv = inventoryWithDriverVersionOnlyInNvml(h);
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	ASSERT_EQ(nv->status, ProbeStatus::Ok) << nv->error.message;
	EXPECT_EQ(nv->report.driver.version, "550.54.14");
	ASSERT_EQ(inv.gpus.size(), 8u);
	for (auto &g : inv.gpus) {
		bool vfio = g.pciBdf == "0000:2a:00.0";
		EXPECT_EQ(g.backend, vfio ? "" : "cuda") << g.pciBdf;
		EXPECT_EQ(g.driverVersion, vfio ? "" : "550.54.14") << g.pciBdf;
	}
	EXPECT_EQ(joined(nv->report.warnings), "GPU 0000:2a:00.0: bound to vfio-pci in sysfs, not "
					       "nvidia: not usable for containers\n");
}

TEST(Nvml, NoVersionAnywhereIsWarned)
{
	HostCopy h("h100x8-open-mig");
	h.remove("sys/module/nvidia/version");
	h.remove("proc/driver/nvidia/version");
	auto inv = inventory(h.root()); // auto: NVML is not asked under a fixture root
	const ProbeRun *nv = inv.find("nvidia");
	ASSERT_TRUE(nv);
	EXPECT_EQ(nv->report.driver.version, "");
	EXPECT_NE(joined(nv->report.warnings).find("driver version unknown"), std::string::npos)
		<< joined(nv->report.warnings);
}

TEST(Nvml, NeverKeepsWsl2ProbeOffNvmlOnTheRealRoot)
{
	for (const char *line : {"nvml = \"never\"", "nvml = false"}) {
		ConfigFile cfg("probe.wsl2", line);
		::setenv("WSL_DISTRO_NAME", "tb-test", 1);
		auto inv = inventory("/", cfg.path());
		::unsetenv("WSL_DISTRO_NAME");
		const ProbeRun *w = inv.find("wsl2");
		ASSERT_TRUE(w);
		ASSERT_EQ(w->status, ProbeStatus::Ok) << w->error.message;
		for (auto &g : w->report.gpus)
			EXPECT_NE(g.vendor, "nvidia") << line;
		EXPECT_EQ(w->report.driver.version, "") << line;
	}
}

TEST(Nvml, BadModeFailsThePlugin)
{
	ConfigFile cfg("probe.nvidia", "nvml = \"sometimes\"");
	ContextOptions o;
	o.configFile = cfg.path();
	o.hostRoot = hostsDir() + "/t4-proprietary";
	auto ctx = Context::create(o);
	ASSERT_TRUE(ctx) << ctx.error().message;
	bool seen = false;
	for (auto &p : (*ctx)->plugins())
		if (p.uri == "probe.nvidia" && p.status == PluginStatus::Failed) {
			seen = true;
			EXPECT_NE(p.reason.find("nvml: expected \"auto\""), std::string::npos)
				<< p.reason;
		}
	EXPECT_TRUE(seen);
}

} // namespace
} // namespace tb::support
