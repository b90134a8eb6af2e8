// SPDX-License-Identifier: Apache-2.0
// Shared helpers of the conformance suites: every plugin of a kind, loaded by the real loader.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <tb/context.h>

namespace tb::conformance {

/// \brief A Context on TB_PLUGIN_PATH (shipped + test plugins), optionally on a host root.
inline std::unique_ptr<Context> openContext(const std::string &hostRoot = {})
{
	ContextOptions o;
	o.hostRoot = hostRoot;
	auto c = Context::create(o);
	if (!c) {
		ADD_FAILURE() << c.error().message;
		return nullptr;
	}
	return std::move(*c);
}

/// \brief Names of the ok plugins of one kind ("transport", "cache", "probe", "runtime").
inline std::vector<std::string> pluginNames(const std::string &kind)
{
	std::vector<std::string> out;
	auto c = openContext();
	if (!c)
		return out;
	for (const auto &p : c->plugins())
		if (p.kind == kind && p.status == PluginStatus::Ok)
			out.push_back(p.name);
	return out;
}

/// \brief Fail unless at least one ok plugin of \a kind is on the path: a parameterised
/// suite over an empty list runs nothing and would pass (GTEST_ALLOW_UNINSTANTIATED_...).
inline void expectAtLeastOnePlugin(const std::string &kind)
{
	auto names = pluginNames(kind);
	EXPECT_FALSE(names.empty()) << "no ok " << kind << " plugin on TB_PLUGIN_PATH: the " << kind
				    << " conformance suite would run no case";
}

/// \brief A fresh temporary directory removed with the object.
class TempDir {
public:
	TempDir()
	{
		std::string tmpl =
			(std::filesystem::temp_directory_path() / "tb-conf-XXXXXX").string();
		path_ = ::mkdtemp(tmpl.data());
	}
	~TempDir()
	{
		std::error_code ec;
		std::filesystem::remove_all(path_, ec);
	}
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

/// \brief gtest-safe parameter names ("docker-archive" -> "docker_archive").
inline std::string paramName(const ::testing::TestParamInfo<std::string> &info)
{
	std::string s = info.param;
	for (char &c : s)
		if (!isalnum(static_cast<unsigned char>(c)))
			c = '_';
	return s;
}

} // namespace tb::conformance
