// SPDX-License-Identifier: Apache-2.0
// The third-party path, proven: install tb into a staging root, build tests/external-plugin/
// sample against the installed headers only (pkg-config), and load it with the installed tb;
// the sample's libtb-client links libtb through tb.pc alone.
#include <filesystem>
#include <fstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <tb/plugin.h>

#include "../integration/run_command.h"

namespace tb::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

TEST(ExternalPlugin, BuildsFromInstalledSdkAndLoads)
{
	std::string buildRoot = envOr("TB_BUILD_ROOT");
	std::string sample = envOr("TB_SAMPLE_SOURCE");
	ASSERT_FALSE(buildRoot.empty());
	fs::path tmp = fs::temp_directory_path() / ("tb-external-" + std::to_string(::getpid()));
	fs::remove_all(tmp);
	fs::path dest = tmp / "dest";

	auto inst = run("meson install --no-rebuild --quiet -C " + shq(buildRoot) + " --destdir " +
			shq(dest.string()));
	ASSERT_EQ(inst.rc, 0) << inst.out << inst.err;

	fs::path pcDir, tbBin, libDir;
	for (const auto &e : fs::recursive_directory_iterator(dest)) {
		if (e.path().filename() == "tb-plugin.pc")
			pcDir = e.path().parent_path();
		if (e.path().filename() == "tb" && e.path().parent_path().filename() == "bin")
			tbBin = e.path();
		if (e.path().filename().string().rfind("libtb.so", 0) == 0)
			libDir = e.path().parent_path();
	}
	ASSERT_FALSE(pcDir.empty()) << "tb-plugin.pc not installed";
	ASSERT_FALSE(tbBin.empty()) << "tb not installed";
	ASSERT_TRUE(fs::exists(dest / "usr" / "local" / "include" / "tb" / "plugin.h") ||
		    fs::exists(dest / "usr" / "include" / "tb" / "plugin.h"));

	// Only the staging root is visible to pkg-config: no path into the source or build tree.
	std::string pkgEnv = "PKG_CONFIG_PATH=" + shq(pcDir.string()) +
			     " PKG_CONFIG_LIBDIR=" + shq(pcDir.string()) +
			     " PKG_CONFIG_SYSROOT_DIR=" + shq(dest.string());
	fs::path ext = tmp / "ext-build";
	auto setup = run(pkgEnv + " meson setup " + shq(ext.string()) + " " + shq(sample));
	ASSERT_EQ(setup.rc, 0) << setup.out << setup.err;
	auto build = run("ninja -C " + shq(ext.string()));
	ASSERT_EQ(build.rc, 0) << build.out << build.err;
	ASSERT_TRUE(fs::exists(ext / "tb-runtime-hello.so"));
	ASSERT_TRUE(fs::exists(ext / "libtb-client"));

	// tb.pc: -ltb and the headers, nothing of libtb's private dependencies.
	std::string tbPc = slurp((pcDir / "tb.pc").string());
	EXPECT_EQ(tbPc.find("toml"), std::string::npos) << tbPc;
	EXPECT_EQ(tbPc.find("Requires"), std::string::npos) << tbPc;
	EXPECT_EQ(tbPc.find("Libs.private"), std::string::npos) << tbPc;
	EXPECT_NE(tbPc.find("Libs: -L${libdir} -ltb"), std::string::npos) << tbPc;
	// tb-plugin.pc publishes the ABI version of the installed header.
	auto abi = run(pkgEnv + " pkg-config --variable=abi_version tb-plugin");
	ASSERT_EQ(abi.rc, 0) << abi.err;
	EXPECT_EQ(abi.out, std::to_string(TB_PLUGIN_ABI_VERSION) + "\n");

	auto client = run("LD_LIBRARY_PATH=" + shq(libDir.string()) +
			  " XDG_CONFIG_HOME=" + shq(tmp.string()) +
			  " TB_CONFIG= " + shq((ext / "libtb-client").string()));
	ASSERT_EQ(client.rc, 0) << client.err;
	EXPECT_EQ(client.out,
		  "default_runtime=podman\n"
		  "cdi=not-found: cdi generate: no GPU found on this host\n"
		  "run=not-found: run: no runtime plugin 'podman' is loaded (loaded: none)\n");

	auto ls = run("LD_LIBRARY_PATH=" + shq(libDir.string()) + " XDG_CONFIG_HOME=" +
		      shq(tmp.string()) + " TB_PLUGIN_PATH=" + shq(ext.string()) + " " +
		      shq(tbBin.string()) + " plugins ls --json");
	ASSERT_EQ(ls.rc, 0) << ls.err;
	bool found = false;
	json::value doc = json::parse(ls.out);
	for (const auto &p : doc.as_object().at("plugins").as_array()) {
		const auto &o = p.as_object();
		if (o.at("uri").as_string() != "runtime.hello")
			continue;
		found = true;
		EXPECT_EQ(o.at("status").as_string(), "ok") << json::serialize(o);
		EXPECT_EQ(o.at("version").as_string(), "1.2.3");
	}
	EXPECT_TRUE(found) << ls.out;

	// The plugin's declared key is validated like a core key, by the installed tb.
	std::string tbEnv = "LD_LIBRARY_PATH=" + shq(libDir.string()) +
			    " XDG_CONFIG_HOME=" + shq(tmp.string()) +
			    " TB_PLUGIN_PATH=" + shq(ext.string()) + " ";
	std::ofstream((tmp / "bad.toml").string())
		<< "[plugins.\"runtime.hello\"]\ngreeting = 42\n";
	auto bad = run(tbEnv + shq(tbBin.string()) + " config validate " +
		       shq((tmp / "bad.toml").string()));
	EXPECT_EQ(bad.rc, 2) << bad.out << bad.err;
	EXPECT_NE(bad.err.find("bad.toml:2:12: key 'plugins.\"runtime.hello\".greeting': "
			       "expected a string"),
		  std::string::npos)
		<< bad.err;
	std::ofstream((tmp / "good.toml").string())
		<< "[plugins.\"runtime.hello\"]\ngreeting = \"hi\"\n";
	auto good = run(tbEnv + shq(tbBin.string()) + " config validate " +
			shq((tmp / "good.toml").string()));
	EXPECT_EQ(good.rc, 0) << good.out << good.err;
	auto init = run(tbEnv + shq(tbBin.string()) + " config init --stdout");
	EXPECT_NE(init.out.find("[plugins.\"runtime.hello\"]\n# what hello says first\n"
				"greeting = \"hello\"\n"),
		  std::string::npos)
		<< init.out;
	fs::remove_all(tmp);
}

} // namespace
} // namespace tb::testing
