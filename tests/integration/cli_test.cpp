// SPDX-License-Identifier: Apache-2.0
// The `tb` binary end to end: version, plugins ls (including broken plugins), config verbs,
// exit codes, and verbs that are not there yet.
#include <filesystem>
#include <fstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "run_command.h"

namespace tb::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class Cli : public ::testing::Test {
protected:
	void SetUp() override
	{
		tb_ = envOr("TB_EXE");
		ASSERT_FALSE(tb_.empty());
		tmp_ = fs::temp_directory_path() / ("tb-cli-" + std::to_string(::getpid()));
		fs::create_directories(tmp_);
	}
	void TearDown() override { fs::remove_all(tmp_); }

	Output tb(const std::string &args, const std::string &env = "")
	{
		return run(env + " XDG_CONFIG_HOME=" + shq(tmp_.string()) + " " + shq(tb_) + " " + args);
	}

	std::string tb_;
	fs::path tmp_;
};

TEST_F(Cli, VersionPrintsCoreAndAbi)
{
	auto o = tb("version");
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_EQ(o.out.rfind("tb 0.", 0), 0u) << o.out;
	EXPECT_NE(o.out.find("plugin ABI 1 (transport 1, cache 1, probe 1, runtime 1)"), std::string::npos);
	EXPECT_EQ(tb("--version").rc, 0);
}

TEST_F(Cli, PluginsLsListsEveryBuiltPlugin)
{
	auto o = tb("plugins ls --json");
	ASSERT_EQ(o.rc, 0) << o.err;
	auto plugins = json::parse(o.out).as_object().at("plugins").as_array();
	ASSERT_FALSE(plugins.empty());
	for (const auto &p : plugins) {
		const auto &obj = p.as_object();
		EXPECT_EQ(obj.at("status").as_string(), "ok") << json::serialize(obj);
		EXPECT_FALSE(obj.at("version").as_string().empty());
		EXPECT_TRUE(fs::exists(std::string(obj.at("path").as_string())));
	}
	auto table = tb("plugins ls");
	EXPECT_EQ(table.out.rfind("KIND", 0), 0u) << table.out;
	EXPECT_EQ(table.out.find("\033["), std::string::npos) << "no colour when stdout is not a TTY";
}

TEST_F(Cli, BrokenPluginsAreReportedNotFatal)
{
	auto o = tb("plugins ls -v", "TB_PLUGIN_PATH=" + shq(envOr("TB_BROKEN_DIR")));
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_NE(o.out.find("incompatible"), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("reason: plugin ABI version 99, this tb supports 1"), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("reason: plugin factory threw: fixture factory exploded"), std::string::npos);
	EXPECT_NE(o.out.find("reason: not an ELF file"), std::string::npos);
	// Failures are also logged once on stderr.
	EXPECT_NE(o.err.find("throws.so: failed: plugin factory threw"), std::string::npos) << o.err;
}

TEST_F(Cli, RequiredPluginThatFailsStopsTb)
{
	std::ofstream(tmp_ / "req.toml") << "[core]\nrequired_plugins = [\"runtime.throws\"]\n";
	auto o = tb("--config " + shq((tmp_ / "req.toml").string()) + " plugins ls",
		    "TB_PLUGIN_PATH=" + shq(envOr("TB_BROKEN_DIR")));
	EXPECT_EQ(o.rc, 2);
	EXPECT_NE(o.err.find("required plugin runtime.throws"), std::string::npos) << o.err;
}

TEST_F(Cli, PartialConfigLoads)
{
	std::ofstream(tmp_ / "one.toml") << "[runtime]\ndefault_runtime = \"docker\"\n";
	auto o = tb("--config " + shq((tmp_ / "one.toml").string()) + " config show");
	ASSERT_EQ(o.rc, 0) << o.err;
	EXPECT_NE(o.out.find("default_runtime = 'docker'"), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("default_selection = 'all'"), std::string::npos);
	EXPECT_NE(o.out.find("# config file: " + (tmp_ / "one.toml").string()), std::string::npos);
}

TEST_F(Cli, MalformedConfigFailsWithFileLineColumn)
{
	std::string path = (tmp_ / "bad.toml").string();
	std::ofstream(path) << "[gpu]\ndefault_selection = \"all\"\nadditional_devices = [\"/dev/x\"\n";
	auto o = tb("--config " + shq(path) + " config show");
	EXPECT_EQ(o.rc, 2);
	EXPECT_EQ(o.err.rfind("tb: " + path + ":3:", 0), 0u) << o.err;
	auto v = tb("config validate " + shq(path));
	EXPECT_EQ(v.rc, 2);
	EXPECT_EQ(v.err.rfind("tb: " + path + ":3:", 0), 0u) << v.err;
	std::ofstream(path) << "[bolt.gaming]\npower_profile = \"turbo\"\n";
	auto e = tb("config validate " + shq(path));
	EXPECT_EQ(e.rc, 2);
	EXPECT_NE(e.err.find("key 'bolt.gaming.power_profile': invalid value 'turbo'"), std::string::npos) << e.err;
}

TEST_F(Cli, ConfigInitWritesTheDocumentedFileOnce)
{
	auto o = tb("config init");
	ASSERT_EQ(o.rc, 0) << o.err;
	fs::path written = tmp_ / "tb" / "nvbind.toml";
	ASSERT_TRUE(fs::exists(written));
	EXPECT_NE(slurp(written.string()).find("[bolt.capsule]"), std::string::npos);
	auto again = tb("config init");
	EXPECT_EQ(again.rc, 1);
	EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
	EXPECT_EQ(tb("config init --force").rc, 0);
	// The file tb wrote is the one it now finds and accepts.
	auto v = tb("config validate");
	EXPECT_EQ(v.rc, 0) << v.err;
	EXPECT_EQ(v.out, written.string() + ": ok\n");
}

TEST_F(Cli, UnimplementedVerbsSayWhatAndExit2)
{
	for (std::string verb : {"login registry.example.com", "logout registry.example.com", "cdi generate",
				 "cdi list", "cdi validate", "run --runtime podman img true"}) {
		auto o = tb(verb);
		EXPECT_EQ(o.rc, 2) << verb;
		EXPECT_NE(o.err.find("not implemented"), std::string::npos) << verb << ": " << o.err;
		EXPECT_TRUE(o.out.empty()) << verb;
	}
}

TEST_F(Cli, UsageErrorsExit2)
{
	EXPECT_EQ(tb("").rc, 2);
	EXPECT_EQ(tb("no-such-verb").rc, 2);
	EXPECT_EQ(tb("plugins ls --no-such-flag").rc, 2);
	EXPECT_EQ(tb("--host-root /does/not/exist plugins ls").rc, 2);
}

} // namespace
} // namespace tb::testing
