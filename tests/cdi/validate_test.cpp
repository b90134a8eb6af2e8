// SPDX-License-Identifier: Apache-2.0
// `cdi validate` on broken specs: each problem with its JSON path and message.
#include <gtest/gtest.h>

#include <tb/cdi.h>

using namespace tb;

namespace {

std::string problems(std::string_view text)
{
	std::string out;
	for (const auto &p : validateCdiSpec(text))
		out += p.path + ": " + p.message + "\n";
	return out;
}

// A valid spec with \a edits as the device's containerEdits body.
std::string withEdits(const std::string &edits)
{
	return R"({"cdiVersion":"0.5.0","kind":"example.com/gpu","devices":[{"name":"0",)"
	       R"("containerEdits":{)" +
	       edits + "}}]}";
}

} // namespace

TEST(CdiValidate, AcceptsAGoodSpecInJsonAndYaml)
{
	EXPECT_EQ(problems(withEdits(R"("env":["A=1"])")), "");
	EXPECT_EQ(problems("cdiVersion: 0.5.0\nkind: example.com/gpu\ndevices:\n- name: \"0\"\n"
			   "  containerEdits:\n    env: [\"A=1\"]\n"),
		  "");
}

TEST(CdiValidate, UnknownFields)
{
	EXPECT_EQ(problems(R"({"cdiVersion":"0.5.0","kind":"a.com/b","extra":1,"devices":[
		{"name":"0","containerEdits":{"env":["A=1"],"devices":[]}}]})"),
		  "$.extra: unknown field\n$.devices[0].containerEdits.devices: unknown field\n");
	// Field names are case-sensitive here even where Go's decoder is not.
	EXPECT_EQ(problems(withEdits(R"("additionalGIDs":[1])")),
		  "$.devices[0].containerEdits.additionalGIDs: unknown field\n");
}

TEST(CdiValidate, RequiredFieldsAndTypes)
{
	EXPECT_EQ(problems(R"({"kind":7,"devices":[{"containerEdits":{}}]})"),
		  "$.kind: expected a string\n$.cdiVersion: required field missing\n"
		  "$.devices[0].name: required field missing\n"
		  "$.devices[0].containerEdits: no container edits\n");
	EXPECT_EQ(problems(withEdits(R"("deviceNodes":[{"major":"195"}])")),
		  "$.devices[0].containerEdits.deviceNodes[0].major: expected an integer\n"
		  "$.devices[0].containerEdits.deviceNodes[0].path: required field missing\n");
	EXPECT_EQ(problems(R"({"cdiVersion":"0.5.0","kind":"a.com/b","devices":[]})"),
		  "$.devices: no devices\n");
	EXPECT_EQ(problems("[1]"), "$: expected an object\n");
}

TEST(CdiValidate, Names)
{
	EXPECT_EQ(problems(R"({"cdiVersion":"0.5.0","kind":"nvidia.com","devices":[
		{"name":"0","containerEdits":{"env":["A=1"]}}]})"),
		  "$.kind: invalid kind \"nvidia.com\" (VENDOR/CLASS: each starts with a letter, "
		  "ends "
		  "with a letter or digit, and holds only letters, digits, '_', '.', '-')\n");
	EXPECT_EQ(problems(R"({"cdiVersion":"0.5.0","kind":"1vendor.com/gpu","devices":[
		{"name":"0","containerEdits":{"env":["A=1"]}}]})")
			  .rfind("$.kind: invalid kind \"1vendor.com/gpu\"", 0),
		  0u);
	std::string bad = R"({"cdiVersion":"0.5.0","kind":"a.com/b","devices":[
		{"name":"gpu 0","containerEdits":{"env":["A=1"]}},
		{"name":"x","containerEdits":{"env":["A=1"]}},
		{"name":"x","containerEdits":{"env":["A=1"]}}]})";
	EXPECT_EQ(problems(bad),
		  "$.devices[0].name: invalid device name \"gpu 0\" (starts and ends with a letter "
		  "or digit, holds only letters, digits, '_', '.', ':', '-')\n"
		  "$.devices[2].name: device \"x\" defined more than once\n");
}

TEST(CdiValidate, EnvMustBeNameEqualsValue)
{
	EXPECT_EQ(problems(withEdits(R"("env":["A=1","NOVALUE","=x"])")),
		  "$.devices[0].containerEdits.env[1]: not of the form NAME=value: \"NOVALUE\"\n"
		  "$.devices[0].containerEdits.env[2]: not of the form NAME=value: \"=x\"\n");
}

TEST(CdiValidate, Hooks)
{
	EXPECT_EQ(
		problems(withEdits(
			R"("hooks":[{"hookName":"prestop","path":"bin/hook","timeout":0,"env":["X"]}])")),
		"$.devices[0].containerEdits.hooks[0].hookName: invalid hook name \"prestop\" "
		"(prestart, createRuntime, createContainer, startContainer, poststart or "
		"poststop)\n"
		"$.devices[0].containerEdits.hooks[0].path: hook path \"bin/hook\" is not "
		"absolute\n"
		"$.devices[0].containerEdits.hooks[0].timeout: timeout must be more than 0 "
		"seconds\n"
		"$.devices[0].containerEdits.hooks[0].env[0]: not of the form NAME=value: \"X\"\n");
}

TEST(CdiValidate, DeviceNodesAndMounts)
{
	EXPECT_EQ(problems(withEdits(
			  R"("deviceNodes":[{"path":"/dev/x","type":"x","permissions":"rwx"}],)"
			  R"("mounts":[{"hostPath":"","containerPath":"/c"}])")),
		  "$.devices[0].containerEdits.deviceNodes[0].type: invalid device type \"x\" (b, "
		  "c, u or p)\n"
		  "$.devices[0].containerEdits.deviceNodes[0].permissions: invalid permissions "
		  "\"rwx\" (r, w, m or none)\n"
		  "$.devices[0].containerEdits.mounts[0].hostPath: empty path\n");
	EXPECT_EQ(problems(withEdits(R"("additionalGids":[-1])")),
		  "$.devices[0].containerEdits.additionalGids[0]: expected an integer "
		  "0-4294967295\n"
		  "$.cdiVersion: version 0.5.0 is too old for the fields used: at least 0.7.0 is "
		  "needed\n");
}

TEST(CdiValidate, Versions)
{
	std::string s = withEdits(R"("env":["A=1"])");
	EXPECT_EQ(problems(s.replace(s.find("0.5.0"), 5, "2.0.0")),
		  "$.cdiVersion: unknown version \"2.0.0\" (0.1.0 ... 1.1.0)\n");
	std::string v = withEdits(R"("env":["A=1"])");
	EXPECT_EQ(problems(v.replace(v.find("0.5.0"), 5, "v0.5.0")), ""); // a leading v is fine
}

TEST(CdiValidate, UnparsableText)
{
	EXPECT_EQ(problems("{\"cdiVersion\": "), "$: not valid JSON: incomplete JSON\n");
	EXPECT_EQ(problems("a: [b\n").substr(0, 21), "$: not valid YAML: ya");
}

TEST(CdiValidate, MissingFile)
{
	auto r = validateCdiSpecFile("/nonexistent/spec.json");
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::NotFound);
}
