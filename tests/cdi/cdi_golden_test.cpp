// SPDX-License-Identifier: Apache-2.0
// Golden CDI specs for every fixture host x profile (tests/data/golden/cdi), written by
// libtb's generateCdi. Each passes our strict checks; its YAML form is the same document.
// TB_UPDATE_GOLDEN=1 rewrites the files (`ninja -C BUILD regen-cdi-golden`).
#include <gtest/gtest.h>

#include <tb/cdi.h>

#include "cdi_test_util.h"

using namespace tb;
using namespace tb::test;

namespace {

struct Case {
	std::string host;
	std::string profile;
};

std::vector<Case> cases()
{
	std::vector<Case> out;
	for (const char *h :
	     {"t4-proprietary", "h100x8-open-mig", "mi300x-mi210", "arc-xe", "wsl2", "nouveau"})
		for (const char *p : {"default", "gaming", "aiml"})
			if (std::string(h) != "nouveau" || std::string(p) != "aiml") // no compute
				out.push_back({h, p});
	return out;
}

std::string goldenPath(const std::string &name)
{
	return env("TB_GOLDEN_DIR") + "/cdi/" + name;
}

// The golden text, or (TB_UPDATE_GOLDEN=1) write \a got as the new golden.
void compareGolden(const std::string &name, const std::string &got)
{
	std::string path = goldenPath(name);
	if (env("TB_UPDATE_GOLDEN") == "1") {
		spit(path, got);
		return;
	}
	EXPECT_EQ(got, slurp(path))
		<< "golden " << path << " differs (regenerate: ninja -C BUILD regen-cdi-golden)";
}

class CdiGolden : public ::testing::TestWithParam<Case> {};

} // namespace

TEST_P(CdiGolden, MatchesAndIsValid)
{
	const Case &c = GetParam();
	auto ctx = hostContext(fixtureHost(c.host));
	ASSERT_TRUE(ctx);
	CdiOptions o;
	o.profile = c.profile;
	auto gen = generateCdi(*ctx, o);
	ASSERT_TRUE(gen) << gen.error().message;
	ASSERT_EQ(gen->specs.size(), 1u);
	const CdiSpec &spec = gen->specs[0];
	std::string json = cdiSpecJson(spec);
	compareGolden(c.host + "-" + c.profile + ".json", json);

	EXPECT_EQ(spec.cdiVersion, cdiRequiredVersion(spec));
	for (const auto &p : validateCdiSpec(json))
		ADD_FAILURE() << p.path << ": " << p.message;
	std::string yaml = cdiSpecYaml(spec);
	for (const auto &p : validateCdiSpec(yaml))
		ADD_FAILURE() << "yaml: " << p.path << ": " << p.message;

	// Same host, same bytes.
	auto again = generateCdi(*ctx, o);
	ASSERT_TRUE(again);
	EXPECT_EQ(cdiSpecJson(again->specs[0]), json);
}

INSTANTIATE_TEST_SUITE_P(Hosts, CdiGolden, ::testing::ValuesIn(cases()), [](const auto &param) {
	std::string n = param.param.host + "_" + param.param.profile;
	for (char &ch : n)
		if (!std::isalnum(static_cast<unsigned char>(ch)))
			ch = '_';
	return n;
});

// One YAML golden pins the YAML layout; the JSON goldens pin the content.
TEST(CdiGoldenFormats, YamlOfTheEightGpuHost)
{
	auto ctx = hostContext(fixtureHost("h100x8-open-mig"));
	ASSERT_TRUE(ctx);
	auto gen = generateCdi(*ctx, CdiOptions{});
	ASSERT_TRUE(gen) << gen.error().message;
	compareGolden("h100x8-open-mig-default.yaml", cdiSpecYaml(gen->specs[0]));
}

// Specs for the tests that need other options: virtual isolation on a host with MPS
// running, uuid-only names, and a spec cut down for a consumer that knows 0.5.0.
TEST(CdiGoldenFormats, OptionVariants)
{
	auto ctx = hostContext(fixtureHost("h100x8-open-mig"));
	ASSERT_TRUE(ctx);
	CdiOptions o;
	o.deviceNames = CdiDeviceNames::Uuid;
	o.isolation = "shared";
	o.maxCdiVersion = "0.5.0";
	auto gen = generateCdi(*ctx, o);
	ASSERT_TRUE(gen) << gen.error().message;
	EXPECT_EQ(gen->specs[0].cdiVersion, "0.5.0");
	ASSERT_EQ(gen->warnings.size(), 1u);
	EXPECT_EQ(gen->warnings[0], "nvidia.com/gpu: annotations left out (cdiVersion 0.5.0); the "
				    "isolation level stays in the BOLT_GPU_ISOLATION variable");
	compareGolden("h100x8-open-mig-uuid-shared-0.5.0.json", cdiSpecJson(gen->specs[0]));
}

TEST(CdiGoldenFormats, HostsWithoutUsableGpus)
{
	auto none = hostContext(fixtureHost("no-gpu"));
	ASSERT_TRUE(none);
	auto g = generateCdi(*none, CdiOptions{});
	ASSERT_FALSE(g);
	EXPECT_EQ(g.error().code, Errc::NotFound);
	EXPECT_EQ(g.error().message, "cdi generate: no GPU found on this host");

	// A broken driver install is an error naming the probe, not an empty spec.
	auto broken = hostContext(fixtureHost("broken-nvidia"));
	ASSERT_TRUE(broken);
	auto b = generateCdi(*broken, CdiOptions{});
	ASSERT_FALSE(b);
	EXPECT_EQ(b.error().message.rfind("cdi generate: probe nvidia: ", 0), 0u)
		<< b.error().message;

	// nouveau drives the GPU: DRM nodes for graphics, nothing for compute.
	auto nouveau = hostContext(fixtureHost("nouveau"));
	ASSERT_TRUE(nouveau);
	CdiOptions aiml;
	aiml.profile = "aiml";
	auto n = generateCdi(*nouveau, aiml);
	ASSERT_FALSE(n);
	EXPECT_EQ(n.error().code, Errc::NotFound);
	EXPECT_EQ(n.error().message,
		  "cdi generate: no GPU usable with profile 'aiml' "
		  "(nvidia.com/gpu: no device node it needs, e.g. no NVIDIA driver)");

	// A vendor that is not there.
	auto t4 = hostContext(fixtureHost("t4-proprietary"));
	ASSERT_TRUE(t4);
	CdiOptions amd;
	amd.vendor = "amd";
	auto a = generateCdi(*t4, amd);
	ASSERT_FALSE(a);
	EXPECT_EQ(a.error().message, "cdi generate: no amd GPU found on this host");
}
