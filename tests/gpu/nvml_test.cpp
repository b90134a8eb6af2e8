// SPDX-License-Identifier: Apache-2.0
// The dlopen'ed NVML client against a stand-in libnvidia-ml.so.1, and the wsl2 probe's use
// of it on the real root.
#include <cstdlib>

#include <gtest/gtest.h>

#include <tb/context.h>
#include <tb/gpus.h>

#include <tbsupport/nvml.h>

namespace tb::support {
namespace {

TEST(Nvml, EnumeratesByIndex)
{
	std::string why;
	auto facts = queryNvml({}, why);
	ASSERT_TRUE(facts) << why;
	EXPECT_EQ(facts->driverVersion, "560.35.03");
	ASSERT_EQ(facts->gpus.size(), 2u);
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
	ASSERT_EQ(nv.size(), 2u);
	EXPECT_EQ(nv[0]->backend, "cuda");
	EXPECT_EQ(nv[0]->arch, "86");
	EXPECT_EQ(nv[0]->warpSize, 32);
	EXPECT_EQ(nv[0]->driverType, "wsl");
}

} // namespace
} // namespace tb::support
