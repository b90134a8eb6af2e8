// SPDX-License-Identifier: Apache-2.0
// nvbind.toml: defaults, partial files, the documented default file, the search order and
// the overrides a Context applies. Error paths: config_errors_test.cpp.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <tb/context.h>

#include "internal/config.h"
#include "internal/log.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

TEST(Config, EmptyFileIsAllDefaults)
{
	auto c = parseConfig("", "f.toml");
	ASSERT_TRUE(c) << c.error().message;
	EXPECT_EQ(*c, Config{});
	EXPECT_EQ(c->runtime.defaultRuntime, "podman");
	EXPECT_EQ(c->runtime.defaultArgs, std::vector<std::string>{"--rm"});
	EXPECT_EQ(c->runtime.environment.at("NVIDIA_DRIVER_CAPABILITIES"), "all");
	EXPECT_EQ(c->gpu.defaultSelection, "all");
	EXPECT_EQ(c->host.root, "/");
	EXPECT_EQ(c->bolt.capsule.isolationLevel, "exclusive");
	EXPECT_EQ(c->bolt.aiml.cudaCacheSize, 2048);
	EXPECT_EQ(c->extract.maxManifestBytes, 4 << 20);
}

TEST(Config, PartialFileKeepsEveryOtherDefault)
{
	auto c = parseConfig("[runtime]\ndefault_runtime = \"bolt\"\n", "f.toml");
	ASSERT_TRUE(c) << c.error().message;
	Config want;
	want.runtime.defaultRuntime = "bolt";
	EXPECT_EQ(*c, want);
	// nvbind rejected this (no defaults for missing keys); we must not.
	auto aiml = parseConfig("[bolt.aiml]\ncuda_cache_size = 4096\n", "f.toml");
	ASSERT_TRUE(aiml);
	EXPECT_EQ(aiml->bolt.aiml.cudaCacheSize, 4096);
	EXPECT_FALSE(aiml->bolt.aiml.migEnabled);
	EXPECT_TRUE(aiml->bolt.capsule.snapshotGpuState);
}

TEST(Config, DocumentedDefaultFileEqualsBuiltInDefaults)
{
	auto text = defaultConfigFile();
	auto c = parseConfig(text, "configs/nvbind.toml");
	ASSERT_TRUE(c) << c.error().message;
	EXPECT_EQ(*c, Config{});
}

void collectKeys(const toml::table &t, const std::string &prefix, std::set<std::string> &out)
{
	for (const auto &[k, v] : t) {
		std::string key = prefix + std::string(k.str());
		if (const auto *sub = v.as_table();
		    sub && !sub->empty() && key != "runtime.environment")
			collectKeys(*sub, key + ".", out);
		else
			out.insert(key);
	}
}

TEST(Config, DocumentedDefaultFileNamesEveryKey)
{
	std::set<std::string> documented, effective;
	collectKeys(toml::parse(defaultConfigFile()), "", documented);
	collectKeys(toml::parse(configToToml(Config{})), "", effective);
	EXPECT_EQ(documented, effective);
}

TEST(Config, FullFileParses)
{
	auto c = parseConfig(R"(
version = 1
[core]
plugin_path = ["/opt/tb/plugins"]
required_plugins = ["probe.nvidia"]
disabled_plugins = ["runtime.bolt"]
log_levels = "loader:debug,*:info"
[host]
root = "/host"
[gpu]
default_selection = "0,1"
additional_devices = ["/dev/fuse"]
[runtime]
environment = { A = "1", B = "2" }
[security]
security_opts = ["label=disable"]
[registries."localhost:5000"]
insecure = true
[profiles.train]
extends = "aiml"
environment = { NCCL_DEBUG = "WARN" }
runtime_args = ["--shm-size=1g"]
[plugins."probe.nvidia"]
nvml = false
timeout = 3
ratio = 0.5
libs = ["a", "b"]
name = "x"
)",
			     "f.toml");
	ASSERT_TRUE(c) << c.error().message;
	EXPECT_EQ(c->core.pluginPath, std::vector<std::string>{"/opt/tb/plugins"});
	EXPECT_EQ(c->host.root, "/host");
	EXPECT_EQ(c->runtime.environment.size(), 2u);
	EXPECT_EQ(c->pluginTables.at("registries").at("localhost:5000").at("insecure"),
		  ConfigValue(true));
	EXPECT_EQ(c->profiles.at("train").extends, "aiml");
	EXPECT_EQ(c->profiles.at("train").environment.at("NCCL_DEBUG"), "WARN");
	const ConfigView &v = c->plugins.at("probe.nvidia");
	EXPECT_FALSE(v.getBool("nvml", true));
	EXPECT_EQ(v.getInt("timeout"), 3);
	EXPECT_EQ(v.get<double>("ratio"), 0.5);
	EXPECT_EQ(v.getStrings("libs"), (std::vector<std::string>{"a", "b"}));
	EXPECT_EQ(v.getString("name"), "x");
	EXPECT_EQ(v.unknownKeys({"nvml", "timeout", "ratio", "libs"}),
		  std::vector<std::string>{"name"});
}

// Runs in a private cwd with a private XDG_CONFIG_HOME; restores every variable it touches.
class ConfigFiles : public ::testing::Test {
protected:
	void SetUp() override
	{
		tmp_ = fs::temp_directory_path() / ("tb-config-" + std::to_string(::getpid()));
		fs::create_directories(tmp_ / "xdg" / "tb");
		fs::create_directories(tmp_ / "cwd");
		oldCwd_ = fs::current_path();
		fs::current_path(tmp_ / "cwd");
		for (const char *v : {"XDG_CONFIG_HOME", "HOME", "TB_CONFIG", "TB_LOG_LEVELS",
				      "TB_HOST_ROOT", "TB_PLUGIN_PATH"})
			if (const char *old = std::getenv(v))
				saved_[v] = old;
		::setenv("XDG_CONFIG_HOME", (tmp_ / "xdg").c_str(), 1);
		for (const char *v :
		     {"TB_CONFIG", "TB_LOG_LEVELS", "TB_HOST_ROOT", "TB_PLUGIN_PATH"})
			::unsetenv(v);
	}
	void TearDown() override
	{
		fs::current_path(oldCwd_);
		fs::remove_all(tmp_);
		for (const char *v : {"XDG_CONFIG_HOME", "HOME", "TB_CONFIG", "TB_LOG_LEVELS",
				      "TB_HOST_ROOT", "TB_PLUGIN_PATH"})
			if (auto it = saved_.find(v); it != saved_.end())
				::setenv(v, it->second.c_str(), 1);
			else
				::unsetenv(v);
		ASSERT_TRUE(log::setLevels("*:warn"));
	}
	void write(const fs::path &p, const std::string &text)
	{
		fs::create_directories(p.parent_path());
		std::ofstream(p) << text;
	}
	Result<std::unique_ptr<Context>> create(ContextOptions o = {})
	{
		o.loadPlugins = false;
		return Context::create(o);
	}

	fs::path tmp_, oldCwd_;
	std::map<std::string, std::string> saved_;
};

TEST_F(ConfigFiles, SearchOrderFirstFoundWins)
{
	// /etc/tb/nvbind.toml may exist on a developer machine; everything we control beats it.
	write(tmp_ / "xdg" / "tb" / "nvbind.toml", "");
	EXPECT_EQ(*findConfigFile(""), (tmp_ / "xdg" / "tb" / "nvbind.toml").string());
	write(tmp_ / "cwd" / "nvbind.toml", "");
	EXPECT_EQ(*findConfigFile(""), (tmp_ / "cwd" / "nvbind.toml").string());
	write(tmp_ / "env.toml", "");
	::setenv("TB_CONFIG", (tmp_ / "env.toml").c_str(), 1);
	EXPECT_EQ(*findConfigFile(""), (tmp_ / "env.toml").string());
	write(tmp_ / "cli.toml", "");
	EXPECT_EQ(*findConfigFile((tmp_ / "cli.toml").string()), (tmp_ / "cli.toml").string());
}

TEST_F(ConfigFiles, HomeDotConfigWhenXdgConfigHomeIsUnsetOrRelative)
{
	fs::path home = tmp_ / "home";
	write(home / ".config" / "tb" / "nvbind.toml", "");
	::setenv("HOME", home.c_str(), 1);
	::unsetenv("XDG_CONFIG_HOME");
	EXPECT_EQ(*findConfigFile(""), (home / ".config" / "tb" / "nvbind.toml").string());
	EXPECT_EQ(userConfigPath(), (home / ".config" / "tb" / "nvbind.toml").string());
	// The XDG spec: a relative value is invalid and ignored.
	::setenv("XDG_CONFIG_HOME", "xdg", 1);
	EXPECT_EQ(*findConfigFile(""), (home / ".config" / "tb" / "nvbind.toml").string());
}

TEST_F(ConfigFiles, ExplicitFilesMustExist)
{
	auto r = findConfigFile((tmp_ / "missing.toml").string());
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::NotFound);
	EXPECT_EQ(r.error().message, "config file " + (tmp_ / "missing.toml").string() +
					     " (from --config): not found");
	::setenv("TB_CONFIG", (tmp_ / "gone.toml").c_str(), 1);
	auto e = findConfigFile("");
	ASSERT_FALSE(e);
	EXPECT_EQ(e.error().message,
		  "config file " + (tmp_ / "gone.toml").string() + " (from TB_CONFIG): not found");
	auto d = findConfigFile(tmp_.string());
	ASSERT_FALSE(d);
	EXPECT_EQ(d.error().code, Errc::InvalidArgument);
	EXPECT_EQ(d.error().message,
		  "config file " + tmp_.string() + " (from --config): not a regular file");
}

TEST_F(ConfigFiles, UnreadableFileIsNamed)
{
	auto dir = loadConfigFile(tmp_.string());
	ASSERT_FALSE(dir);
	EXPECT_EQ(dir.error().code, Errc::Io);
	EXPECT_EQ(dir.error().message,
		  "config file " + tmp_.string() + ": cannot read: Is a directory");
	fs::path locked = tmp_ / "locked.toml";
	write(locked, "");
	fs::permissions(locked, fs::perms::none);
	auto r = loadConfigFile(locked.string());
	if (::geteuid() == 0) {
		EXPECT_TRUE(r) << "root reads any file"; // permission bits do not stop root
	} else {
		ASSERT_FALSE(r);
		EXPECT_EQ(r.error().code, Errc::PermissionDenied);
		EXPECT_EQ(r.error().message,
			  "config file " + locked.string() + ": cannot read: Permission denied");
	}
}

TEST_F(ConfigFiles, PathThroughAFileIsNotFoundAndHugeFilesAreRefused)
{
	write(tmp_ / "plain", "");
	auto through = loadConfigFile((tmp_ / "plain" / "c.toml").string());
	ASSERT_FALSE(through);
	EXPECT_EQ(through.error().code, Errc::NotFound) << "ENOTDIR is a missing file";
	EXPECT_EQ(through.error().message, "config file " + (tmp_ / "plain" / "c.toml").string() +
						   ": cannot read: Not a directory");
	fs::path huge = tmp_ / "huge.toml";
	write(huge, "# " + std::string(size_t(4) << 20, 'x') + "\n");
	auto big = loadConfigFile(huge.string());
	ASSERT_FALSE(big);
	EXPECT_EQ(big.error().code, Errc::LimitExceeded);
	EXPECT_EQ(big.error().message,
		  "config file " + huge.string() + ": cannot read: larger than 4194304 bytes");
}

TEST_F(ConfigFiles, ContextAppliesEnvironmentOverrides)
{
	write(tmp_ / "c.toml",
	      "[core]\nplugin_path = [\"/from/config\"]\nlog_levels = \"*:error\"\n");
	::setenv("TB_PLUGIN_PATH", "/a::/b", 1);
	::setenv("TB_HOST_ROOT", tmp_.c_str(), 1);
	ContextOptions o;
	o.configFile = (tmp_ / "c.toml").string();
	auto ctx = create(o);
	ASSERT_TRUE(ctx) << ctx.error().message;
	EXPECT_EQ((*ctx)->config().core.pluginPath, (std::vector<std::string>{"/a", "/b"}));
	EXPECT_EQ((*ctx)->paths().hostRoot, tmp_.string());
	EXPECT_EQ((*ctx)->configPath(), (tmp_ / "c.toml").string());
	EXPECT_NE((*ctx)->configToml().find("log_levels = '*:error'"), std::string::npos);
	EXPECT_FALSE(log::enabled("loader", LogLevel::Warn));
}

TEST_F(ConfigFiles, TbLogLevelsReplacesTheConfigKeyAndCommandLineBeatsBoth)
{
	write(tmp_ / "c.toml", "[core]\nlog_levels = \"*:error\"\n");
	::setenv("TB_LOG_LEVELS", "probe.fixture:debug", 1);
	ContextOptions o;
	o.configFile = (tmp_ / "c.toml").string();
	auto env = create(o);
	ASSERT_TRUE(env) << env.error().message;
	EXPECT_EQ((*env)->config().core.logLevels, "probe.fixture:debug");
	EXPECT_TRUE(log::enabled("probe.fixture", LogLevel::Debug));
	EXPECT_FALSE(log::enabled("probe.nvidia", LogLevel::Info)); // "*" is back to warn
	EXPECT_TRUE(log::enabled("probe.nvidia", LogLevel::Warn));
	o.logLevels = "loader:info";
	auto cli = create(o);
	ASSERT_TRUE(cli) << cli.error().message;
	EXPECT_EQ((*cli)->config().core.logLevels, "loader:info");
	EXPECT_FALSE(log::enabled("probe.fixture", LogLevel::Debug));
	EXPECT_TRUE(log::enabled("loader", LogLevel::Info));
}

TEST_F(ConfigFiles, BadOverridesNameTheirSource)
{
	ContextOptions o;
	o.hostRoot = (tmp_ / "nope").string();
	auto r = create(o);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::InvalidArgument);
	EXPECT_EQ(r.error().message,
		  "host root " + (tmp_ / "nope").string() + " (from --host-root): not a directory");
	::setenv("TB_HOST_ROOT", (tmp_ / "gone").c_str(), 1);
	auto h = create();
	ASSERT_FALSE(h);
	EXPECT_EQ(h.error().message, "host root " + (tmp_ / "gone").string() +
					     " (from TB_HOST_ROOT): not a directory");
	::unsetenv("TB_HOST_ROOT");
	write(tmp_ / "c.toml", "[host]\nroot = \"/no/such/root\"\n");
	o = {};
	o.configFile = (tmp_ / "c.toml").string();
	auto f = create(o);
	ASSERT_FALSE(f);
	EXPECT_EQ(f.error().message, "host root /no/such/root (from [host] root in " +
					     o.configFile + "): not a directory");

	o = {};
	o.logLevels = "loader:loud";
	auto l = create(o);
	ASSERT_FALSE(l);
	EXPECT_EQ(l.error().code, Errc::InvalidArgument);
	EXPECT_EQ(l.error().message,
		  "log levels 'loader:loud' (from --log-level): unknown log level 'loud' "
		  "(expected debug, info, warn or error)");
	::setenv("TB_LOG_LEVELS", "bogus", 1);
	auto e = create();
	ASSERT_FALSE(e);
	EXPECT_EQ(e.error().message,
		  "log levels 'bogus' (from TB_LOG_LEVELS): unknown log level 'bogus' "
		  "(expected debug, info, warn or error)");
}

TEST_F(ConfigFiles, MalformedFileFailsContextCreation)
{
	write(tmp_ / "bad.toml", "[gpu]\nadditional_devices = [\n");
	ContextOptions o;
	o.configFile = (tmp_ / "bad.toml").string();
	auto r = Context::create(o);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().message.rfind((tmp_ / "bad.toml").string() + ":2:", 0), 0u)
		<< r.error().message;
	// A value that only a Context would have rejected before is now a parse error too.
	write(tmp_ / "levels.toml", "[core]\nlog_levels = \"loader:verbose\"\n");
	o.configFile = (tmp_ / "levels.toml").string();
	auto l = Context::create(o);
	ASSERT_FALSE(l);
	EXPECT_EQ(l.error().message,
		  o.configFile +
			  ":2:14: key 'core.log_levels': invalid value 'loader:verbose': "
			  "unknown log level 'verbose' (expected debug, info, warn or error)");
}

TEST(LogLevels, ParseAndMatch)
{
	ASSERT_TRUE(log::setLevels("loader:debug,probe.*:info,*:error"));
	EXPECT_TRUE(log::enabled("loader", LogLevel::Debug));
	EXPECT_TRUE(log::enabled("probe.nvidia", LogLevel::Info));
	EXPECT_FALSE(log::enabled("probe.nvidia", LogLevel::Debug));
	EXPECT_FALSE(log::enabled("cache.compat", LogLevel::Warn));
	EXPECT_TRUE(log::enabled("cache.compat", LogLevel::Error));
	ASSERT_TRUE(log::setLevels("debug"));
	EXPECT_TRUE(log::enabled("anything", LogLevel::Debug));
	// A bad spec is refused whole: the rules in force stay.
	auto bad = log::setLevels("x:verbose");
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().message,
		  "unknown log level 'verbose' (expected debug, info, warn or error)");
	EXPECT_TRUE(log::enabled("anything", LogLevel::Debug));
	auto parsed = log::parseLevels("loader:debug,probe.*:info,error");
	ASSERT_TRUE(parsed);
	EXPECT_EQ(parsed->fallback, LogLevel::Error);
	ASSERT_EQ(parsed->perCategory.size(), 2u);
	EXPECT_EQ(parsed->perCategory[1].first, "probe.*");
	EXPECT_TRUE(log::enabled("anything", LogLevel::Debug)) << "parseLevels must not apply";
	ASSERT_TRUE(log::setLevels("*:warn"));
}

} // namespace
} // namespace tb
