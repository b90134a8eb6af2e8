// SPDX-License-Identifier: Apache-2.0
// tb::runInvocation through the public API only: exit codes, 128+N for a signal, a runtime
// that cannot start, the invocation's environment over the caller's, signals forwarded; and
// tb::runContainer, `tb run` as one call: dry run, Boltfile, a signal before the start.
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <tb/context.h>
#include <tb/run.h>
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

std::unique_ptr<Context> runtimesContext()
{
	ContextOptions o;
	o.kinds = {"runtime"};
	auto ctx = Context::create(o);
	EXPECT_TRUE(ctx) << ctx.error().message;
	return ctx ? std::move(*ctx) : nullptr;
}

RunOptions noGpuRun(const std::string &runtime)
{
	RunOptions o;
	o.runtime = runtime;
	o.gpus = "none";
	o.image = "img";
	o.command = {"echo", "it's"};
	o.env = {{"MSG", "a b"}};
	return o;
}

TEST(RunContainer, ADryRunReportsTheCommandLineAndStartsNothing)
{
	RunSignalGuard guard;
	auto ctx = runtimesContext();
	ASSERT_TRUE(ctx);
	RunOptions o = noGpuRun("podman");
	o.dryRun = true;
	std::vector<std::string> warned;
	o.onWarning = [&](const std::string &w) { warned.push_back(w); };
	auto r = runContainer(*ctx, o, guard);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_FALSE(r->started);
	EXPECT_EQ(r->exitCode, 0);
	EXPECT_EQ(r->runtime, "podman");
	EXPECT_EQ(warned, r->warnings);
	ASSERT_FALSE(r->invocation.argv.empty());
	EXPECT_EQ(r->invocation.argv.back(), "it's");
	std::vector<std::string> line;
	for (const auto &[k, v] : r->invocation.env)
		line.push_back(k + "=" + v);
	line.insert(line.end(), r->invocation.argv.begin(), r->invocation.argv.end());
	EXPECT_EQ(r->dryRun.substr(0, r->dryRun.find('\n') + 1), shellQuote(line) + "\n");
	EXPECT_NE(r->dryRun.find("'MSG=a b'"), std::string::npos) << r->dryRun;
	EXPECT_TRUE(r->boltfile.empty());
}

TEST(RunContainer, ABoltfileIsWrittenInsteadOfRunning)
{
	RunSignalGuard guard;
	auto ctx = runtimesContext();
	ASSERT_TRUE(ctx);
	RunOptions o = noGpuRun("bolt");
	std::string dir = ::testing::TempDir() + "tb-run-boltfile-" + std::to_string(::getpid());
	o.boltfilePath = dir + "/missing-dir/Boltfile.toml";
	auto bad = runContainer(*ctx, o, guard);
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().code, Errc::Io);
	EXPECT_EQ(bad.error().message,
		  "run: --emit-boltfile: cannot write '" + o.boltfilePath + "'");
	o.boltfilePath.clear();
	o.forBoltfile = true;
	auto r = runContainer(*ctx, o, guard);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_FALSE(r->started);
	EXPECT_NE(r->boltfile.find("img"), std::string::npos) << r->boltfile;
	EXPECT_TRUE(r->dryRun.empty());
}

TEST(RunContainer, ASignalBeforeTheStartStopsTheRun)
{
	RunSignalGuard guard;
	auto ctx = runtimesContext();
	ASSERT_TRUE(ctx);
	::kill(::getpid(), SIGTERM); // blocked: pending until the run looks
	auto r = runContainer(*ctx, noGpuRun("podman"), guard);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_FALSE(r->started);
	EXPECT_EQ(r->exitCode, 128 + SIGTERM);
	EXPECT_FALSE(r->startError);
}

} // namespace
} // namespace tb
