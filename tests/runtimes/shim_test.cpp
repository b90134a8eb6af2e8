// SPDX-License-Identifier: Apache-2.0
// tb-runtime: which devices a container asks for, how CDI edits change config.json, and a
// real bundle run through `tb-runtime create/start` with runc (via the test-only wrapper).
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "oci_edits.h"
#include "podman_harness.h"

namespace tb::shim {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace pm = tb::test::podman;

json::object parseObject(const std::string &text)
{
	return json::parse(text).as_object();
}

TEST(ShimRequests, AnnotationsThenVariables)
{
	auto config = parseObject(R"({
		"annotations": {"cdi.k8s.io/a": "amd.com/gpu=0,amd.com/gpu=1", "other": "x=y"},
		"process": {"env": ["PATH=/bin", "TB_VISIBLE_DEVICES=2, GPU-abc",
				    "NVIDIA_VISIBLE_DEVICES=all"]}})");
	EXPECT_EQ(requestedDevices(config, ""),
		  (std::vector<std::string>{"amd.com/gpu=0", "amd.com/gpu=1", "=2", "=GPU-abc",
					    "nvidia.com/gpu=all"}));
	for (const char *none : {"void", "none", ""}) {
		auto c = parseObject(
			std::string(R"({"process": {"env": ["NVIDIA_VISIBLE_DEVICES=)") + none +
			"\"]}}");
		EXPECT_TRUE(requestedDevices(c, "").empty()) << none;
	}
	EXPECT_TRUE(requestedDevices(parseObject(R"({"process": {}})"), "").empty());
}

TEST(ShimEdits, EnvNodesMountsHooksGids)
{
	auto config = parseObject(R"({
		"process": {"env": ["A=old", "B=keep"], "user": {"uid": 0, "gid": 0}},
		"mounts": [{"destination": "/usr/lib/x", "type": "bind", "source": "/old"},
			   {"destination": "/proc", "type": "proc", "source": "proc"}],
		"linux": {"devices": [{"path": "/dev/gpu0", "type": "c", "major": 9, "minor": 9}]}})");
	auto edits = parseObject(R"({
		"env": ["A=new", "C=3"],
		"deviceNodes": [{"path": "/dev/gpu0", "hostPath": "/dev/null"},
				{"path": "/dev/ctl", "type": "c", "major": 195, "minor": 255,
				 "fileMode": 438, "permissions": "rw"}],
		"mounts": [{"hostPath": "/new", "containerPath": "/usr/lib/x",
			    "options": ["ro", "nosuid", "nodev", "rbind", "rprivate"]},
			   {"hostPath": "/h", "containerPath": "/a"}],
		"hooks": [{"hookName": "createContainer", "path": "/usr/bin/hook",
			   "args": ["hook", "update-ldcache"]}],
		"additionalGids": [44, 0]})");
	ASSERT_TRUE(applyEdits(edits, config));
	EXPECT_EQ(json::serialize(config.at("process").at("env")), R"(["A=new","B=keep","C=3"])");
	const auto &devices = config.at("linux").at("devices").as_array();
	ASSERT_EQ(devices.size(), 2u);
	// /dev/gpu0 replaced, filled in from /dev/null (1:3).
	EXPECT_EQ(devices[0].at("path"), "/dev/gpu0");
	EXPECT_EQ(devices[0].at("major").to_number<int>(), 1);
	EXPECT_EQ(devices[0].at("minor").to_number<int>(), 3);
	EXPECT_EQ(devices[1].at("fileMode").to_number<int>(), 438);
	const auto &rules = config.at("linux").at("resources").at("devices").as_array();
	ASSERT_EQ(rules.size(), 2u);
	EXPECT_EQ(json::serialize(rules[1]),
		  R"({"allow":true,"type":"c","major":195,"minor":255,"access":"rw"})");
	// Replaced by destination, then ordered by depth: /proc and /a before /usr/lib/x.
	std::string order;
	for (const auto &m : config.at("mounts").as_array())
		order += std::string(m.at("destination").as_string()) + " ";
	EXPECT_EQ(order, "/proc /a /usr/lib/x ");
	EXPECT_EQ(config.at("mounts").as_array()[2].at("source"), "/new");
	const auto &hook = config.at("hooks").at("createContainer").as_array().at(0).as_object();
	EXPECT_EQ(hook.size(), 2u); // hookName is the key, not a field
	EXPECT_EQ(hook.at("path"), "/usr/bin/hook");
	EXPECT_EQ(json::serialize(hook.at("args")), R"(["hook","update-ldcache"])");
	EXPECT_EQ(json::serialize(config.at("process").at("user").at("additionalGids")), "[44]");

	auto missing = parseObject(R"({"deviceNodes": [{"path": "/dev/nope-tb-test"}]})");
	auto r = applyEdits(missing, config);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::NotFound);
}

class ShimDirs : public ::testing::Test {
protected:
	void SetUp() override
	{
		std::string tmpl = (fs::temp_directory_path() / "tb-shim-XXXXXX").string();
		dir_ = ::mkdtemp(tmpl.data());
	}
	void TearDown() override { fs::remove_all(dir_); }
	std::string dir_;
};

TEST_F(ShimDirs, RegistryResolvesByPriorityAndNamesWhatIsMissing)
{
	fs::create_directories(dir_ + "/etc");
	fs::create_directories(dir_ + "/run");
	std::ofstream(dir_ + "/etc/a.json") << R"({"cdiVersion": "0.5.0", "kind": "x.com/gpu",
		"containerEdits": {"env": ["SPEC=etc"]},
		"devices": [{"name": "0", "containerEdits": {"env": ["DEV=etc0"]}},
			    {"name": "1", "containerEdits": {"env": ["DEV=etc1"]}}]})";
	std::ofstream(dir_ + "/run/b.json") << R"({"cdiVersion": "0.5.0", "kind": "x.com/gpu",
		"containerEdits": {"env": ["SPEC=run"]},
		"devices": [{"name": "0", "containerEdits": {"env": ["DEV=run0"]}}]})";
	std::ofstream(dir_ + "/run/broken.json") << "{";
	auto reg = CdiRegistry::load({dir_ + "/etc", dir_ + "/run"});
	auto config = parseObject(R"({"process": {"env": []}})");
	ASSERT_TRUE(reg.apply({"x.com/gpu=0"}, config));
	EXPECT_EQ(json::serialize(config.at("process").at("env")), R"(["SPEC=run","DEV=run0"])");
	config = parseObject(R"({"process": {"env": []}})");
	ASSERT_TRUE(reg.apply({"=1"}, config)); // an unqualified TB_VISIBLE_DEVICES name
	EXPECT_EQ(json::serialize(config.at("process").at("env")), R"(["SPEC=etc","DEV=etc1"])");
	auto r = reg.apply({"x.com/gpu=7"}, config);
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("unresolvable CDI devices x.com/gpu=7; "),
		  std::string::npos)
		<< r.error().message;
	EXPECT_NE(r.error().message.find("broken.json: not a CDI spec"), std::string::npos);
}

// A bundle with a busybox rootfs, run by runc through tb-runtime create/start: the CDI
// device named by TB_VISIBLE_DEVICES brings its node, env and mount into the container.
TEST_F(ShimDirs, RealRuncGetsTheEdits)
{
	if (auto why = pm::unavailableReason(); !why.empty())
		GTEST_SKIP() << why;
	pm::PrivateStore store(dir_ + "/store");
	std::string why;
	ASSERT_TRUE(store.importBusybox("localhost/tb-shim-busybox:test", why)) << why;
	std::string bundle = dir_ + "/bundle", root = dir_ + "/runc-root";
	fs::create_directories(bundle);
	ASSERT_EQ(pm::run({"runc", "spec", "--bundle", bundle}).status, 0);
	std::ifstream in(bundle + "/config.json");
	std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	auto config = parseObject(text);
	config["root"] = json::object{{"path", store.dir() + "/rootfs"}, {"readonly", true}};
	auto &process = config["process"].as_object();
	process["terminal"] = false;
	process["args"] = json::array{"sh", "-c", "env; ls -l /dev/tbtest0; cat /tbdata/hello"};
	std::string name = "t" + std::to_string(::getpid());
	process["env"].as_array().push_back(json::string("TB_VISIBLE_DEVICES=" + name));
	ASSERT_TRUE(writeConfig(bundle + "/config.json", config));

	fs::create_directories(dir_ + "/data");
	std::ofstream(dir_ + "/data/hello") << "hello from the host\n";
	fs::create_directories("/var/run/cdi");
	std::string spec = "/var/run/cdi/tb-shim-test-" + name + ".json";
	std::ofstream(spec) << R"({"cdiVersion": "0.5.0", "kind": "shimtest.tb.dev/gpu",
		"containerEdits": {"mounts": [{"hostPath": ")"
			    << dir_ << R"(/data", "containerPath": "/tbdata",
			"options": ["ro", "nosuid", "nodev", "rbind", "rprivate"]}]},
		"devices": [{"name": ")"
			    << name << R"(", "containerEdits": {"env": ["TB_SHIM_TEST=1"],
			"deviceNodes": [{"path": "/dev/tbtest0", "hostPath": "/dev/null"}]}}]})";
	std::ofstream(dir_ + "/nvbind.toml")
		<< "[runtime]\noci_runtime = \"" << pm::runtimeWrapper() << "\"\n";

	std::string shim = std::getenv("TB_RUNTIME_EXE");
	std::string id = "tb-shim-" + name;
	auto script = "set -e; '" + shim + "' --root '" + root + "' create --bundle '" + bundle +
		      "' " + id + " >'" + dir_ + "/out' 2>'" + dir_ + "/err' </dev/null; '" + shim +
		      "' --root '" + root + "' start " + id +
		      "; for i in $(seq 100); do runc --root '" + root + "' state " + id +
		      " | grep -q '\"stopped\"' && break; sleep 0.05; done; '" + shim +
		      "' --root '" + root + "' delete " + id;
	auto r = pm::run({"sh", "-c", script}, {"TB_CONFIG=" + dir_ + "/nvbind.toml"});
	fs::remove(spec);
	std::ifstream o(dir_ + "/out"), e(dir_ + "/err");
	std::string out((std::istreambuf_iterator<char>(o)), std::istreambuf_iterator<char>());
	std::string errText((std::istreambuf_iterator<char>(e)), std::istreambuf_iterator<char>());
	ASSERT_EQ(r.status, 0) << r.err << errText;
	EXPECT_NE(out.find("TB_SHIM_TEST=1\n"), std::string::npos) << out;
	// `ls -l`: "crw-rw-rw- 1 0 0 1, 3 <date> /dev/tbtest0", the node of /dev/null.
	auto node = out.find("/dev/tbtest0\n");
	ASSERT_NE(node, std::string::npos) << out;
	std::string line = out.substr(out.rfind('\n', node) + 1, node - out.rfind('\n', node));
	EXPECT_EQ(line.rfind("c", 0), 0u) << line;
	EXPECT_NE(line.find(" 1,   3 "), std::string::npos) << line;
	EXPECT_NE(out.find("hello from the host\n"), std::string::npos) << out;
	// The edits are in the bundle, as a runtime's `state` or an audit would see them.
	auto edited = readConfig(bundle + "/config.json");
	ASSERT_TRUE(edited);
	EXPECT_NE(json::serialize(*edited).find("\"/dev/tbtest0\""), std::string::npos);
}

} // namespace
} // namespace tb::shim
