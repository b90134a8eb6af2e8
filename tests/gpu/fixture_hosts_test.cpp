// SPDX-License-Identifier: Apache-2.0
// The committed fixture hosts are exactly what tb-make-hosts generates (never hand-edited).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <unistd.h>

#include <gtest/gtest.h>

namespace {

namespace fsys = std::filesystem;

// relative path -> "d", "l:<target>" or "f:<content>"
std::map<std::string, std::string> snapshot(const fsys::path &root)
{
	std::map<std::string, std::string> out;
	for (auto it = fsys::recursive_directory_iterator(root);
	     it != fsys::recursive_directory_iterator(); ++it) {
		std::string rel = fsys::relative(it->path(), root).string();
		if (it->is_symlink()) {
			out[rel] = "l:" + fsys::read_symlink(it->path()).string();
		} else if (it->is_directory()) {
			out[rel] = "d";
		} else {
			std::ifstream in(it->path(), std::ios::binary);
			std::stringstream s;
			s << in.rdbuf();
			out[rel] = "f:" + s.str();
		}
	}
	return out;
}

TEST(FixtureHosts, CommittedTreesMatchTheGenerator)
{
	const char *tool = std::getenv("TB_MAKE_HOSTS");
	const char *hosts = std::getenv("TB_FIXTURE_HOSTS");
	ASSERT_TRUE(tool && hosts);
	fsys::path tmp =
		fsys::temp_directory_path() / ("tb-make-hosts-" + std::to_string(::getpid()));
	std::string cmd = std::string("'") + tool + "' '" + tmp.string() + "'";
	ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
	auto want = snapshot(tmp);
	auto have = snapshot(hosts);
	fsys::remove_all(tmp);
	for (auto &[path, v] : want) {
		auto it = have.find(path);
		if (it == have.end())
			ADD_FAILURE() << "missing in tests/data/hosts: " << path;
		else if (it->second != v)
			ADD_FAILURE() << "differs from the generator: " << path;
	}
	for (auto &[path, v] : have)
		if (!want.count(path))
			ADD_FAILURE() << "not made by the generator: " << path;
	if (HasFailure())
		std::fprintf(stderr, "regenerate with: ninja -C BUILD regen-hosts\n");
}

} // namespace
