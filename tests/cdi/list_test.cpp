// SPDX-License-Identifier: Apache-2.0
// `cdi list`: the runtimes' rules for spec dirs (later dir wins, same-dir duplicates
// conflict, only .json/.yaml, broken files reported, missing dirs skipped).
#include <gtest/gtest.h>

#include <tb/cdi.h>
#include <tb/config.h>

#include "cdi_test_util.h"

using namespace tb;
using namespace tb::test;

namespace {

std::string spec(const std::string &kind, const std::vector<std::string> &names)
{
	std::string devs;
	for (const auto &n : names)
		devs += (devs.empty() ? "" : ",") + std::string(R"({"name":")") + n +
			R"(","containerEdits":{"env":["A=1"]}})";
	return R"({"cdiVersion":"0.5.0","kind":")" + kind + R"(","devices":[)" + devs + "]}";
}

std::string show(const CdiListing &l, const std::string &base)
{
	std::string out;
	for (const auto &d : l.devices) {
		std::string file = d.file.substr(base.size() + 1);
		std::string conflict = d.conflict;
		for (size_t p; (p = conflict.find(base + "/")) != std::string::npos;)
			conflict.erase(p, base.size() + 1);
		out += d.name + " " + file + (conflict.empty() ? "" : " (" + conflict + ")") + "\n";
	}
	for (const auto &e : l.errors)
		out += "error " + e.substr(base.size() + 1) + "\n";
	return out;
}

} // namespace

TEST(CdiList, PrecedenceConflictsAndErrors)
{
	TempDir t;
	spit(t / "etc/nvidia.json", spec("nvidia.com/gpu", {"0", "all"}));
	spit(t / "etc/dup.yaml", "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices:\n"
				 "- name: \"all\"\n  containerEdits:\n    env: [\"A=1\"]\n");
	spit(t / "etc/ignored.yml", spec("x.com/y", {"z"}));
	spit(t / "etc/broken.json", "{\"cdiVersion\": ");
	spit(t / "run/amd.json", spec("amd.com/gpu", {"0"}));
	spit(t / "run/override.json", spec("nvidia.com/gpu", {"0"}));
	spit(t / "run/badname.json", spec("amd.com/gpu", {"-x"}));
	auto l = listCdiDevices({t / "etc", t / "nope", t / "run"});
	EXPECT_EQ(
		show(l, t.path()),
		"amd.com/gpu=0 run/amd.json\n"
		"nvidia.com/gpu=0 etc/nvidia.json (overridden by run/override.json)\n"
		"nvidia.com/gpu=0 run/override.json\n"
		"nvidia.com/gpu=all etc/dup.yaml (also defined in etc/nvidia.json)\n"
		"nvidia.com/gpu=all etc/nvidia.json (also defined in etc/dup.yaml)\n"
		"error etc/broken.json: not valid JSON: incomplete JSON\n"
		"error run/badname.json: $.devices[0].name: invalid device name \"-x\" (starts and "
		"ends with a letter or digit, holds only letters, digits, '_', '.', ':', '-')\n");
}

TEST(CdiList, DefaultDirsComeFirst)
{
	Config c;
	auto dirs = cdiSpecDirs(c);
	ASSERT_GE(dirs.size(), 2u);
	EXPECT_EQ(dirs[0], "/etc/cdi");
	EXPECT_EQ(dirs[1], "/var/run/cdi");
}
