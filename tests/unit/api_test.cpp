// SPDX-License-Identifier: Apache-2.0
// libtb as a program sees it: built against the public headers only (tb_dep), like a
// container runtime linking libtb. Config values, host paths, and the CDI / run entry points.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <type_traits>
#include <unistd.h>

#include <gtest/gtest.h>

#include <tb/cdi.h>
#include <tb/config.h>
#include <tb/context.h>
#include <tb/run.h>

#include "saved_env.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

// Context::config() hands out the typed values read-only.
static_assert(std::is_same_v<decltype(std::declval<const Context &>().config()), const Config &>);

class Api : public ::testing::Test {
protected:
	void SetUp() override
	{
		tmp_ = fs::temp_directory_path() / ("tb-api-" + std::to_string(::getpid()));
		fs::create_directories(tmp_);
		::setenv("XDG_CONFIG_HOME", (tmp_ / "no-config").c_str(), 1);
		::unsetenv("TB_CONFIG");
	}
	void TearDown() override
	{
		env_.restore();
		fs::remove_all(tmp_);
	}
	std::unique_ptr<Context> open(bool plugins = false)
	{
		ContextOptions o;
		o.loadPlugins = plugins;
		auto c = Context::create(o);
		EXPECT_TRUE(c) << c.error().message;
		return c ? std::move(*c) : nullptr;
	}

	test::SavedEnv env_{"HOME",          "XDG_STATE_HOME",  "XDG_CACHE_HOME", "XDG_RUNTIME_DIR",
			    "XDG_DATA_HOME", "XDG_CONFIG_HOME", "TB_CONFIG"};
	fs::path tmp_;
};

TEST_F(Api, ConfigIsReadableWithoutInternalHeaders)
{
	auto ctx = open();
	ASSERT_TRUE(ctx);
	const Config &c = ctx->config();
	EXPECT_EQ(c.runtime.defaultRuntime, "podman");
	EXPECT_EQ(c.gpu.defaultSelection, "all");
	EXPECT_EQ(c.extract.maxManifestBytes, 4 << 20);
	EXPECT_EQ(c.bolt, BoltSection{});
	EXPECT_EQ(c.profiles.size(), 0u);
	EXPECT_NE(ctx->configJson().find("\"default_runtime\" : \"podman\""), std::string::npos)
		<< ctx->configJson();
}

TEST_F(Api, HostPathsFollowXdgVariables)
{
	test::setXdgDirsUnder(tmp_);
	auto ctx = open();
	ASSERT_TRUE(ctx);
	const HostPaths &p = ctx->paths();
	EXPECT_EQ(p.stateDir, (tmp_ / "state" / "tb").string());
	EXPECT_EQ(p.cacheDir, (tmp_ / "cache" / "tb").string());
	EXPECT_EQ(p.runtimeDir, (tmp_ / "run" / "tb").string());
	EXPECT_EQ(p.storeDir, (tmp_ / "data" / "tb" / "store").string());
	EXPECT_EQ(p.hostRoot, "/");
}

TEST_F(Api, HostPathsFallBackToHomeAndTmp)
{
	for (const char *v :
	     {"XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME"})
		::unsetenv(v);
	::setenv("HOME", (tmp_ / "home").c_str(), 1);
	auto ctx = open();
	ASSERT_TRUE(ctx);
	const HostPaths &p = ctx->paths();
	EXPECT_EQ(p.stateDir, (tmp_ / "home" / ".local" / "state" / "tb").string());
	EXPECT_EQ(p.cacheDir, (tmp_ / "home" / ".cache" / "tb").string());
	EXPECT_EQ(p.runtimeDir, "/tmp/tb-" + std::to_string(::getuid()) + "/tb");
	EXPECT_EQ(p.storeDir, (tmp_ / "home" / ".local" / "share" / "tb" / "store").string());
	// Relative values are invalid under the XDG spec and ignored, not joined to the cwd.
	::setenv("XDG_CACHE_HOME", "relative/cache", 1);
	auto rel = open();
	ASSERT_TRUE(rel);
	EXPECT_EQ(rel->paths().cacheDir, (tmp_ / "home" / ".cache" / "tb").string());
}

TEST_F(Api, CdiGenerationChecksTheProfileFirst)
{
	auto ctx = open(true);
	ASSERT_TRUE(ctx);
	auto bad = generateCdi(*ctx, "nope");
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().code, Errc::InvalidArgument);
	EXPECT_EQ(bad.error().message,
		  "cdi generate: profile 'nope': not defined (known: default, gaming, aiml)");
}

TEST_F(Api, ProfilesOfTheConfigAreKnown)
{
	std::string file = (tmp_ / "p.toml").string();
	std::FILE *f = std::fopen(file.c_str(), "w");
	ASSERT_NE(f, nullptr);
	std::fputs("[profiles.train]\nextends = \"aiml\"\n", f);
	std::fclose(f);
	ContextOptions o;
	o.configFile = file;
	o.loadPlugins = false;
	auto ctx = Context::create(o);
	ASSERT_TRUE(ctx) << ctx.error().message;
	EXPECT_EQ((*ctx)->config().profiles.at("train").extends, "aiml");
	// Known, so what fails is the missing GPUs (no probe plugins loaded).
	EXPECT_EQ(generateCdi(**ctx, "train").error().code, Errc::NotFound);
	EXPECT_EQ(generateCdi(**ctx, "x").error().message,
		  "cdi generate: profile 'x': not defined (known: default, gaming, aiml, train)");
}

TEST_F(Api, RunInvocationChecksItsRequest)
{
	auto ctx = open(true);
	ASSERT_TRUE(ctx);
	RunOptions o;
	auto noImage = buildRunInvocation(*ctx, o);
	ASSERT_FALSE(noImage);
	EXPECT_EQ(noImage.error().code, Errc::InvalidArgument);
	EXPECT_EQ(noImage.error().message, "run: no image given");
	o.image = "docker.io/library/ubuntu:24.04";
	o.command = {"nvidia-smi"};
	o.runtime = "Pod Man";
	EXPECT_EQ(buildRunInvocation(*ctx, o).error().message,
		  "run: --runtime: invalid value 'Pod Man' (expected a runtime plugin name such as "
		  "podman, docker or bolt: 1-63 characters of a-z, 0-9 and '-')");
	o.runtime.clear();
	o.profile = "train";
	EXPECT_EQ(buildRunInvocation(*ctx, o).error().message,
		  "run: profile 'train': not defined (known: default, gaming, aiml)");
	o.profile = "gaming";
	o.gpus = "0,";
	EXPECT_EQ(buildRunInvocation(*ctx, o).error().message,
		  "run: --gpus: invalid value '0,' (expected all, none, first, or GPU indices and "
		  "UUIDs such as \"0,2\")");
	o.gpus = "0";
	auto r = buildRunInvocation(*ctx, o);
	ASSERT_FALSE(r);
	// This context has no GPU (no probe plugins): GPU 0 cannot be given to the container.
	EXPECT_EQ(r.error().message, "run: --gpus 0: the probes found no GPU");
}

} // namespace
} // namespace tb
