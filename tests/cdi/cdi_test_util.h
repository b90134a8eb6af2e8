// SPDX-License-Identifier: Apache-2.0
// Shared bits of the CDI tests: fixture hosts, contexts on them, files, temp dirs.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include <tb/cdi.h>
#include <tb/context.h>

namespace tb::test {

inline std::string env(const char *name)
{
	const char *v = std::getenv(name);
	return v ? v : "";
}

inline std::string fixtureHost(const std::string &name)
{
	return env("TB_FIXTURE_HOSTS") + "/" + name;
}

inline std::string slurp(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

inline void spit(const std::string &path, const std::string &text)
{
	std::filesystem::create_directories(std::filesystem::path(path).parent_path());
	std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

/// \brief A Context on the host tree \a root with the built plugins, and \a configText as
/// its nvbind.toml ("" = defaults) written to \a configPath.
inline std::unique_ptr<Context> hostContext(const std::string &root,
					    const std::string &configText = "",
					    const std::string &configPath = "")
{
	ContextOptions o;
	o.hostRoot = root;
	if (!configText.empty()) {
		spit(configPath, configText);
		o.configFile = configPath;
	}
	auto ctx = Context::create(o);
	if (!ctx) {
		ADD_FAILURE() << "context on " << root << ": " << ctx.error().message;
		return nullptr;
	}
	return std::move(*ctx);
}

/// \brief A temp directory removed with its contents.
class TempDir {
public:
	TempDir()
	{
		char tmpl[] = "/tmp/tb-cdi-XXXXXX";
		path_ = ::mkdtemp(tmpl) ? tmpl : "";
	}
	~TempDir()
	{
		std::error_code ec;
		if (!path_.empty())
			std::filesystem::remove_all(path_, ec);
	}
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
	const std::string &path() const { return path_; }
	std::string operator/(const std::string &rel) const { return path_ + "/" + rel; }

private:
	std::string path_;
};

} // namespace tb::test
