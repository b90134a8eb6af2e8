// SPDX-License-Identifier: Apache-2.0
// tb::runInvocation through the public API only: exit codes, 128+N for a signal, a runtime
// that cannot start, the invocation's environment over the caller's, signals forwarded.
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <tb/run_process.h>

namespace tb {
namespace {

Invocation sh(const std::string &script)
{
	Invocation inv;
	inv.argv = {"/bin/sh", "-c", script};
	return inv;
}

TEST(RunInvocation, PassesTheExitCodeOn)
{
	RunSignalGuard guard;
	auto r = runInvocation(sh("exit 0"), guard);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(*r, 0);
	r = runInvocation(sh("exit 3"), guard);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(*r, 3);
}

TEST(RunInvocation, ASignalledRuntimeIs128PlusTheSignal)
{
	RunSignalGuard guard;
	auto r = runInvocation(sh("kill -KILL $$"), guard);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(*r, 128 + SIGKILL);
}

TEST(RunInvocation, AMissingRuntimeIsNotFound)
{
	RunSignalGuard guard;
	Invocation inv;
	inv.argv = {"/nonexistent/tb-runtime-xyz"};
	auto r = runInvocation(inv, guard);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::NotFound);
	EXPECT_NE(r.error().message.find("/nonexistent/tb-runtime-xyz"), std::string::npos);
	inv.argv.clear();
	r = runInvocation(inv, guard);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::InvalidArgument);
}

TEST(RunInvocation, TheInvocationsEnvironmentWinsOverTheCallers)
{
	::setenv("TB_RUN_TEST_VAR", "caller", 1);
	::setenv("TB_RUN_TEST_KEPT", "kept", 1);
	RunSignalGuard guard;
	Invocation inv = sh("test \"$TB_RUN_TEST_VAR\" = runtime && test \"$TB_RUN_TEST_KEPT\" = "
			    "kept");
	inv.env = {{"TB_RUN_TEST_VAR", "runtime"}};
	auto r = runInvocation(inv, guard);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(*r, 0);
}

// A SIGTERM sent to the caller reaches the runtime, which dies of it.
TEST(RunInvocation, ForwardsTheCallersSignals)
{
	RunSignalGuard guard;
	std::thread killer([] {
		::usleep(300 * 1000);
		::kill(::getpid(), SIGTERM);
	});
	auto r = runInvocation(sh("exec sleep 20"), guard);
	killer.join();
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(*r, 128 + SIGTERM);
}

TEST(RunSignalGuard, HoldsASignalUntilTaken)
{
	RunSignalGuard guard;
	EXPECT_EQ(guard.takePending(), 0);
	::kill(::getpid(), SIGINT); // blocked: pending, not fatal
	EXPECT_EQ(guard.takePending(), SIGINT);
	EXPECT_EQ(guard.takePending(), 0);
}

} // namespace
} // namespace tb
