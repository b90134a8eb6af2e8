// SPDX-License-Identifier: Apache-2.0
// nvbind.toml: defaults, partial files, the documented default file, and every error path.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <tb/context.h>

#include "internal/config.h"
#include "internal/log.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

std::string parseError(const std::string &text)
{
	auto r = parseConfig(text, "f.toml");
	EXPECT_FALSE(r) << "expected an error for:\n" << text;
	return r ? "" : r.error().message;
}

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
		if (const auto *sub = v.as_table(); sub && !sub->empty() && key != "runtime.environment")
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
	EXPECT_TRUE(c->registries.at("localhost:5000").insecure);
	EXPECT_EQ(c->profiles.at("train").extends, "aiml");
	EXPECT_EQ(c->profiles.at("train").environment.at("NCCL_DEBUG"), "WARN");
	const ConfigView &v = c->plugins.at("probe.nvidia");
	EXPECT_FALSE(v.getBool("nvml", true));
	EXPECT_EQ(v.getInt("timeout"), 3);
	EXPECT_EQ(v.get<double>("ratio"), 0.5);
	EXPECT_EQ(v.getStrings("libs"), (std::vector<std::string>{"a", "b"}));
	EXPECT_EQ(v.getString("name"), "x");
	EXPECT_EQ(v.unknownKeys({"nvml", "timeout", "ratio", "libs"}), std::vector<std::string>{"name"});
}

TEST(ConfigErrors, SyntaxErrorNamesFileLineColumn)
{
	EXPECT_EQ(parseError("[runtime]\ndefault_runtime = \n"),
		  "f.toml:2:19: Error while parsing key-value pair: expected value, saw '\\n'");
	auto msg = parseError("version = 1\n[core\n");
	EXPECT_EQ(msg.rfind("f.toml:2:", 0), 0u) << msg;
}

TEST(ConfigErrors, UnknownKeyIsNamed)
{
	EXPECT_EQ(parseError("[gpu]\ndefault_selction = \"all\"\n"), "f.toml:2:1: key 'gpu.default_selction': unknown key");
	EXPECT_EQ(parseError("[nope]\n"), "f.toml:1:2: key 'nope': unknown key");
	EXPECT_EQ(parseError("[bolt.capsule]\nfoo = 1\n"), "f.toml:2:1: key 'bolt.capsule.foo': unknown key");
	EXPECT_EQ(parseError("[profiles.x]\ngpu = \"all\"\n"), "f.toml:2:1: key 'profiles.x.gpu': unknown key");
}

TEST(ConfigErrors, WrongTypesAreNamed)
{
	EXPECT_EQ(parseError("[core]\nsystem_plugins = \"yes\"\n"),
		  "f.toml:2:18: key 'core.system_plugins': expected true or false");
	EXPECT_EQ(parseError("[runtime]\ndefault_runtime = 3\n"),
		  "f.toml:2:19: key 'runtime.default_runtime': expected a string");
	EXPECT_EQ(parseError("[core]\nplugin_path = \"/x\"\n"),
		  "f.toml:2:15: key 'core.plugin_path': expected an array of strings");
	EXPECT_EQ(parseError("[core]\nplugin_path = [\"/x\", 2]\n"),
		  "f.toml:2:22: key 'core.plugin_path': expected an array of strings");
	EXPECT_EQ(parseError("[bolt.aiml]\ncuda_cache_size = \"2GB\"\n"),
		  "f.toml:2:19: key 'bolt.aiml.cuda_cache_size': expected an integer");
	EXPECT_EQ(parseError("[runtime]\nenvironment = { A = 1 }\n"),
		  "f.toml:2:21: key 'runtime.environment.A': expected a string");
	EXPECT_EQ(parseError("gpu = 1\n"), "f.toml:1:7: key 'gpu': expected a table");
	EXPECT_EQ(parseError("[extract]\nmax_entries = 0\n"), "f.toml:2:15: key 'extract.max_entries': must be at least 1");
}

TEST(ConfigErrors, BadEnumValuesListTheChoices)
{
	EXPECT_EQ(parseError("[bolt.gaming]\npower_profile = \"turbo\"\n"),
		  "f.toml:2:17: key 'bolt.gaming.power_profile': invalid value 'turbo' (expected one of: maximum, "
		  "balanced, power-saver)");
	EXPECT_EQ(parseError("[bolt.capsule]\nisolation_level = \"none\"\n"),
		  "f.toml:2:19: key 'bolt.capsule.isolation_level': invalid value 'none' (expected one of: shared, "
		  "exclusive, virtual)");
	EXPECT_EQ(parseError("[create]\ndefault_compression = \"xz\"\n"),
		  "f.toml:2:23: key 'create.default_compression': invalid value 'xz' (expected one of: gzip, zstd, "
		  "none)");
	EXPECT_EQ(parseError("version = 2\n"), "f.toml:1:11: key 'version': unsupported config version (this tb reads 1)");
}

TEST(ConfigErrors, PluginSectionsAreChecked)
{
	EXPECT_EQ(parseError("[plugins.\"gpu\"]\n"),
		  "f.toml:1:1: key 'plugins.\"gpu\"': not a plugin name (expected kind.name with kind transport, "
		  "cache, probe or runtime)");
	EXPECT_EQ(parseError("[plugins.\"probe.nvidia\".sub]\nx = 1\n"),
		  "f.toml:1:1: key 'plugins.\"probe.nvidia\".sub': nested tables are not allowed in plugin sections");
	EXPECT_EQ(parseError("[plugins.\"probe.nvidia\"]\nx = [1]\n"),
		  "f.toml:2:6: key 'plugins.\"probe.nvidia\".x': arrays in plugin sections hold strings only");
}

class ConfigFiles : public ::testing::Test {
protected:
	void SetUp() override
	{
		tmp_ = fs::temp_directory_path() / ("tb-config-" + std::to_string(::getpid()));
		fs::create_directories(tmp_ / "xdg" / "tb");
		fs::create_directories(tmp_ / "cwd");
		oldCwd_ = fs::current_path();
		fs::current_path(tmp_ / "cwd");
		::setenv("XDG_CONFIG_HOME", (tmp_ / "xdg").c_str(), 1);
		::unsetenv("TB_CONFIG");
	}
	void TearDown() override
	{
		fs::current_path(oldCwd_);
		fs::remove_all(tmp_);
		::unsetenv("TB_CONFIG");
	}
	void write(const fs::path &p, const std::string &text) { std::ofstream(p) << text; }

	fs::path tmp_, oldCwd_;
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

TEST_F(ConfigFiles, ExplicitFilesMustExist)
{
	auto r = findConfigFile((tmp_ / "missing.toml").string());
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().message, "config file " + (tmp_ / "missing.toml").string() + " (from --config): not found");
	::setenv("TB_CONFIG", (tmp_ / "gone.toml").c_str(), 1);
	auto e = findConfigFile("");
	ASSERT_FALSE(e);
	EXPECT_EQ(e.error().message, "config file " + (tmp_ / "gone.toml").string() + " (from TB_CONFIG): not found");
}

TEST_F(ConfigFiles, ContextAppliesEnvironmentOverrides)
{
	write(tmp_ / "c.toml", "[core]\nplugin_path = [\"/from/config\"]\nlog_levels = \"*:error\"\n");
	::setenv("TB_PLUGIN_PATH", "/a::/b", 1);
	::setenv("TB_HOST_ROOT", tmp_.c_str(), 1);
	ContextOptions o;
	o.configFile = (tmp_ / "c.toml").string();
	o.loadPlugins = false;
	auto ctx = Context::create(o);
	::unsetenv("TB_PLUGIN_PATH");
	::unsetenv("TB_HOST_ROOT");
	ASSERT_TRUE(ctx) << ctx.error().message;
	EXPECT_EQ((*ctx)->config().core.pluginPath, (std::vector<std::string>{"/a", "/b"}));
	EXPECT_EQ((*ctx)->paths().hostRoot, tmp_.string());
	EXPECT_EQ((*ctx)->configPath(), (tmp_ / "c.toml").string());
	EXPECT_NE((*ctx)->configToml().find("log_levels = '*:error'"), std::string::npos);
}

TEST_F(ConfigFiles, ContextRejectsBadHostRootAndLogLevels)
{
	ContextOptions o;
	o.loadPlugins = false;
	o.hostRoot = (tmp_ / "nope").string();
	auto r = Context::create(o);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().message, "host root " + (tmp_ / "nope").string() + ": not a directory");
	o.hostRoot.clear();
	o.logLevels = "loader:loud";
	auto l = Context::create(o);
	ASSERT_FALSE(l);
	EXPECT_EQ(l.error().message, "[core] log_levels: log levels 'loader:loud': unknown log level 'loud' "
				     "(expected debug, info, warn or error)");
}

TEST_F(ConfigFiles, MalformedFileFailsContextCreation)
{
	write(tmp_ / "bad.toml", "[gpu]\nadditional_devices = [\n");
	ContextOptions o;
	o.configFile = (tmp_ / "bad.toml").string();
	auto r = Context::create(o);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().message.rfind((tmp_ / "bad.toml").string() + ":2:", 0), 0u) << r.error().message;
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
	EXPECT_FALSE(log::setLevels("x:verbose"));
	ASSERT_TRUE(log::setLevels("*:warn"));
}

} // namespace
} // namespace tb
