// SPDX-License-Identifier: Apache-2.0
// What the core hands a plugin: a log in its own kind.name category (levels from
// TB_LOG_LEVELS), the XDG-based paths, and a read-only view of its own config section only.
// The host-info fixture reports all of it back through the argv it builds.
#include "host_fixture.h"

namespace tb {
namespace {

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
	// Declared keys missing from the file hold their declared defaults.
	EXPECT_EQ(r["keys"], "greeting,limit,mode");
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
	EXPECT_EQ(r["keys"], "greeting,limit,mode") << "declared defaults";
	EXPECT_EQ(r["greeting"], "");
}

TEST_F(HostServices, LogLinesCarryTheKindNameCategoryAndAreFiltered)
{
	::setenv("TB_LOG_LEVELS", "runtime.host-info:debug", 1);
	StderrCapture debug(tmp_ / "debug.log");
	auto ctx = open("[plugins.\"runtime.host-info\"]\ngreeting = \"hello\"\n");
	std::string out = debug.finish();
	ASSERT_TRUE(ctx);
	EXPECT_NE(out.find("tb[runtime.host-info] debug: debug from host-info: 3 config key(s)\n"),
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
