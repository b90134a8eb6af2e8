// SPDX-License-Identifier: Apache-2.0
// The host-services fixture: a Context over the host-info test plugin, whose argv reports
// what the host handed it.
#pragma once

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

#include "auth/credential_chain.h"
#include "internal/host_impl.h"
#include "internal/log.h"
#include "internal/plugin_loader.h"
#include "saved_env.h"

namespace tb {

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

	std::unique_ptr<Context> open(const std::string &configText = "", ContextOptions o = {})
	{
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
			    "XDG_CONFIG_HOME", "TB_PLUGIN_PATH", "TB_LOG_LEVELS",   "TB_CONFIG",
			    "HTTPS_PROXY",     "https_proxy",    "HTTP_PROXY",      "http_proxy",
			    "NO_PROXY",        "no_proxy"};
	fs::path tmp_;
};

} // namespace tb
