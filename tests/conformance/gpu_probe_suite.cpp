// SPDX-License-Identifier: Apache-2.0
// Conformance suite for GPU-probe plugins: absent vendor = Skip, every path read through the
// host root, device records well-formed on every fixture host.
#include <filesystem>
#include <set>

#include <tb/gpu_probe.h>
#include <tb/gpus.h>

#include "conformance.h"

namespace tb::conformance {
namespace {

namespace fs = std::filesystem;

class GpuProbeSuite : public ::testing::TestWithParam<std::string> {};

TEST_P(GpuProbeSuite, EmptyHostMeansSkip)
{
	TempDir root;
	auto ctx = openContext(root.path());
	ASSERT_TRUE(ctx);
	GpuProbe *p = ctx->gpuProbe(GetParam());
	ASSERT_NE(p, nullptr);
	EXPECT_FALSE(p->vendor().empty());
	auto r = p->probe();
	ASSERT_FALSE(r) << GetParam() << " found GPUs on an empty host root";
	EXPECT_EQ(r.error().code, Errc::Skip) << r.error().message;
	EXPECT_FALSE(r.error().message.empty());
}

TEST_P(GpuProbeSuite, FixtureHostsGiveWellFormedRecords)
{
	const char *hosts = std::getenv("TB_FIXTURE_HOSTS");
	if (!hosts || !fs::is_directory(hosts))
		GTEST_SKIP() << "no fixture hosts (TB_FIXTURE_HOSTS)";
	int probed = 0;
	for (const auto &h : fs::directory_iterator(hosts)) {
		if (!h.is_directory())
			continue;
		auto ctx = openContext(h.path().string());
		ASSERT_TRUE(ctx);
		GpuProbe *p = ctx->gpuProbe(GetParam());
		ASSERT_NE(p, nullptr);
		auto r = p->probe();
		if (!r) {
			EXPECT_FALSE(r.error().message.empty()) << h.path();
			continue;
		}
		++probed;
		std::set<int> indices;
		for (const auto &g : r->gpus) {
			SCOPED_TRACE(h.path().filename().string() + " gpu " +
				     std::to_string(g.index));
			EXPECT_FALSE(g.vendor.empty());
			EXPECT_TRUE(indices.insert(g.index).second) << "duplicate index";
			EXPECT_TRUE(g.backend.empty() || g.backend == "cuda" ||
				    g.backend == "hip" || g.backend == "xpu")
				<< g.backend;
			for (const auto &n : g.nodes) {
				// Paths are host paths: the fixture root must never leak into them.
				EXPECT_EQ(n.path.rfind("/dev/", 0), 0u) << n.path;
				EXPECT_EQ(n.path.find(h.path().string()), std::string::npos)
					<< n.path;
			}
		}
		for (const auto &lib : r->libraries)
			EXPECT_EQ(lib.find(h.path().string()), std::string::npos) << lib;
	}
	RecordProperty("hosts_with_devices", probed);
}

TEST_P(GpuProbeSuite, CancelledContextStopsOrIgnoresTheProbe)
{
	TempDir root;
	auto ctx = openContext(root.path());
	ASSERT_TRUE(ctx);
	GpuProbe *p = ctx->gpuProbe(GetParam());
	ASSERT_NE(p, nullptr);
	ctx->cancel();
	auto r = p->probe();
	// A probe that watches tb.cancel says so; one that does not behaves as uncancelled.
	ASSERT_FALSE(r);
	EXPECT_TRUE(r.error().code == Errc::Cancelled || r.error().code == Errc::Skip)
		<< r.error().message;
}

TEST_P(GpuProbeSuite, HostReportOnlyFromMinorOneAndUnknownPlatformsAreUnsupported)
{
	TempDir root;
	auto ctx = openContext(root.path());
	ASSERT_TRUE(ctx);
	GpuProbe *p = ctx->gpuProbe(GetParam());
	ASSERT_NE(p, nullptr);
	ASSERT_LE(unsigned(p->apiMinor()), TB_GPU_PROBE_API_MINOR) << "a probe from a newer SDK";
	if (!hasMinor(*p, 1))
		GTEST_SKIP() << GetParam() << " is built against GpuProbe 2." << p->apiMinor()
			     << ": hostReport() is not in its vtable and must not be called";
	auto r = p->hostReport("no-such-platform");
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::Unsupported) << r.error().message;
	auto w = p->hostReport("wsl2");
	if (!w) {
		EXPECT_TRUE(w.error().code == Errc::Unsupported || w.error().code == Errc::Skip)
			<< w.error().message << " on an empty host root";
	}
}

INSTANTIATE_TEST_SUITE_P(GpuProbes, GpuProbeSuite, ::testing::ValuesIn(pluginNames("probe")),
			 paramName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GpuProbeSuite);

TEST(GpuProbeSuiteSetup, AtLeastOnePlugin)
{
	expectAtLeastOnePlugin("probe");
}

// The 2.0-SDK probe (tests/sdk/v2.0) is part of this suite; hostPlatformReport() walks every
// probe and must step over it rather than call the slot its vtable does not have.
TEST(GpuProbeSuiteSetup, OldSdkProbeIsLoadedAndNeverAskedForAHostReport)
{
	TempDir root;
	auto ctx = openContext(root.path());
	ASSERT_TRUE(ctx);
	GpuProbe *old = ctx->gpuProbe("fixture-v20");
	ASSERT_NE(old, nullptr) << "the 2.0-SDK test probe is not on TB_PLUGIN_PATH";
	EXPECT_EQ(unsigned(old->apiMinor()), 0u);
	auto r = hostPlatformReport(*ctx, "no-such-platform");
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::NotFound) << r.error().message;
}

} // namespace
} // namespace tb::conformance
