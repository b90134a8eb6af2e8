// SPDX-License-Identifier: Apache-2.0
// Loader tests: each deliberately broken plugin gets its exact status and reason, and none
// of their code runs before validation accepts the descriptor.
#include <cstdlib>
#include <elf.h>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "fixtures/greeter_kind.h"
#include "internal/kinds.h"
#include "internal/plugin_loader.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

std::string env(const char *name)
{
	const char *v = std::getenv(name);
	return v ? v : "";
}

class LoaderTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		dir_ = env("TB_BROKEN_DIR");
		ASSERT_FALSE(dir_.empty()) << "TB_BROKEN_DIR not set";
		tmp_ = fs::temp_directory_path() / ("tb-loader-" + std::to_string(::getpid()));
		fs::create_directories(tmp_);
		marker_ = (tmp_ / "marker").string();
		::setenv("TB_TEST_MARKER", marker_.c_str(), 1);
	}
	void TearDown() override { fs::remove_all(tmp_); }

	std::map<std::string, PluginInfo> loadDir(std::vector<std::string> dirs,
						  std::vector<std::string> disabled = {})
	{
		LoaderOptions o;
		o.searchPath = std::move(dirs);
		o.disabled = std::move(disabled);
		o.paths = &paths_;
		set_ = PluginSet::load(o);
		std::map<std::string, PluginInfo> byFile;
		for (const auto &i : set_.infos())
			byFile[fs::path(i.path).filename().string()] = i;
		return byFile;
	}

	std::string dir_;
	fs::path tmp_;
	std::string marker_;
	HostPaths paths_;
	PluginSet set_;
};

void expectStatus(const std::map<std::string, PluginInfo> &m, const std::string &file,
		  PluginStatus status, const std::string &reason)
{
	auto it = m.find(file);
	ASSERT_NE(it, m.end()) << file << " was not scanned";
	EXPECT_EQ(pluginStatusName(it->second.status), pluginStatusName(status)) << file;
	EXPECT_EQ(it->second.reason, reason) << file;
}

TEST_F(LoaderTest, EveryBrokenPluginGetsItsStatusAndReason)
{
	auto m = loadDir({dir_}, {"runtime.disabled-me"});
	expectStatus(m, "no-descriptor.so", PluginStatus::Failed,
		     "no tb_plugin_descriptor symbol (not a tb plugin)");
	expectStatus(m, "not-elf.so", PluginStatus::Failed, "not an ELF file");
	expectStatus(m, "wrong-abi.so", PluginStatus::Incompatible,
		     "plugin ABI version 99, this tb supports 2");
	expectStatus(m, "wrong-cxx-abi.so", PluginStatus::Incompatible,
		     "C++ ABI tag 0x200 does not match this tb (0x101)");
	expectStatus(m, "wrong-kind-api.so", PluginStatus::Incompatible,
		     "runtime API version 77.0, this tb supports 2.x");
	expectStatus(m, "unknown-kind.so", PluginStatus::Incompatible, "unknown plugin kind 42");
	expectStatus(m, "bad-name.so", PluginStatus::Failed,
		     "invalid plugin name 'Bad Name!' (1-63 characters of a-z, 0-9 and '-')");
	expectStatus(m, "dup-a.so", PluginStatus::Ok, "");
	expectStatus(m, "dup-b.so", PluginStatus::Shadowed, "shadowed by " + dir_ + "/dup-a.so");
	expectStatus(m, "throws.so", PluginStatus::Failed,
		     "plugin factory threw: fixture factory exploded");
	expectStatus(m, "skips.so", PluginStatus::Skipped,
		     "fixture runtime is not installed on this host");
	expectStatus(m, "fails.so", PluginStatus::Failed,
		     "fixture runtime socket /run/fixture.sock: connection refused");
	expectStatus(m, "disabled-me.so", PluginStatus::Disabled,
		     "disabled by [core] disabled_plugins");
	expectStatus(m, "marker-wrong-abi.so", PluginStatus::Incompatible,
		     "plugin ABI version 1, this tb supports 2");
	expectStatus(m, "marker-ok.so", PluginStatus::Ok, "");
	expectStatus(m, "marker-dup-a.so", PluginStatus::Ok, "");
	expectStatus(m, "marker-dup-b.so", PluginStatus::Shadowed,
		     "shadowed by " + dir_ + "/marker-dup-a.so");
	expectStatus(m, "marker-bad-kind.so", PluginStatus::Incompatible, "unknown plugin kind 42");
	expectStatus(m, "marker-bad-name.so", PluginStatus::Failed,
		     "invalid plugin name 'Marker Bad!' (1-63 characters of a-z, 0-9 and '-')");
	expectStatus(m, "owner-a-fails.so", PluginStatus::Failed,
		     "fixture runtime socket /run/fixture.sock: connection refused");
	expectStatus(m, "owner-b-marker.so", PluginStatus::Shadowed,
		     "shadowed by " + dir_ + "/owner-a-fails.so (failed)");
	expectStatus(m, "host-info.so", PluginStatus::Ok, "");
	// Same major, any minor: a plugin from a newer SDK loads (the core calls only what it
	// knows); an object whose minor contradicts its descriptor is a broken build.
	expectStatus(m, "newer-minor.so", PluginStatus::Ok, "");
	EXPECT_EQ(m.at("newer-minor.so").apiVersion, "2.9");
	expectStatus(m, "lying-minor.so", PluginStatus::Failed,
		     "object built against runtime API minor 0, descriptor says 9");

	auto undef = m.at("undefined-symbol.so");
	EXPECT_EQ(undef.status, PluginStatus::Failed);
	EXPECT_EQ(undef.reason.rfind("dlopen failed: ", 0), 0u) << undef.reason;
	EXPECT_NE(undef.reason.find("undefined symbol: tbFixtureSymbolThatDoesNotExist"),
		  std::string::npos)
		<< undef.reason;

	// URIs and versions come from the descriptor, not the file name.
	EXPECT_EQ(m.at("dup-a.so").uri, "runtime.dup");
	EXPECT_EQ(m.at("dup-a.so").version, "0.0.1");
	EXPECT_EQ(m.at("wrong-abi.so").kind, "unknown");
	// Only ok plugins have live objects.
	EXPECT_EQ(set_.runtimes().size(), 5u); // dup, host-info, marker-dup, marker-ok, newer-minor
}

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(LoaderTest, ValidationRunsBeforeAnyPluginCode)
{
	loadDir({dir_});
	// Exactly the two marker plugins that were loaded ran their constructors, in load order.
	// Rejected from the file alone and never mapped: marker-wrong-abi (ABI), marker-bad-kind
	// (unknown kind), marker-bad-name (name); marker-dup-b and owner-b-marker are shadowed.
	EXPECT_EQ(slurp(marker_), "marker-dup-a\nmarker-ok\n");
}

TEST_F(LoaderTest, DisabledPluginsAreNeverLoaded)
{
	auto m = loadDir({dir_}, {"runtime.marker-ok", "runtime.marker-dup"});
	expectStatus(m, "marker-ok.so", PluginStatus::Disabled,
		     "disabled by [core] disabled_plugins");
	// Every copy of a disabled kind.name is disabled, not the first disabled and the next
	// shadowed.
	expectStatus(m, "marker-dup-a.so", PluginStatus::Disabled,
		     "disabled by [core] disabled_plugins");
	expectStatus(m, "marker-dup-b.so", PluginStatus::Disabled,
		     "disabled by [core] disabled_plugins");
	EXPECT_FALSE(fs::exists(marker_));
}

TEST_F(LoaderTest, ShadowedPluginsAreNeverLoaded)
{
	auto m = loadDir({dir_}, {"runtime.marker-ok"});
	expectStatus(m, "marker-dup-b.so", PluginStatus::Shadowed,
		     "shadowed by " + dir_ + "/marker-dup-a.so");
	EXPECT_EQ(slurp(marker_), "marker-dup-a\n");
}

TEST_F(LoaderTest, AFailedPluginKeepsItsNameAndIsNotReplacedByALaterCopy)
{
	// The search path says which copy the user wants; a broken first copy is reported, and
	// the next one with the same kind.name is not silently run in its place.
	auto m = loadDir({dir_});
	expectStatus(m, "owner-a-fails.so", PluginStatus::Failed,
		     "fixture runtime socket /run/fixture.sock: connection refused");
	expectStatus(m, "owner-b-marker.so", PluginStatus::Shadowed,
		     "shadowed by " + dir_ + "/owner-a-fails.so (failed)");
	EXPECT_EQ(slurp(marker_).find("owner-b-marker"), std::string::npos) << slurp(marker_);
	auto r = set_.checkRequired({"runtime.owner"});
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().message,
		  "required plugin runtime.owner (" + dir_ +
			  "/owner-a-fails.so): failed: fixture runtime socket /run/fixture.sock: "
			  "connection refused");
}

TEST_F(LoaderTest, PluginBuiltForAnotherMachineIsIncompatible)
{
	fs::path other = tmp_ / "other";
	fs::create_directories(other);
	fs::copy_file(dir_ + "/marker-ok.so", other / "other-machine.so");
	// e_machine: 2 bytes at offset 18 of the ELF header (little endian).
	uint16_t foreign = EM_X86_64;
#if defined(__x86_64__)
	foreign = EM_AARCH64;
#endif
	{
		std::fstream f(other / "other-machine.so",
			       std::ios::in | std::ios::out | std::ios::binary);
		f.seekp(18);
		char bytes[2] = {static_cast<char>(foreign & 0xff),
				 static_cast<char>(foreign >> 8)};
		f.write(bytes, 2);
	}
	auto m = loadDir({other.string()});
	expectStatus(m, "other-machine.so", PluginStatus::Incompatible,
		     "built for another machine (e_machine " + std::to_string(foreign) + ")");
	EXPECT_EQ(m.at("other-machine.so").kind, "unknown");
	EXPECT_FALSE(fs::exists(marker_));
}

TEST_F(LoaderTest, TruncatedElfIsReported)
{
	fs::path trunc = tmp_ / "plugins";
	fs::create_directories(trunc);
	std::ifstream src(dir_ + "/dup-a.so", std::ios::binary);
	std::string head(200, '\0');
	src.read(head.data(), 200);
	std::ofstream(trunc / "truncated.so", std::ios::binary) << head;
	auto m = loadDir({trunc.string()});
	expectStatus(m, "truncated.so", PluginStatus::Failed, "truncated ELF section header table");
}

TEST_F(LoaderTest, FirstDirectoryInThePathWins)
{
	fs::path first = tmp_ / "first";
	fs::create_directories(first);
	fs::copy_file(dir_ + "/skips.so", first / "zz-skips.so");
	auto m = loadDir({first.string(), dir_});
	expectStatus(m, "zz-skips.so", PluginStatus::Skipped,
		     "fixture runtime is not installed on this host");
	expectStatus(m, "skips.so", PluginStatus::Shadowed,
		     "shadowed by " + (first / "zz-skips.so").string() + " (skipped)");
}

TEST_F(LoaderTest, MissingDirectoriesAndEmptyPathAreFine)
{
	auto m = loadDir({(tmp_ / "does-not-exist").string()});
	EXPECT_TRUE(m.empty());
}

TEST_F(LoaderTest, RequiredPluginsMustBeOk)
{
	loadDir({dir_});
	EXPECT_TRUE(set_.checkRequired({"runtime.dup"}));
	auto missing = set_.checkRequired({"probe.nope"});
	ASSERT_FALSE(missing);
	// Context::create documents InvalidArgument for a required plugin that is not ok.
	EXPECT_EQ(missing.error().code, Errc::InvalidArgument);
	EXPECT_EQ(missing.error().message,
		  "required plugin probe.nope: not found in the plugin path");
	auto broken = set_.checkRequired({"runtime.throws"});
	ASSERT_FALSE(broken);
	EXPECT_EQ(broken.error().code, Errc::InvalidArgument);
	EXPECT_EQ(broken.error().message,
		  "required plugin runtime.throws (" + dir_ +
			  "/throws.so): failed: plugin factory threw: fixture factory exploded");
}

TEST_F(LoaderTest, TestPluginsOfAllFourKindsLoad)
{
	std::vector<std::string> dirs;
	std::string list = env("TB_TEST_PLUGIN_PATH");
	for (size_t pos = 0; pos < list.size();) {
		size_t c = list.find(':', pos);
		dirs.push_back(
			list.substr(pos, c == std::string::npos ? std::string::npos : c - pos));
		pos = c == std::string::npos ? list.size() : c + 1;
	}
	auto m = loadDir(dirs);
	expectStatus(m, "tb-transport-memory.so", PluginStatus::Ok, "");
	expectStatus(m, "tb-cache-test.so", PluginStatus::Ok, "");
	expectStatus(m, "tb-probe-fixture.so", PluginStatus::Ok, "");
	expectStatus(m, "tb-runtime-echo.so", PluginStatus::Ok, "");
	EXPECT_EQ(m.at("tb-transport-memory.so").uri, "transport.memory");
	EXPECT_EQ(m.at("tb-cache-test.so").uri, "cache.test");
	EXPECT_EQ(m.at("tb-probe-fixture.so").uri, "probe.fixture");
	EXPECT_EQ(m.at("tb-runtime-echo.so").uri, "runtime.echo");
	EXPECT_EQ(set_.transports().size(), 1u);
	EXPECT_EQ(set_.cacheFormats().size(), 1u);
	EXPECT_EQ(set_.gpuProbes().size(), 2u); // fixture and fixture-v20
	EXPECT_EQ(set_.runtimes().size(), 1u);
	// The probe built against the 2.0 SDK copy loads into this newer core as what it is.
	expectStatus(m, "tb-probe-fixture-v20.so", PluginStatus::Ok, "");
	EXPECT_EQ(m.at("tb-probe-fixture-v20.so").apiVersion, "2.0");
	EXPECT_EQ(m.at("tb-probe-fixture.so").apiVersion,
		  std::to_string(TB_GPU_PROBE_API_MAJOR) + "." +
			  std::to_string(TB_GPU_PROBE_API_MINOR));
	for (GpuProbe *p : set_.gpuProbes())
		EXPECT_EQ(unsigned(p->apiMinor()),
			  p->vendor() == "fixture-v20" ? 0u : TB_GPU_PROBE_API_MINOR)
			<< p->vendor();
}

// Last in this file: the registration lasts for the process.
TEST_F(LoaderTest, AKindRegisteredAtRunTimeLoads)
{
	auto before = loadDir({dir_});
	expectStatus(before, "kind-greeter.so", PluginStatus::Incompatible,
		     "unknown plugin kind 1000");
	ASSERT_TRUE(registerKind(kindEntry<test::Greeter>()));
	EXPECT_FALSE(registerKind(kindEntry<test::Greeter>())) << "ids and names are unique";
	auto after = loadDir({dir_});
	expectStatus(after, "kind-greeter.so", PluginStatus::Ok, "");
	EXPECT_EQ(after.at("kind-greeter.so").uri, "greeter.hello");
	auto greeters = set_.objects<test::Greeter>();
	ASSERT_EQ(greeters.size(), 1u);
	auto g = greeters[0]->greet("tb");
	ASSERT_TRUE(g) << g.error().message;
	EXPECT_EQ(*g, "hello, tb");
	// Kinds filter by name, as for the built-in ones.
	LoaderOptions o;
	o.searchPath = {dir_};
	o.paths = &paths_;
	o.kinds = {"greeter"};
	set_ = PluginSet::load(o);
	EXPECT_EQ(set_.objects<test::Greeter>().size(), 1u);
	EXPECT_TRUE(set_.runtimes().empty());
	for (const auto &i : set_.infos()) {
		bool valid = i.status != PluginStatus::Incompatible &&
			     i.status != PluginStatus::Failed && i.status != PluginStatus::Shadowed;
		if (i.kind == "runtime" && valid) {
			EXPECT_EQ(i.status, PluginStatus::NotLoaded) << i.path;
		}
	}
}

} // namespace
} // namespace tb
