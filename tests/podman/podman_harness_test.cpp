// SPDX-License-Identifier: Apache-2.0
// The shared podman harness works here: busybox rootfs image, private store, runc wrapper,
// both by command-line flags and by the containers.conf/storage.conf environment.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "podman_harness.h"

namespace fs = std::filesystem;
using namespace tb::test::podman;

namespace {

class PodmanHarness : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (auto why = unavailableReason(); !why.empty())
			GTEST_SKIP() << why;
		char tmpl[] = "/tmp/tb-podman-XXXXXX";
		ASSERT_NE(::mkdtemp(tmpl), nullptr);
		dir_ = tmpl;
		store_ = std::make_unique<PrivateStore>(dir_);
		std::string why;
		ASSERT_TRUE(store_->importBusybox(image_, why)) << why;
	}
	void TearDown() override
	{
		store_.reset();
		if (!dir_.empty())
			fs::remove_all(dir_);
	}

	std::string dir_;
	std::unique_ptr<PrivateStore> store_;
	const std::string image_ = "localhost/tb-busybox:test";
};

} // namespace

TEST_F(PodmanHarness, RunsBusyboxWithTheWrapper)
{
	auto r = store_->runContainer({"--env", "TB_HARNESS=1"}, image_,
				      {"/bin/sh", "-c", "echo $TB_HARNESS; ls /bin/busybox"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "1\n/bin/busybox\n");
}

TEST_F(PodmanHarness, ConfEnvSelectsStoreAndWrapper)
{
	// A plain `podman run` (no --root, no --runtime) finds the image and the wrapper.
	auto r = run({"podman", "run", "--rm", "--network", "none", image_, "/bin/echo", "ok"},
		     store_->confEnv());
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "ok\n");
	// Without the wrapper this sandbox's runc refuses the rlimits: the wrapper is what works.
	auto info =
		run({"podman", "info", "--format", "{{.Host.OCIRuntime.Path}}"}, store_->confEnv());
	ASSERT_EQ(info.status, 0) << info.err;
	EXPECT_EQ(info.out, runtimeWrapper() + "\n");
}
