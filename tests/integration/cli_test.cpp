// SPDX-License-Identifier: Apache-2.0
// The `tb` binary end to end: version, plugins ls (including broken plugins), config verbs,
// the global --json, plugin logging, exit codes, and verbs that are not there yet.
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
		return run(env + " XDG_CONFIG_HOME=" + shq(tmp_.string()) + " " + shq(tb_) + " " +
			   args);
	}

	std::string tb_;
	fs::path tmp_;
};

TEST_F(Cli, VersionPrintsCoreAndAbi)
{
	auto o = tb("version");
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_EQ(o.out.rfind("tb 0.", 0), 0u) << o.out;
	EXPECT_NE(o.out.find("plugin ABI 2 (transport 2.4, cache 2.0, probe 2.1, runtime 2.0)"),
		  std::string::npos)
		<< o.out;
	EXPECT_EQ(tb("--version").rc, 0);
}

TEST_F(Cli, VersionJson)
{
	for (std::string args : {"version --json", "--json version"}) {
		auto o = tb(args);
		ASSERT_EQ(o.rc, 0) << args << ": " << o.err;
		auto v = json::parse(o.out).as_object();
		EXPECT_EQ(v.at("version").as_string().subview().rfind("0.", 0), 0u) << o.out;
		EXPECT_EQ(v.at("pluginAbiVersion").to_number<int>(), 2);
		EXPECT_EQ(v.at("apiVersions").as_object().at("runtime").as_string(), "2.0");
		EXPECT_EQ(v.at("apiVersions").as_object().at("probe").as_string(), "2.1");
		EXPECT_EQ(v.at("cxxAbiTag").as_string(), "0x101");
	}
}

TEST_F(Cli, EveryVerbThatReadsConfigFailsOnABadOne)
{
	// Parse errors are fatal everywhere: `version` too reads the file rather than ignore
	// --config.
	std::string bad = (tmp_ / "bad.toml").string();
	std::ofstream(bad) << "[gpu\n";
	for (std::string verb :
	     {"version", "plugins ls", "config show", "images", "info", "cdi generate"}) {
		auto o = tb("--config " + shq(bad) + " " + verb);
		EXPECT_EQ(o.rc, 2) << verb;
		EXPECT_EQ(o.err.rfind("tb: " + bad + ":1:5: ", 0), 0u) << verb << ": " << o.err;
		EXPECT_TRUE(o.out.empty()) << verb << ": " << o.out;
	}
	auto missing = tb("--config " + shq((tmp_ / "nope.toml").string()) + " version");
	EXPECT_EQ(missing.rc, 2);
	EXPECT_EQ(missing.err, "tb: config file " + (tmp_ / "nope.toml").string() +
				       " (from --config): not found\n");
}

TEST_F(Cli, ErrorsNameTheSourceOfABadLogLevel)
{
	const std::string why =
		"unknown log level 'nonsense' (expected debug, info, warn or error)\n";
	auto opt = tb("--log-level nonsense version");
	EXPECT_EQ(opt.rc, 2);
	EXPECT_EQ(opt.err, "tb: log levels 'nonsense' (from --log-level): " + why);
	auto env = tb("version", "TB_LOG_LEVELS=nonsense");
	EXPECT_EQ(env.rc, 2);
	EXPECT_EQ(env.err, "tb: log levels 'nonsense' (from TB_LOG_LEVELS): " + why);
	std::string file = (tmp_ / "levels.toml").string();
	std::ofstream(file) << "[core]\nlog_levels = \"loader:verbose\"\n";
	auto v = tb("config validate " + shq(file));
	EXPECT_EQ(v.rc, 2);
	EXPECT_EQ(
		v.err,
		"tb: " + file +
			":2:14: key 'core.log_levels': invalid value 'loader:verbose': unknown log "
			"level 'verbose' (expected debug, info, warn or error)\n");
}

TEST_F(Cli, GlobalJsonReachesEveryDataVerb)
{
	auto ls = tb("--json plugins ls");
	ASSERT_EQ(ls.rc, 0) << ls.err;
	EXPECT_FALSE(json::parse(ls.out).as_object().at("plugins").as_array().empty());
	auto show = tb("--json config show");
	ASSERT_EQ(show.rc, 0) << show.err;
	auto cfg = json::parse(show.out).as_object();
	EXPECT_EQ(cfg.at("runtime").as_object().at("default_runtime").as_string(), "podman");
	EXPECT_EQ(cfg.at("gpu").as_object().at("default_selection").as_string(), "all");
	EXPECT_EQ(tb("config show --json").out, show.out);
	// Verbs in other files keep their own --json flag; the global one reaches it.
	std::string data = "XDG_DATA_HOME=" + shq((tmp_ / "data").string());
	auto images = tb("--json images", data);
	ASSERT_EQ(images.rc, 0) << images.err;
	EXPECT_TRUE(json::parse(images.out).is_array()) << images.out;
	auto info = tb("--json info");
	EXPECT_EQ(json::parse(info.out).as_object().at("schemaVersion").to_number<int>(), 1)
		<< info.out;
	EXPECT_EQ(tb("--json info --json").out, info.out);
	// A verb without data output refuses it rather than ignore it.
	for (std::string verb : {"create -i x:1 -d /nonexistent", "config init --stdout"}) {
		auto o = tb("--json " + verb);
		EXPECT_EQ(o.rc, 2) << verb;
		EXPECT_NE(o.err.find("--json: 'tb " + verb.substr(0, verb.find(" -")) +
				     "' has no JSON output"),
			  std::string::npos)
			<< verb << ": " << o.err;
		EXPECT_TRUE(o.out.empty()) << verb << ": " << o.out;
	}
}

// libtb speaks no HTTP: `tb login` checks credentials through transport.docker, and says
// so when no such plugin is loaded (nothing is stored then).
TEST_F(Cli, LoginWithoutTheDockerTransportSaysWhy)
{
	std::ofstream(tmp_ / "pw") << "s3cret-pw\n";
	auto authFile = tmp_ / "auth.json";
	auto o = tb("login --authfile " + shq(authFile.string()) +
			    " 127.0.0.1:9 -u me --password-stdin < " + shq((tmp_ / "pw").string()),
		    "TB_PLUGIN_PATH=" + shq(envOr("TB_BROKEN_DIR")));
	EXPECT_NE(o.rc, 0);
	EXPECT_NE(o.err.find("logging in to 127.0.0.1:9: no transport.docker plugin"),
		  std::string::npos)
		<< o.err;
	EXPECT_EQ(o.err.find("s3cret-pw"), std::string::npos) << o.err;
	EXPECT_FALSE(fs::exists(authFile));
}

TEST_F(Cli, PluginLogLinesFollowTbLogLevels)
{
	std::string path = "TB_PLUGIN_PATH=" + shq(envOr("TB_BROKEN_DIR"));
	// No section in the file: the plugin still sees its three declared keys, defaulted.
	const std::string debugLine =
		"tb[runtime.host-info] debug: debug from host-info: 3 config key(s)\n";
	const std::string infoLine = "tb[runtime.host-info] info: info from host-info\n";
	auto debug = tb("plugins ls", path + " TB_LOG_LEVELS=runtime.host-info:debug");
	ASSERT_EQ(debug.rc, 0) << debug.err;
	EXPECT_NE(debug.err.find(debugLine), std::string::npos) << debug.err;
	EXPECT_NE(debug.err.find(infoLine), std::string::npos) << debug.err;
	auto info = tb("--log-level 'runtime.*:info' plugins ls", path);
	EXPECT_EQ(info.err.find(debugLine), std::string::npos) << info.err;
	EXPECT_NE(info.err.find(infoLine), std::string::npos) << info.err;
	auto quiet = tb("plugins ls", path);
	EXPECT_EQ(quiet.err.find("tb[runtime.host-info]"), std::string::npos) << quiet.err;
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
	EXPECT_EQ(table.out.find("\033["), std::string::npos)
		<< "no colour when stdout is not a TTY";
}

TEST_F(Cli, BrokenPluginsAreReportedNotFatal)
{
	auto o = tb("plugins ls -v", "TB_PLUGIN_PATH=" + shq(envOr("TB_BROKEN_DIR")));
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_NE(o.out.find("incompatible"), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("reason: plugin ABI version 99, this tb supports 2"),
		  std::string::npos)
		<< o.out;
	EXPECT_NE(o.out.find("reason: plugin factory threw: fixture factory exploded"),
		  std::string::npos);
	EXPECT_NE(o.out.find("reason: not an ELF file"), std::string::npos);
	// Failures are also logged once on stderr.
	EXPECT_NE(o.err.find("throws.so: failed: plugin factory threw"), std::string::npos)
		<< o.err;
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
	std::ofstream(path)
		<< "[gpu]\ndefault_selection = \"all\"\nadditional_devices = [\"/dev/x\"\n";
	auto o = tb("--config " + shq(path) + " config show");
	EXPECT_EQ(o.rc, 2);
	EXPECT_EQ(o.err.rfind("tb: " + path + ":3:", 0), 0u) << o.err;
	auto v = tb("config validate " + shq(path));
	EXPECT_EQ(v.rc, 2);
	EXPECT_EQ(v.err.rfind("tb: " + path + ":3:", 0), 0u) << v.err;
	std::ofstream(path) << "[bolt.gaming]\npower_profile = \"turbo\"\n";
	auto e = tb("config validate " + shq(path));
	EXPECT_EQ(e.rc, 2);
	EXPECT_NE(e.err.find("key 'bolt.gaming.power_profile': invalid value 'turbo'"),
		  std::string::npos)
		<< e.err;
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

TEST_F(Cli, VerbsCheckTheirRequestFirst)
{
	// Thin clients of libtb, which checks the request before doing anything.
	auto profile = tb("cdi generate --profile nope");
	EXPECT_EQ(profile.rc, 2);
	EXPECT_EQ(profile.err,
		  "tb: cdi generate: profile 'nope': not defined (known: default, gaming, aiml)\n");
	auto noImage = tb("run");
	EXPECT_EQ(noImage.rc, 2);
	EXPECT_EQ(noImage.err, "tb: run: no image given\n");
	auto late = tb("run --host-root / img");
	EXPECT_EQ(late.rc, 2);
	EXPECT_EQ(late.err,
		  "tb: run: unknown option '--host-root' (global options go before 'run')\n");
}

// tb registers only the verb on the command line: a global option's value that happens to be a
// verb's name is still its value, and the help without a verb lists every verb.
TEST_F(Cli, OnlyTheNamedVerbIsBuiltYetHelpListsThemAll)
{
	fs::create_directories(tmp_ / "info");
	auto o = tb("--host-root " + shq((tmp_ / "info").string()) + " --log-level warn version");
	EXPECT_EQ(o.rc, 0) << o.err;
	EXPECT_EQ(o.out.rfind("tb 0.", 0), 0u) << o.out;
	auto cfg = tb("--config=" + shq((tmp_ / "none.toml").string()) + " version");
	EXPECT_EQ(cfg.rc, 2) << cfg.err; // the option's value, attached, is not taken for a verb
	auto help = tb("--help");
	EXPECT_EQ(help.rc, 0);
	for (const char *verb :
	     {"version", "plugins", "config", "create", "extract", "inspect", "copy", "images",
	      "login", "logout", "info", "cdi", "run", "wsl2", "rmi", "tag", "prune"})
		EXPECT_NE(help.out.find(std::string("\n  ") + verb + " "), std::string::npos)
			<< verb << " missing from:\n"
			<< help.out;
	auto sub = tb("cdi --help");
	EXPECT_EQ(sub.rc, 0);
	EXPECT_NE(sub.out.find("generate"), std::string::npos) << sub.out;
	EXPECT_EQ(tb("--help cdi").rc, 0);
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
