// SPDX-License-Identifier: Apache-2.0
// The JSON and YAML text of specs the generator never makes: escapes in keys and values,
// lists long enough to wrap, empty and sparse fields, no devices. Golden files in
// tests/data/golden/cdi-text.
#include <gtest/gtest.h>

#include <tb/cdi.h>

#include "cdi_test_util.h"

using namespace tb;
using namespace tb::test;

namespace {

CdiSpec oddSpec()
{
	CdiSpec s;
	s.kind = "example.com/odd\"kind";
	s.annotations["quote\"key"] = "tab\there";
	s.annotations["plain"] = "back\\slash\nnew\rline \x01\x1f\x7f end";
	CdiDevice empty;
	empty.name = "empty";
	s.devices.push_back(empty);
	CdiDevice d;
	d.name = "0";
	d.annotations["a"] = "b";
	d.containerEdits.env = {"A=1", "B=\"two\""};
	d.containerEdits.deviceNodes.push_back(
		{"/dev/x", "/host/dev/x", "c", 195, 0, 0660, "rwm", 44});
	d.containerEdits.deviceNodes.push_back({"/dev/y", "", "", -1, -1, 0, "", -1});
	d.containerEdits.deviceNodes.push_back({"/dev/z", "", "b", 0, 3, 0, "r", 0});
	d.containerEdits.additionalGids = {44, 45};
	s.devices.push_back(d);
	auto &e = s.containerEdits;
	for (int i = 0; i < 12; ++i)
		e.env.push_back("LONG_VARIABLE_" + std::to_string(i) + "=value");
	e.mounts.push_back({"/h",
			    "/c",
			    {"ro", "nosuid", "nodev", "rbind", "rprivate",
			     "an-option-long-enough-to-wrap-the-list"},
			    "bind"});
	e.mounts.push_back({"/h2", "/c2", {"ro"}, ""});
	e.mounts.push_back({"/h3", "/c3", {}, ""});
	e.hooks.push_back(
		{"createContainer", "/bin/hook", {"hook", "arg with \"quotes\""}, {"X=1"}, 30});
	e.hooks.push_back({"startContainer", "/bin/h2", {}, {}, 0});
	for (uint32_t g = 100000; g < 100014; ++g)
		e.additionalGids.push_back(g); // 14 five-digit gids: wider than one line
	return s;
}

std::string golden(const std::string &name)
{
	return slurp(env("TB_GOLDEN_DIR") + "/cdi-text/" + name);
}

} // namespace

TEST(CdiRender, EscapesWrapsAndLeavesOutEmptyFields)
{
	CdiSpec s = oddSpec();
	std::string want = golden("odd.json");
	ASSERT_FALSE(want.empty());
	EXPECT_EQ(cdiSpecJson(s), want);
	EXPECT_EQ(cdiSpecYaml(s), golden("odd.yaml"));
}

TEST(CdiRender, NoDevices)
{
	CdiSpec s;
	s.kind = "a.com/b";
	s.cdiVersion = "0.3.0";
	EXPECT_EQ(cdiSpecJson(s), golden("no-devices.json"));
	EXPECT_EQ(cdiSpecYaml(s), golden("no-devices.yaml"));
}
