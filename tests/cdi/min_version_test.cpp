// SPDX-License-Identifier: Apache-2.0
// The minimum cdiVersion rule, one test per trigger: the generator writes that version and
// `cdi validate` rejects a spec that declares less.
#include <gtest/gtest.h>

#include <tb/cdi.h>

using namespace tb;

namespace {

// A spec needing nothing newer than 0.3.0: letter-named device, no hostPath.
CdiSpec baseSpec()
{
	CdiSpec s;
	s.kind = "example.com/gpu";
	CdiDevice d;
	d.name = "gpu";
	d.containerEdits.deviceNodes.push_back({"/dev/null", "", "c", 1, 3, 0, "rwm", -1});
	s.devices.push_back(d);
	return s;
}

// \a spec declared as \a declared: the validator's message, "" when it accepts.
std::string declaredAs(CdiSpec spec, const std::string &declared)
{
	spec.cdiVersion = declared;
	auto problems = validateCdiSpec(cdiSpecJson(spec));
	std::string out;
	for (const auto &p : problems)
		out += p.path + ": " + p.message + "\n";
	return out;
}

void expectTrigger(const CdiSpec &spec, const std::string &need, const std::string &below)
{
	EXPECT_EQ(cdiRequiredVersion(spec), need);
	EXPECT_EQ(declaredAs(spec, need), "");
	EXPECT_EQ(declaredAs(spec, below), "$.cdiVersion: version " + below +
						   " is too old for the fields used: at least " +
						   need + " is needed\n");
}

} // namespace

TEST(CdiMinVersion, BaselineIs030)
{
	EXPECT_EQ(cdiRequiredVersion(baseSpec()), "0.3.0");
	EXPECT_EQ(declaredAs(baseSpec(), "0.3.0"), "");
}

TEST(CdiMinVersion, MountTypeNeeds040)
{
	CdiSpec s = baseSpec();
	s.containerEdits.mounts.push_back({"/a", "/b", {"ro"}, "bind"});
	expectTrigger(s, "0.4.0", "0.3.0");
}

TEST(CdiMinVersion, DigitLeadingDeviceNameNeeds050)
{
	CdiSpec s = baseSpec();
	s.devices[0].name = "0";
	expectTrigger(s, "0.5.0", "0.4.0");
	s.devices[0].name = "0:1"; // a MIG instance
	expectTrigger(s, "0.5.0", "0.3.0");
}

TEST(CdiMinVersion, HostPathNeeds050)
{
	CdiSpec s = baseSpec();
	s.devices[0].containerEdits.deviceNodes[0].hostPath = "/host/dev/null";
	expectTrigger(s, "0.5.0", "0.4.0");
}

TEST(CdiMinVersion, AnnotationsNeed060)
{
	CdiSpec s = baseSpec();
	s.annotations["tb.gpu/isolation"] = "exclusive";
	expectTrigger(s, "0.6.0", "0.5.0");
	CdiSpec d = baseSpec();
	d.devices[0].annotations["example.com/x"] = "y"; // device-level counts too
	expectTrigger(d, "0.6.0", "0.5.0");
}

TEST(CdiMinVersion, DottedClassNeeds060)
{
	CdiSpec s = baseSpec();
	s.kind = "nvidia.com/gpu.coherent";
	expectTrigger(s, "0.6.0", "0.5.0");
	s.kind = "nvidia.com/gpu"; // dots in the vendor are always fine
	EXPECT_EQ(cdiRequiredVersion(s), "0.3.0");
}

TEST(CdiMinVersion, AdditionalGidsNeed070)
{
	CdiSpec s = baseSpec();
	s.devices[0].containerEdits.additionalGids = {44};
	expectTrigger(s, "0.7.0", "0.6.0");
	CdiSpec top = baseSpec();
	top.containerEdits.additionalGids = {993};
	expectTrigger(top, "0.7.0", "0.5.0");
}

TEST(CdiMinVersion, NewestTriggerWins)
{
	CdiSpec s = baseSpec();
	s.devices[0].name = "0";
	s.annotations["a.b/c"] = "d";
	s.devices[0].containerEdits.additionalGids = {44};
	EXPECT_EQ(cdiRequiredVersion(s), "0.7.0");
}

TEST(CdiMinVersion, FieldsOnlyTheValidatorSeesNeedTheirVersion)
{
	// intelRdt and netDevices have no CdiSpec fields; files that use them are checked too.
	std::string rdt = R"({"cdiVersion":"0.6.0","kind":"a.com/b","devices":[{"name":"x",
		"containerEdits":{"intelRdt":{"closID":"c"}}}]})";
	auto p = validateCdiSpec(rdt);
	ASSERT_EQ(p.size(), 1u);
	EXPECT_EQ(p[0].message,
		  "version 0.6.0 is too old for the fields used: at least 0.7.0 is needed");
	std::string net = R"({"cdiVersion":"1.0.0","kind":"a.com/b","devices":[{"name":"x",
		"containerEdits":{"netDevices":[{"hostInterfaceName":"eth0","name":"e"}]}}]})";
	p = validateCdiSpec(net);
	ASSERT_EQ(p.size(), 1u);
	EXPECT_EQ(p[0].message,
		  "version 1.0.0 is too old for the fields used: at least 1.1.0 is needed");
}
