// SPDX-License-Identifier: Apache-2.0
// nvbind.toml error paths: every message config_parse.cpp can produce, exactly, with the
// file, line, column and the key it names.
#include <gtest/gtest.h>

#include "internal/config.h"
#include "internal/config_values.h"

namespace tb {
namespace {

std::string parseError(const std::string &text)
{
	auto r = parseConfig(text, "f.toml");
	EXPECT_FALSE(r) << "expected an error for:\n" << text;
	if (r)
		return "";
	EXPECT_EQ(r.error().code, Errc::InvalidArgument);
	return r.error().message;
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
	EXPECT_EQ(parseError("[gpu]\ndefault_selction = \"all\"\n"),
		  "f.toml:2:1: key 'gpu.default_selction': unknown key");
	EXPECT_EQ(parseError("[nope]\n"), "f.toml:1:2: key 'nope': unknown key");
	EXPECT_EQ(parseError("[bolt.capsule]\nfoo = 1\n"),
		  "f.toml:2:1: key 'bolt.capsule.foo': unknown key");
	EXPECT_EQ(parseError("[profiles.x]\ngpu = \"all\"\n"),
		  "f.toml:2:1: key 'profiles.x.gpu': unknown key");
}

TEST(ConfigErrors, WrongTypesAreNamed)
{
	EXPECT_EQ(parseError("[core]\nsystem_plugins = \"yes\"\n"),
		  "f.toml:2:18: key 'core.system_plugins': expected true or false");
	EXPECT_EQ(parseError("[runtime]\ndefault_runtime = 3\n"),
		  "f.toml:2:19: key 'runtime.default_runtime': expected a string");
	EXPECT_EQ(parseError("[host]\nroot = 1\n"),
		  "f.toml:2:8: key 'host.root': expected a string");
	EXPECT_EQ(parseError("[core]\nplugin_path = \"/x\"\n"),
		  "f.toml:2:15: key 'core.plugin_path': expected an array of strings");
	EXPECT_EQ(parseError("[core]\nplugin_path = [\"/x\", 2]\n"),
		  "f.toml:2:22: key 'core.plugin_path': expected an array of strings");
	EXPECT_EQ(parseError("[bolt.aiml]\ncuda_cache_size = \"2GB\"\n"),
		  "f.toml:2:19: key 'bolt.aiml.cuda_cache_size': expected an integer");
	EXPECT_EQ(parseError("[runtime]\nenvironment = { A = 1 }\n"),
		  "f.toml:2:21: key 'runtime.environment.A': expected a string");
	EXPECT_EQ(parseError("[runtime]\nenvironment = \"x\"\n"),
		  "f.toml:2:15: key 'runtime.environment': expected a table of strings");
	EXPECT_EQ(parseError("gpu = 1\n"), "f.toml:1:7: key 'gpu': expected a table");
	EXPECT_EQ(parseError("[bolt]\ncapsule = 1\n"),
		  "f.toml:2:11: key 'bolt.capsule': expected a table");
	EXPECT_EQ(parseError("[extract]\nmax_entries = 0\n"),
		  "f.toml:2:15: key 'extract.max_entries': must be at least 1");
	EXPECT_EQ(parseError("[extract]\nmax_path_length = 15\n"),
		  "f.toml:2:19: key 'extract.max_path_length': must be at least 16");
	EXPECT_EQ(parseError("version = \"1\"\n"),
		  "f.toml:1:11: key 'version': expected an integer");
	EXPECT_EQ(parseError("version = 0\n"), "f.toml:1:11: key 'version': must be at least 1");
	EXPECT_EQ(parseError("version = 2\n"),
		  "f.toml:1:11: key 'version': unsupported config version (this tb reads 1)");
}

TEST(ConfigErrors, RegistriesAndProfilesAreTablesOfTables)
{
	// The keys of [registries."HOST"] belong to the plugin that declares the table; it
	// checks them (tests/loader/host_services_test.cpp). The shape is checked here.
	EXPECT_EQ(parseError("[registries.\"h\"]\nca = [1]\n"),
		  "f.toml:2:7: key 'registries.\"h\".ca': arrays in plugin sections hold strings "
		  "only");
	EXPECT_EQ(parseError("[registries]\nfoo = 1\n"),
		  "f.toml:2:7: key 'registries.\"foo\"': expected a table");
	EXPECT_EQ(parseError("[profiles]\nx = \"gaming\"\n"),
		  "f.toml:2:5: key 'profiles.x': expected a table");
	EXPECT_EQ(parseError("[profiles.x]\nruntime_args = \"--rm\"\n"),
		  "f.toml:2:16: key 'profiles.x.runtime_args': expected an array of strings");
	EXPECT_EQ(parseError("[profiles.x]\nenvironment = [\"A=1\"]\n"),
		  "f.toml:2:15: key 'profiles.x.environment': expected a table of strings");
}

TEST(ConfigErrors, BadEnumValuesListTheChoices)
{
	EXPECT_EQ(parseError("[bolt.gaming]\npower_profile = \"turbo\"\n"),
		  "f.toml:2:17: key 'bolt.gaming.power_profile': invalid value 'turbo' (expected "
		  "one of: "
		  "maximum, balanced, power-saver)");
	EXPECT_EQ(parseError("[bolt.gaming]\nperformance_profile = \"fast\"\n"),
		  "f.toml:2:23: key 'bolt.gaming.performance_profile': invalid value 'fast' "
		  "(expected one "
		  "of: performance, balanced, efficiency, ultra-low-latency)");
	EXPECT_EQ(parseError("[bolt.capsule]\nisolation_level = \"none\"\n"),
		  "f.toml:2:19: key 'bolt.capsule.isolation_level': invalid value 'none' (expected "
		  "one of: "
		  "shared, exclusive, virtual)");
	EXPECT_EQ(parseError("[create]\ndefault_compression = \"xz\"\n"),
		  "f.toml:2:23: key 'create.default_compression': invalid value 'xz' (expected one "
		  "of: "
		  "gzip, zstd, none)");
	EXPECT_EQ(parseError("[create]\ndefault_format = \"docker\"\n"),
		  "f.toml:2:18: key 'create.default_format': invalid value 'docker' (expected one "
		  "of: "
		  "compat, plain)");
	EXPECT_EQ(parseError("[profiles.x]\nextends = \"turbo\"\n"),
		  "f.toml:2:11: key 'profiles.x.extends': invalid value 'turbo' (expected one of: "
		  "\"\", "
		  "gaming, aiml)");
}

TEST(ConfigErrors, LogLevelsAreCheckedWhenParsed)
{
	// `tb config validate` must reject what `tb` itself would reject later.
	EXPECT_EQ(parseError("[core]\nlog_levels = \"loader:verbose\"\n"),
		  "f.toml:2:14: key 'core.log_levels': invalid value 'loader:verbose': unknown log "
		  "level "
		  "'verbose' (expected debug, info, warn or error)");
	EXPECT_EQ(parseError("[core]\nlog_levels = \"garbage:::\"\n"),
		  "f.toml:2:14: key 'core.log_levels': invalid value 'garbage:::': invalid log "
		  "category "
		  "'garbage::' (expected *, loader, kind.name or a prefix ending in '*')");
	EXPECT_EQ(parseError("[core]\nlog_levels = \":debug\"\n"),
		  "f.toml:2:14: key 'core.log_levels': invalid value ':debug': invalid log "
		  "category '' "
		  "(expected *, loader, kind.name or a prefix ending in '*')");
	EXPECT_TRUE(parseConfig(
		"[core]\nlog_levels = \"loader:debug,probe.*:info,runtime.my-rt:error,warn\"\n",
		"f"));
}

TEST(ConfigErrors, PluginListsNameKindDotName)
{
	EXPECT_EQ(parseError("[core]\nrequired_plugins = [\"probe.nvidia\", \"nvidia\"]\n"),
		  "f.toml:2:37: key 'core.required_plugins': invalid value 'nvidia' (expected "
		  "kind.name "
		  "with kind transport, cache, probe or runtime)");
	EXPECT_EQ(parseError("[core]\ndisabled_plugins = [\"gpu.amd\"]\n"),
		  "f.toml:2:21: key 'core.disabled_plugins': invalid value 'gpu.amd' (expected "
		  "kind.name "
		  "with kind transport, cache, probe or runtime)");
	EXPECT_EQ(parseError("[core]\ndisabled_plugins = [\"probe.-amd\"]\n"),
		  "f.toml:2:21: key 'core.disabled_plugins': invalid value 'probe.-amd' (expected "
		  "kind.name "
		  "with kind transport, cache, probe or runtime)");
}

TEST(ConfigErrors, GpuSelectionGrammar)
{
	const std::string why =
		" (expected all, none, first, or GPU indices and UUIDs such as \"0,2\")";
	EXPECT_EQ(parseError("[gpu]\ndefault_selection = \"some\"\n"),
		  "f.toml:2:21: key 'gpu.default_selection': invalid value 'some'" + why);
	EXPECT_EQ(parseError("[gpu]\ndefault_selection = \"0,,2\"\n"),
		  "f.toml:2:21: key 'gpu.default_selection': invalid value '0,,2'" + why);
	EXPECT_EQ(parseError("[gpu]\ndefault_selection = \"\"\n"),
		  "f.toml:2:21: key 'gpu.default_selection': invalid value ''" + why);
	EXPECT_EQ(parseError("[profiles.p]\ngpus = \"everything\"\n"),
		  "f.toml:2:8: key 'profiles.p.gpus': invalid value 'everything'" + why);
	for (const char *ok :
	     {"all", "none", "first", "0", "0,2", "0, 2",
	      "GPU-6a1f6c3e-6d0b-4c4e-9f0a-2b1f3c5d7e90",
	      "1,MIG-4b8b7c6e-1234-5678-9abc-def012345678", "MIG-GPU-6a1f6c3e/1/0"}) {
		auto c = parseConfig(std::string("[gpu]\ndefault_selection = \"") + ok + "\"\n",
				     "f.toml");
		ASSERT_TRUE(c) << ok << ": " << c.error().message;
		EXPECT_EQ(c->gpu.defaultSelection, ok);
	}
	auto empty = parseConfig("[profiles.p]\ngpus = \"\"\n", "f.toml");
	ASSERT_TRUE(empty) << empty.error().message;
}

TEST(ConfigErrors, SizesAndRuntimeNames)
{
	EXPECT_EQ(parseError("[bolt.aiml]\nmemory_pool_size = \"8 gigs\"\n"),
		  "f.toml:2:20: key 'bolt.aiml.memory_pool_size': invalid value '8 gigs' (expected "
		  "a size "
		  "such as \"8GB\" or \"512MiB\")");
	EXPECT_EQ(parseError("[bolt.aiml]\nmemory_pool_size = \"\"\n"),
		  "f.toml:2:20: key 'bolt.aiml.memory_pool_size': invalid value '' (expected a "
		  "size such as "
		  "\"8GB\" or \"512MiB\")");
	EXPECT_EQ(parseError("[bolt.capsule]\ngpu_memory_limit = \"lots\"\n"),
		  "f.toml:2:20: key 'bolt.capsule.gpu_memory_limit': invalid value 'lots' "
		  "(expected \"\" "
		  "for no limit or a size such as \"8GB\" or \"512MiB\")");
	EXPECT_EQ(
		parseError("[runtime]\ndefault_runtime = \"Pod Man\"\n"),
		"f.toml:2:19: key 'runtime.default_runtime': invalid value 'Pod Man' (expected a "
		"runtime "
		"plugin name such as podman, docker or bolt: 1-63 characters of a-z, 0-9 and '-')");
	auto ok = parseConfig("[bolt.capsule]\ngpu_memory_limit = \"512MiB\"\n"
			      "[bolt.aiml]\nmemory_pool_size = \"16gb\"\n"
			      "[runtime]\ndefault_runtime = \"my-runtime\"\n",
			      "f.toml");
	ASSERT_TRUE(ok) << ok.error().message;
	EXPECT_EQ(ok->bolt.capsule.gpuMemoryLimit, "512MiB");
	EXPECT_EQ(ok->runtime.defaultRuntime, "my-runtime");
}

TEST(ConfigErrors, PluginSectionsAreChecked)
{
	EXPECT_EQ(parseError("[plugins.\"gpu\"]\n"), "f.toml:1:1: key 'plugins.\"gpu\"': not a "
						     "plugin name (expected kind.name with kind "
						     "transport, cache, probe or runtime)");
	EXPECT_EQ(parseError("[plugins]\n\"probe.x\" = 1\n"),
		  "f.toml:2:13: key 'plugins.\"probe.x\"': expected a table");
	// One level of named records is allowed (a plugin may declare a table of them).
	EXPECT_EQ(parseError("[plugins.\"probe.nvidia\".sub]\nx = 1\n"),
		  "f.toml:2:5: key 'plugins.\"probe.nvidia\".sub.\"x\"': expected a table");
	EXPECT_EQ(parseError("[plugins.\"probe.nvidia\".sub.x.y]\nz = 1\n"),
		  "f.toml:1:1: key 'plugins.\"probe.nvidia\".sub.\"x\".y': nested tables are "
		  "not allowed here");
	EXPECT_EQ(parseError("[plugins.\"probe.nvidia\"]\nx = [1]\n"),
		  "f.toml:2:6: key 'plugins.\"probe.nvidia\".x': arrays in plugin sections hold "
		  "strings "
		  "only");
	EXPECT_EQ(parseError("[plugins.\"probe.nvidia\"]\nwhen = 1979-05-27\n"),
		  "f.toml:2:8: key 'plugins.\"probe.nvidia\".when': dates and times are not "
		  "allowed in "
		  "plugin sections");
}

TEST(ConfigErrors, FirstErrorWins)
{
	// Several problems: the message names the first one in reading order, not the last.
	EXPECT_EQ(parseError("[core]\nsystem_plugins = 1\n[gpu]\nnope = 2\n"),
		  "f.toml:2:18: key 'core.system_plugins': expected true or false");
}

TEST(ConfigValues, SizesInBytes)
{
	EXPECT_EQ(config::parseSize("8GB"), 8'000'000'000ULL);
	EXPECT_EQ(config::parseSize("512MiB"), 512ULL << 20);
	EXPECT_EQ(config::parseSize("16gb"), 16'000'000'000ULL);
	EXPECT_EQ(config::parseSize("4096"), 4096u);
	EXPECT_EQ(config::parseSize("1B"), 1u);
	EXPECT_EQ(config::parseSize("2TiB"), 2ULL << 40);
	for (const char *bad : {"", "0GB", "GB", "8 GB", "8G", "1.5GB", "-1GB",
				"99999999999999999999", "20000000TiB"})
		EXPECT_EQ(config::parseSize(bad), std::nullopt) << bad;
}

} // namespace
} // namespace tb
