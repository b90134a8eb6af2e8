// SPDX-License-Identifier: Apache-2.0
// Exclusive GPU leases between real processes: one of two concurrent requests wins and the
// other fails at once naming the holder; a SIGKILLed holder's lease is reclaimed.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>

#include <sys/wait.h>
#include <unistd.h>

#include <tb/lease.h>

#include "cdi_test_util.h"

using namespace tb;
using namespace tb::test;

namespace {

// A child process that takes \a gpus in \a dir, reports through a pipe ('1' ok, '0' refused
// plus the message) and then holds the lease until killed or its stdin pipe closes.
struct Holder {
	pid_t pid = -1;
	int report = -1; // read end
	int hold = -1;   // write end; closing it lets the child exit

	static Holder start(const std::string &dir, std::vector<std::string> gpus)
	{
		int rep[2], hld[2];
		if (::pipe(rep) != 0 || ::pipe(hld) != 0)
			return {};
		pid_t pid = ::fork();
		if (pid == 0) {
			// Keep only this child's pipe ends: an inherited end of another holder's
			// pipe would keep that holder alive.
			for (int fd = 3; fd < 1024; ++fd)
				if (fd != rep[1] && fd != hld[0])
					::close(fd);
			auto lease = acquireGpuLease(dir, gpus, "lease-test holder");
			std::string msg = lease ? "1" : "0" + lease.error().message;
			if (::write(rep[1], msg.data(), msg.size()) < 0)
				::_exit(2);
			::close(rep[1]);
			char c;
			while (::read(hld[0], &c, 1) > 0) {
			}
			::_exit(0);
		}
		::close(rep[1]);
		::close(hld[0]);
		return {pid, rep[0], hld[1]};
	}

	std::string result() const
	{
		std::string out;
		char buf[512];
		ssize_t n;
		while ((n = ::read(report, buf, sizeof buf)) > 0)
			out.append(buf, static_cast<size_t>(n));
		return out;
	}

	void finish(bool kill)
	{
		if (kill)
			::kill(pid, SIGKILL);
		::close(hold);
		::close(report);
		int st;
		::waitpid(pid, &st, 0);
	}
};

} // namespace

TEST(GpuLease, OneOfTwoConcurrentRequestsWins)
{
	TempDir t;
	std::string dir = t / "leases";
	for (int round = 0; round < 5; ++round) {
		Holder a = Holder::start(dir, {"nvidia-GPU-a"});
		Holder b = Holder::start(dir, {"nvidia-GPU-a"});
		std::string ra = a.result(), rb = b.result();
		EXPECT_EQ((ra == "1") + (rb == "1"), 1) << ra << " / " << rb;
		const std::string &lost = ra == "1" ? rb : ra;
		pid_t winner = ra == "1" ? a.pid : b.pid;
		size_t since = lost.find(" since ");
		ASSERT_NE(since, std::string::npos) << lost;
		EXPECT_EQ(lost, "0GPU nvidia-GPU-a is leased exclusively by pid " +
					std::to_string(winner) + " (lease-test holder) since " +
					lost.substr(since + 7, 20) + " (lease " + dir +
					"/nvidia-GPU-a.lock)");
		a.finish(false);
		b.finish(false);
	}
}

TEST(GpuLease, RefusalIsImmediateAndAllOrNothing)
{
	TempDir t;
	std::string dir = t / "leases";
	Holder h = Holder::start(dir, {"amd-1"});
	ASSERT_EQ(h.result(), "1");
	auto before = std::chrono::steady_clock::now();
	auto two = acquireGpuLease(dir, {"amd-0", "amd-1"}, "second");
	auto took = std::chrono::steady_clock::now() - before;
	ASSERT_FALSE(two);
	EXPECT_EQ(two.error().code, Errc::Conflict);
	EXPECT_LT(took, std::chrono::seconds(1)); // never waits for the holder
	// amd-0 was taken and given back when amd-1 turned out busy.
	auto zero = acquireGpuLease(dir, {"amd-0"}, "third");
	EXPECT_TRUE(zero) << zero.error().message;
	auto holder = gpuLeaseHolder(dir, "amd-1");
	ASSERT_TRUE(holder) << holder.error().message;
	EXPECT_EQ(holder->pid, h.pid);
	EXPECT_EQ(holder->command, "lease-test holder");
	h.finish(false);
	EXPECT_EQ(gpuLeaseHolder(dir, "amd-1").error().code, Errc::NotFound);
}

TEST(GpuLease, SigkilledHolderIsReclaimed)
{
	TempDir t;
	std::string dir = t / "leases";
	Holder h = Holder::start(dir, {"nvidia-GPU-k"});
	ASSERT_EQ(h.result(), "1");
	ASSERT_FALSE(acquireGpuLease(dir, {"nvidia-GPU-k"}, "waiting"));
	h.finish(true); // SIGKILL: no destructor ran, the kernel dropped the lock
	auto again = acquireGpuLease(dir, {"nvidia-GPU-k"}, "after kill");
	ASSERT_TRUE(again) << again.error().message;
	EXPECT_EQ(again->gpus(), std::vector<std::string>{"nvidia-GPU-k"});
}

TEST(GpuLease, ReleasedOnDestructionAndMovable)
{
	TempDir t;
	std::string dir = t / "leases";
	{
		auto l = acquireGpuLease(dir, {"intel-0"}, "scope");
		ASSERT_TRUE(l);
		GpuLease moved = std::move(*l);
		EXPECT_EQ(moved.gpus().size(), 1u);
		// Another open file description of this same process is refused too.
		EXPECT_FALSE(acquireGpuLease(dir, {"intel-0"}, "again"));
		EXPECT_TRUE(moved.inheritAcrossExec());
	}
	EXPECT_TRUE(acquireGpuLease(dir, {"intel-0"}, "after scope"));
}

TEST(GpuLease, IdsAreFileNames)
{
	TempDir t;
	auto bad = acquireGpuLease(t / "leases", {"../etc/passwd"}, "x");
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().code, Errc::InvalidArgument);
	GpuDevice g;
	g.vendor = "nvidia";
	g.uuid = "GPU-1234";
	EXPECT_EQ(gpuLeaseId(g), "nvidia-GPU-1234");
	g.uuid.clear();
	g.pciBdf = "0000:3b:00.0";
	EXPECT_EQ(gpuLeaseId(g), "nvidia-0000:3b:00.0");
}
