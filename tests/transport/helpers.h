// SPDX-License-Identifier: Apache-2.0
// Test helpers for the transport tests: temp dirs, generated images, layouts, subprocesses.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "run_capture.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <tb/context.h>
#include <tb/oci.h>

namespace tb::test {

/// \brief A temp directory removed with its contents.
class TmpDir {
public:
	TmpDir();
	~TmpDir();
	TmpDir(const TmpDir &) = delete;
	TmpDir &operator=(const TmpDir &) = delete;
	const std::string &path() const { return path_; }
	std::string operator/(const std::string &rel) const { return path_ + "/" + rel; }

private:
	std::string path_;
};

std::string readFile(const std::string &path);
void writeFile(const std::string &path, const std::string &bytes);

/// \brief A generated OCI image: an uncompressed tar layer per entry of \a layers.
struct TestImage {
	std::string manifest;
	Descriptor manifestDesc;
	std::string config;
	Descriptor configDesc;
	std::vector<std::string> layers;
	std::vector<Descriptor> layerDescs;
};

/// \brief Build an image whose layers hold one file each of \a sizes bytes (content from \a seed).
TestImage makeImage(const std::string &seed, const std::vector<size_t> &sizes,
		    const std::map<std::string, std::string> &labels = {});
/// \brief Write \a image into the layout \a dir (created if needed) under \a tag.
void writeLayout(const std::string &dir, const std::string &tag, const TestImage &image);

/// \brief Every file under \a dir (relative path -> content digest); for "untouched" checks.
std::map<std::string, std::string> snapshot(const std::string &dir);

using CmdResult = tb::testing::Captured;
/// \brief Run \a argv (no shell), capturing stdout and stderr.
inline CmdResult run(const std::vector<std::string> &argv)
{
	return tb::testing::runCapture(argv);
}
/// \brief True when \a program is on PATH.
bool haveProgram(const std::string &program);

/// \brief A config file's text: version 1 with the store at \a storeDir.
std::string storeConfig(const std::string &storeDir);

/// \brief A Context with the built plugins (TB_PLUGIN_PATH) and its store at \a storeDir.
std::unique_ptr<Context> makeContext(const TmpDir &tmp, const std::string &storeDir);

/// \brief The fixture docker-archive (tests/data/caches, shared with the cache tests), from
/// TB_TEST_DATA.
std::string fixtureArchive();

/// \brief \a text parsed as a JSON object (empty, with a failure naming \a text and \a context,
/// when it is not one).
boost::json::object jsonObject(const std::string &text, const std::string &context = "");

/// \brief Fixture for tests that run the built `tb` (TB_EXE) and skopeo: a temp dir with
/// nvbind.toml (store in the temp dir) and a policy.json that accepts anything.
class CliTest : public ::testing::Test {
protected:
	void SetUp() override;

	/// \brief `tb --config nvbind.toml ARGS`.
	CmdResult tb(std::vector<std::string> args);
	/// \brief `skopeo --policy policy.json ARGS`.
	CmdResult skopeo(std::vector<std::string> args);
	/// \brief The text of nvbind.toml (SetUp's), for tests that write their own configs.
	std::string defaultConfig() const { return storeConfig(tmp_.path() + "/store"); }

	TmpDir tmp_;
	std::string tb_;
};

} // namespace tb::test
