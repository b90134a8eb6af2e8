// SPDX-License-Identifier: Apache-2.0
// The host files generation reads beyond the probe reports (library links, the hook binary)
// are read once per inventory: a generation from the same inventory gives the same spec, a
// new probe of a changed host gives the new one, and another host root is read afresh.
#include <filesystem>

#include <gtest/gtest.h>

#include <tb/cdi.h>
#include <tb/gpus.h>

#include "cdi_test_util.h"

using namespace tb;
using namespace tb::test;
namespace fs = std::filesystem;

namespace {

const std::string kLibDir = "usr/lib/x86_64-linux-gnu";

// A copy of the t4-proprietary fixture host (no nvidia-cdi-hook: SONAME links are mounts).
void copyHost(const std::string &to)
{
	fs::copy(fixtureHost("t4-proprietary"), to,
		 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

bool mounts(const CdiSpec &spec, const std::string &containerPath)
{
	for (const auto &m : spec.containerEdits.mounts)
		if (m.containerPath == containerPath)
			return true;
	return false;
}

std::string json(const Result<CdiGeneration> &g)
{
	EXPECT_TRUE(g) << g.error().message;
	return g && !g->specs.empty() ? cdiSpecJson(g->specs[0]) : "";
}

// The host changes after the probe: a new development link and the hook binary appear.
void changeHost(const std::string &root)
{
	fs::create_symlink("libnvidia-ml.so.1", root + "/" + kLibDir + "/libnvidia-ml.so");
	spit(root + "/usr/bin/nvidia-cdi-hook", "#!/bin/sh\n");
}

} // namespace

TEST(CdiHostFacts, SameInventorySameSpecNewProbeSeesTheChange)
{
	TempDir tmp;
	std::string root = tmp / "host";
	copyHost(root);
	auto ctx = hostContext(root);
	ASSERT_TRUE(ctx);
	auto inv = probeGpus(*ctx);
	ASSERT_TRUE(inv);
	auto first = generateCdi(*inv, ctx->config(), root, {});
	std::string before = json(first);
	ASSERT_TRUE(first);
	EXPECT_TRUE(mounts(first->specs[0], "/" + kLibDir + "/libcuda.so.1")); // a SONAME link
	EXPECT_FALSE(mounts(first->specs[0], "/" + kLibDir + "/libnvidia-ml.so"));

	changeHost(root);
	// The inventory is one snapshot of the host: its facts were read by the first call.
	EXPECT_EQ(json(generateCdi(*inv, ctx->config(), root, {})), before);
	GpuInventory copy = *inv;
	EXPECT_EQ(json(generateCdi(copy, ctx->config(), root, {})), before);

	// A new probe reads the host again: the hook runs ldconfig, no link mounts.
	auto fresh = generateCdi(*ctx, CdiOptions{});
	ASSERT_TRUE(fresh) << fresh.error().message;
	const CdiSpec &spec = fresh->specs[0];
	EXPECT_NE(cdiSpecJson(spec), before);
	EXPECT_FALSE(mounts(spec, "/" + kLibDir + "/libcuda.so.1"));
	ASSERT_FALSE(spec.containerEdits.hooks.empty());
	EXPECT_EQ(spec.containerEdits.hooks.back().args.at(1), "update-ldcache");

	// Without the hook the new link is a mount, from a new inventory only.
	fs::remove(root + "/usr/bin/nvidia-cdi-hook");
	auto noHook = generateCdi(*ctx, CdiOptions{});
	ASSERT_TRUE(noHook) << noHook.error().message;
	EXPECT_TRUE(mounts(noHook->specs[0], "/" + kLibDir + "/libnvidia-ml.so"));
	EXPECT_EQ(json(generateCdi(*inv, ctx->config(), root, {})), before);
}

TEST(CdiHostFacts, AnotherRootOrNoFactsIsReadAfresh)
{
	TempDir tmp;
	std::string a = tmp / "a", b = tmp / "b";
	copyHost(a);
	copyHost(b);
	changeHost(b);
	auto ctx = hostContext(a);
	ASSERT_TRUE(ctx);
	auto inv = probeGpus(*ctx);
	ASSERT_TRUE(inv);
	std::string onA = json(generateCdi(*inv, ctx->config(), a, {}));
	// The same reports under another root: that root's files, not the facts kept for a.
	auto onB = generateCdi(*inv, ctx->config(), b, {});
	ASSERT_TRUE(onB) << onB.error().message;
	ASSERT_FALSE(onB->specs[0].containerEdits.hooks.empty());
	EXPECT_EQ(json(generateCdi(*inv, ctx->config(), a, {})), onA);

	// An inventory without a fact set (moved from, or built by hand) reads on every call.
	GpuInventory bare = *inv;
	bare.hostFacts = nullptr;
	EXPECT_EQ(json(generateCdi(bare, ctx->config(), a, {})), onA);
	std::string onBBare = json(generateCdi(bare, ctx->config(), b, {}));
	EXPECT_EQ(onBBare, cdiSpecJson(onB->specs[0]));
	fs::remove(b + "/usr/bin/nvidia-cdi-hook");
	EXPECT_NE(json(generateCdi(bare, ctx->config(), b, {})), onBBare);
}
