// SPDX-License-Identifier: Apache-2.0
// Conformance suite for runtime adaptors: the invocation carries the image, then the command
// unchanged and last, plus every CDI device, device node, mount and variable asked for.
#include <algorithm>

#include <tb/runtime.h>

#include "conformance.h"

namespace tb::conformance {
namespace {

bool mentions(const std::vector<std::string> &argv, const std::string &needle)
{
	return std::any_of(argv.begin(), argv.end(), [&](const std::string &a) {
		return a.find(needle) != std::string::npos;
	});
}

RunRequest sampleRequest()
{
	RunRequest r;
	r.image = "docker.io/library/ubuntu:24.04";
	r.command = {"sh", "-c", "nvidia-smi; echo \"done\""};
	r.cdiDevices = {"nvidia.com/gpu=0"};
	r.devices = {DeviceNode{"/dev/nvidia-uvm", 'c', 510, 0, 0666, ""}};
	r.mounts = {Mount{"/var/cache/tb/k1", "/root/.triton/cache", {"ro"}}};
	r.env = {{"TRITON_CACHE_DIR", "/root/.triton/cache"}};
	r.securityOpts = {"label=disable"};
	return r;
}

class RuntimeSuite : public ::testing::TestWithParam<std::string> {
protected:
	void SetUp() override
	{
		ctx_ = openContext();
		ASSERT_TRUE(ctx_);
		rt_ = ctx_->runtime(GetParam());
		ASSERT_NE(rt_, nullptr);
	}
	std::unique_ptr<Context> ctx_;
	Runtime *rt_ = nullptr;
};

TEST_P(RuntimeSuite, AvailabilityIsOkOrSkip)
{
	EXPECT_FALSE(rt_->runtimeName().empty());
	auto a = rt_->available();
	if (!a) {
		EXPECT_EQ(a.error().code, Errc::Skip) << a.error().message;
	}
}

TEST_P(RuntimeSuite, CommandComesLastAndUnchanged)
{
	RunRequest r = sampleRequest();
	auto inv = rt_->buildInvocation(r);
	ASSERT_TRUE(inv) << inv.error().message;
	const auto &argv = inv->argv;
	ASSERT_GE(argv.size(), r.command.size() + 2);
	EXPECT_TRUE(std::equal(r.command.begin(), r.command.end(),
			       argv.end() - static_cast<long>(r.command.size())));
	auto image = std::find(argv.begin(), argv.end(), r.image);
	ASSERT_NE(image, argv.end()) << "image missing";
	EXPECT_EQ(image + 1, argv.end() - static_cast<long>(r.command.size()))
		<< "image must precede the command";
}

TEST_P(RuntimeSuite, DevicesMountsAndEnvironmentArePassed)
{
	RunRequest r = sampleRequest();
	auto inv = rt_->buildInvocation(r);
	ASSERT_TRUE(inv) << inv.error().message;
	std::vector<std::string> all = inv->argv;
	for (const auto &[k, v] : inv->env)
		all.push_back(k + "=" + v);
	if (rt_->supportsCdi()) {
		EXPECT_TRUE(mentions(all, "nvidia.com/gpu=0"));
	}
	// Plain device nodes are passed by every runtime, CDI-capable or not.
	EXPECT_TRUE(mentions(all, "/dev/nvidia-uvm"));
	EXPECT_TRUE(mentions(all, "/var/cache/tb/k1"));
	EXPECT_TRUE(mentions(all, "/root/.triton/cache"));
	EXPECT_TRUE(mentions(all, "TRITON_CACHE_DIR"));
}

TEST_P(RuntimeSuite, RequestWithoutImageIsRefused)
{
	RunRequest r = sampleRequest();
	r.image.clear();
	auto inv = rt_->buildInvocation(r);
	ASSERT_FALSE(inv);
	EXPECT_EQ(inv.error().code, Errc::InvalidArgument) << inv.error().message;
}

INSTANTIATE_TEST_SUITE_P(Runtimes, RuntimeSuite, ::testing::ValuesIn(pluginNames("runtime")),
			 paramName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RuntimeSuite);

TEST(RuntimeSuiteSetup, AtLeastOnePlugin)
{
	expectAtLeastOnePlugin("runtime");
}

} // namespace
} // namespace tb::conformance
