// SPDX-License-Identifier: Apache-2.0
// What the core hands a plugin: a log in its own kind.name category (levels from
// TB_LOG_LEVELS), the XDG-based paths, and a read-only view of its own config section only.
// The host-info fixture reports all of it back through the argv it builds.
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <type_traits>
#include <unistd.h>

#include <gtest/gtest.h>

#include <tb/context.h>

#include "internal/log.h"
#include "internal/plugin_loader.h"
#include "saved_env.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

// The section arrives as a const reference: a plugin cannot change the core's config.
static_assert(
	std::is_same_v<decltype(PluginFactory<Runtime>::create),
		       Result<std::unique_ptr<Runtime>> (*)(Host &, const ConfigView &) noexcept>);

// Captures what the core writes to stderr (the log) while it is alive.
class StderrCapture {
public:
	explicit StderrCapture(const fs::path &file) : file_(file)
	{
		std::fflush(stderr);
		saved_ = ::dup(2);
		int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		::dup2(fd, 2);
		::close(fd);
	}
	std::string finish()
	{
		std::fflush(stderr);
		::dup2(saved_, 2);
		::close(saved_);
		std::ifstream in(file_);
		return std::string((std::istreambuf_iterator<char>(in)),
				   std::istreambuf_iterator<char>());
	}

private:
	fs::path file_;
	int saved_ = -1;
};

class HostServices : public ::testing::Test {
protected:
	void SetUp() override
	{
		const char *broken = std::getenv("TB_BROKEN_DIR");
		ASSERT_NE(broken, nullptr) << "TB_BROKEN_DIR not set";
		tmp_ = fs::temp_directory_path() / ("tb-host-" + std::to_string(::getpid()));
		fs::create_directories(tmp_ / "plugins");
		// Just the fixture (and a neighbour with its own config section) on the path.
		fs::copy_file(fs::path(broken) / "host-info.so", tmp_ / "plugins" / "host-info.so");
		fs::copy_file(fs::path(broken) / "dup-a.so", tmp_ / "plugins" / "dup-a.so");
		::setenv("TB_PLUGIN_PATH", (tmp_ / "plugins").c_str(), 1);
		::setenv("XDG_CONFIG_HOME", (tmp_ / "no-config").c_str(), 1);
		::unsetenv("TB_LOG_LEVELS");
		::unsetenv("TB_CONFIG");
	}
	void TearDown() override
	{
		env_.restore();
		fs::remove_all(tmp_);
		ASSERT_TRUE(log::setLevels("*:warn"));
	}

	std::unique_ptr<Context> open(const std::string &configText = "")
	{
		ContextOptions o;
		if (!configText.empty()) {
			o.configFile = (tmp_ / "c.toml").string();
			std::ofstream(o.configFile) << configText;
		}
		auto c = Context::create(o);
		EXPECT_TRUE(c) << c.error().message;
		return c ? std::move(*c) : nullptr;
	}

	/// The host-info fixture's report, as key -> value.
	static std::map<std::string, std::string> report(const Context &ctx)
	{
		std::map<std::string, std::string> out;
		Runtime *rt = ctx.runtime("host-info");
		EXPECT_NE(rt, nullptr) << "host-info not loaded";
		if (!rt)
			return out;
		auto inv = rt->buildInvocation(RunRequest{});
		EXPECT_TRUE(inv);
		for (const auto &a : inv->argv)
			out[a.substr(0, a.find('='))] = a.substr(a.find('=') + 1);
		return out;
	}

	test::SavedEnv env_{"XDG_STATE_HOME",  "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME",
			    "XDG_CONFIG_HOME", "TB_PLUGIN_PATH", "TB_LOG_LEVELS",   "TB_CONFIG"};
	fs::path tmp_;
};

TEST_F(HostServices, PathsFollowXdgDirectories)
{
	test::setXdgDirsUnder(tmp_);
	auto ctx = open();
	ASSERT_TRUE(ctx);
	auto r = report(*ctx);
	EXPECT_EQ(r["state"], (tmp_ / "state" / "tb").string());
	EXPECT_EQ(r["cache"], (tmp_ / "cache" / "tb").string());
	EXPECT_EQ(r["runtime"], (tmp_ / "run" / "tb").string());
	EXPECT_EQ(r["store"], (tmp_ / "data" / "tb" / "store").string());
	EXPECT_EQ(r["root"], "/");
	EXPECT_EQ(r["core"], std::string(version()));
	// The plugin sees the very paths the Context reports.
	EXPECT_EQ(r["state"], ctx->paths().stateDir);
}

TEST_F(HostServices, ConfigViewHoldsOnlyThePluginsOwnSection)
{
	auto ctx = open("[plugins.\"runtime.host-info\"]\ngreeting = \"hello\"\nlimit = 3\n"
			"[plugins.\"runtime.dup\"]\nsecret = \"not for host-info\"\n");
	ASSERT_TRUE(ctx);
	auto r = report(*ctx);
	EXPECT_EQ(r["keys"], "greeting,limit");
	EXPECT_EQ(r["greeting"], "hello");
	// The core's copy is untouched by whatever the plugin did with its view.
	EXPECT_EQ(ctx->config().plugins.at("runtime.dup").getString("secret"), "not for host-info");
	EXPECT_EQ(ctx->config().plugins.at("runtime.host-info").values().size(), 2u);
}

TEST_F(HostServices, PluginWithoutASectionGetsAnEmptyView)
{
	auto ctx = open();
	ASSERT_TRUE(ctx);
	auto r = report(*ctx);
	EXPECT_EQ(r["keys"], "");
	EXPECT_EQ(r["greeting"], "");
}

TEST_F(HostServices, LogLinesCarryTheKindNameCategoryAndAreFiltered)
{
	::setenv("TB_LOG_LEVELS", "runtime.host-info:debug", 1);
	StderrCapture debug(tmp_ / "debug.log");
	auto ctx = open("[plugins.\"runtime.host-info\"]\ngreeting = \"hello\"\n");
	std::string out = debug.finish();
	ASSERT_TRUE(ctx);
	EXPECT_NE(out.find("tb[runtime.host-info] debug: debug from host-info: 1 config key(s)\n"),
		  std::string::npos)
		<< out;
	EXPECT_NE(out.find("tb[runtime.host-info] info: info from host-info\n"), std::string::npos)
		<< out;
	EXPECT_EQ(out.find("tb[loader] debug"), std::string::npos)
		<< "other categories keep *:warn\n"
		<< out;
	EXPECT_EQ(report(*ctx)["debug"], "on");

	::setenv("TB_LOG_LEVELS", "runtime.*:info", 1);
	StderrCapture info(tmp_ / "info.log");
	auto ctx2 = open();
	out = info.finish();
	ASSERT_TRUE(ctx2);
	EXPECT_EQ(out.find("debug from host-info"), std::string::npos) << out;
	EXPECT_NE(out.find("tb[runtime.host-info] info: info from host-info\n"), std::string::npos)
		<< out;
	EXPECT_EQ(report(*ctx2)["debug"], "off");

	::unsetenv("TB_LOG_LEVELS");
	StderrCapture quiet(tmp_ / "quiet.log");
	auto ctx3 = open();
	out = quiet.finish();
	ASSERT_TRUE(ctx3);
	EXPECT_EQ(out.find("host-info"), std::string::npos)
		<< "default *:warn hides debug and info\n"
		<< out;
}

} // namespace
} // namespace tb
