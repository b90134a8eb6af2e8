// SPDX-License-Identifier: Apache-2.0
// Shared fixture of the registry tests: a temp dir, the built `tb` with its own config and
// auth file, skopeo with an accept-all policy, and a cache to push.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../transport/helpers.h"
#include "registry_harness.h"

namespace tb::test {

class RegistryTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (!haveProgram("docker-registry"))
			GTEST_SKIP() << "docker-registry is not installed (scripts/deps.sh)";
		const char *exe = std::getenv("TB_EXE");
		ASSERT_NE(exe, nullptr);
		tb_ = exe;
		cache_ = std::string(std::getenv("TB_TEST_DATA")) + "/caches/vector-add-cuda-sm75";
		writeConfig("");
		writeFile(tmp_ / "policy.json",
			  "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
	}

	/// \brief nvbind.toml: the store in the temp dir, \a docker lines in the plugin section.
	void writeConfig(const std::string &docker)
	{
		writeFile(tmp_ / "nvbind.toml",
			  storeConfig(tmp_ / "store") +
				  "[plugins.\"transport.docker\"]\ncerts_dirs = [\"" +
				  (tmp_ / "certs.d") + "\"]\nretry_delay_ms = 50\n" + docker);
	}

	Ran tb(std::vector<std::string> args, const std::string &input = "")
	{
		args.insert(args.begin(), {tb_, "--config", tmp_ / "nvbind.toml"});
		return runWithInput(args, input,
				    {"REGISTRY_AUTH_FILE=" + (tmp_ / "auth.json"),
				     "HOME=" + tmp_.path(), "XDG_RUNTIME_DIR=" + (tmp_ / "run")});
	}
	Ran skopeo(std::vector<std::string> args)
	{
		args.insert(args.begin(), {"skopeo", "--policy", tmp_ / "policy.json"});
		return runWithInput(args, "", {"HOME=" + tmp_.path()});
	}
	/// \brief `tb create` of the test cache into oci:DIR:v1; returns the digest.
	std::string createLayout(const std::string &dir)
	{
		auto r = tb({"create", "-q", "-i", "oci:" + dir + ":v1", "-d", cache_});
		EXPECT_EQ(r.status, 0) << r.err;
		return r.out.substr(0, r.out.find('\n'));
	}

	TmpDir tmp_;
	std::string tb_;
	std::string cache_;
};

inline std::string firstLine(const std::string &s)
{
	return s.substr(0, s.find('\n'));
}

} // namespace tb::test
