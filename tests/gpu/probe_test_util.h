// SPDX-License-Identifier: Apache-2.0
// Helpers of the in-process probe tests: fixture hosts, private copies, inventory lookups.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include <tb/context.h>
#include <tb/gpus.h>

namespace tb::gputest {

inline std::string hostsDir()
{
	const char *d = std::getenv("TB_FIXTURE_HOSTS");
	return d ? d : "";
}

/// \brief probeGpus() of every probe plugin found via TB_PLUGIN_PATH, under \a root.
inline GpuInventory inventory(const std::string &root, const std::string &configFile = {})
{
	ContextOptions o;
	o.hostRoot = root;
	o.configFile = configFile;
	auto ctx = Context::create(o);
	EXPECT_TRUE(ctx) << ctx.error().message;
	if (!ctx)
		return {};
	auto inv = probeGpus(**ctx);
	EXPECT_TRUE(inv);
	EXPECT_EQ(inv->probes.size(), 4u) << "probe plugins not found via TB_PLUGIN_PATH";
	return *inv;
}

inline GpuInventory host(const std::string &name)
{
	return inventory(hostsDir() + "/" + name);
}

inline bool hasNode(const std::vector<DeviceNode> &nodes, const std::string &path, int64_t maj,
		    int64_t min)
{
	return std::any_of(nodes.begin(), nodes.end(), [&](const DeviceNode &n) {
		return n.path == path && n.major == maj && n.minor == min && n.type == 'c';
	});
}

inline bool contains(const std::vector<std::string> &v, const std::string &s)
{
	return std::find(v.begin(), v.end(), s) != v.end();
}

/// \brief Every warning, one a line (for substring checks with a readable failure).
inline std::string joined(const std::vector<std::string> &v)
{
	std::string all;
	for (auto &w : v)
		all += w + "\n";
	return all;
}

/// \brief A private copy of a fixture host (or an empty dir), removed again at scope exit.
class HostCopy {
public:
	explicit HostCopy(const std::string &name)
	    : path_(std::filesystem::temp_directory_path() /
		    ("tb-probe-" + name + "-" + std::to_string(::getpid())))
	{
		namespace fsys = std::filesystem;
		fsys::remove_all(path_);
		fsys::copy(hostsDir() + "/" + name, path_,
			   fsys::copy_options::recursive | fsys::copy_options::copy_symlinks);
	}
	~HostCopy() { std::filesystem::remove_all(path_); }
	HostCopy(const HostCopy &) = delete;
	HostCopy &operator=(const HostCopy &) = delete;

	/// \brief Replace (or create) the file \a rel with \a text.
	void write(const std::string &rel, const std::string &text)
	{
		std::filesystem::create_directories((path_ / rel).parent_path());
		std::ofstream(path_ / rel, std::ios::trunc) << text;
	}
	/// \brief Replace \a rel by a symlink to \a target (stored as given).
	void link(const std::string &rel, const std::string &target)
	{
		std::filesystem::create_directories((path_ / rel).parent_path());
		std::filesystem::remove(path_ / rel);
		std::filesystem::create_symlink(target, path_ / rel);
	}
	void remove(const std::string &rel) { std::filesystem::remove_all(path_ / rel); }
	std::string root() const { return path_.string(); }
	std::string at(const std::string &rel) const { return (path_ / rel).string(); }

private:
	std::filesystem::path path_;
};

} // namespace tb::gputest
