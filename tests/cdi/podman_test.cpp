// SPDX-License-Identifier: Apache-2.0
// A real podman consumes what `tb cdi generate` writes, for every fixture host x profile.
// The host tree is copied and its device-node stand-ins replaced by real nodes with the
// numbers of /dev/null (harmless); the spec (--host-paths prefixed, a class of its own so
// nothing else on the machine collides) goes to /var/run/cdi under a unique name, and a
// busybox container checks that every variable, device node and mount of the spec is there.
#include <gtest/gtest.h>

#include <filesystem>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <tb/cdi.h>

#include "cdi_test_util.h"
#include "podman_harness.h"

using namespace tb;
using namespace tb::test;
namespace fs = std::filesystem;
namespace pm = tb::test::podman;

namespace {

constexpr gid_t kVideoGid = 44; // a group-only card node makes the spec name its group

std::string shq(const std::string &s)
{
	std::string o = "'";
	for (char c : s)
		o += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return o + "'";
}

// Replace every "c MAJ:MIN MODE" stand-in under DIR/dev by a real character device
// with /dev/null's numbers and that mode.
void realNodes(const std::string &root)
{
	for (const auto &e : fs::recursive_directory_iterator(root + "/dev")) {
		if (!e.is_regular_file() || e.file_size() > 64)
			continue;
		std::string text = slurp(e.path());
		unsigned maj, min, mode = 0666;
		if (std::sscanf(text.c_str(), "c %u:%u %o", &maj, &min, &mode) < 2)
			continue;
		std::string p = e.path().string();
		fs::remove(p);
		ASSERT_EQ(::mknod(p.c_str(), S_IFCHR | (mode & 0777), ::makedev(1, 3)), 0) << p;
		::chmod(p.c_str(), mode & 0777);
		if ((mode & 06) != 06) {
			ASSERT_EQ(::chown(p.c_str(), 0, kVideoGid), 0) << p;
		}
	}
}

// A shell script that prints one line per thing of \a spec's "all" device missing inside.
std::string checks(const CdiSpec &spec)
{
	CdiContainerEdits e = spec.containerEdits;
	for (const auto &d : spec.devices)
		if (d.name == "all") {
			const auto &x = d.containerEdits;
			e.env.insert(e.env.end(), x.env.begin(), x.env.end());
			e.deviceNodes.insert(e.deviceNodes.end(), x.deviceNodes.begin(),
					     x.deviceNodes.end());
			e.mounts.insert(e.mounts.end(), x.mounts.begin(), x.mounts.end());
		}
	std::string s;
	for (const auto &kv : e.env) {
		s += "env | grep -qxF " + shq(kv) + " || echo " +
		     shq("env " + kv.substr(0, kv.find('='))) + "\n";
	}
	for (const auto &n : e.deviceNodes)
		s += "[ -c " + shq(n.path) + " ] || echo " + shq("node " + n.path) + "\n";
	for (const auto &m : e.mounts)
		s += "grep -q \" " + m.containerPath + " \" /proc/self/mounts || echo " +
		     shq("mount " + m.containerPath) + "\n";
	return s + "echo checked\n";
}

class CdiPodman : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		if (auto why = pm::unavailableReason(); !why.empty()) {
			skip_ = why;
			return;
		}
		tmp_ = new TempDir;
		store_ = new pm::PrivateStore(*tmp_ / "podman");
		std::string why;
		if (!store_->importBusybox(kImage, why))
			skip_ = "busybox image: " + why;
	}
	static void TearDownTestSuite()
	{
		delete store_;
		delete tmp_;
	}
	void SetUp() override
	{
		if (!skip_.empty())
			GTEST_SKIP() << skip_;
	}

	// Copy \a host with real nodes, generate for \a profile, write the spec under
	// /var/run/cdi; \return the in-process spec (the file must hold the same bytes).
	CdiSpec publish(const std::string &host, const std::string &profile, std::string &file)
	{
		std::string root = *tmp_ / ("hosts/" + host);
		if (!fs::exists(root)) {
			fs::create_directories(*tmp_ / "hosts");
			fs::copy(fixtureHost(host), root,
				 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
			realNodes(root);
		}
		std::string cls = "tbtest" + std::to_string(::getpid());
		file = "/var/run/cdi/tb-test-" + std::to_string(::getpid()) + ".json";
		fs::create_directories("/var/run/cdi");
		std::string cmd =
			shq(env("TB_EXE")) + " --host-root " + shq(root) +
			" cdi generate --host-paths prefixed --max-cdi-version 0.5.0 --class " +
			cls + " --profile " + profile + " --output " + shq(file) + " 2>/dev/null";
		EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;

		auto ctx = hostContext(root);
		CdiOptions o;
		o.profile = profile;
		o.prefixHostPaths = true;
		o.maxCdiVersion = "0.5.0";
		o.kindClass = cls;
		auto g = ctx ? generateCdi(*ctx, o)
			     : Result<CdiGeneration>(err(Errc::Internal, "ctx"));
		if (!g) {
			ADD_FAILURE() << g.error().message;
			return {};
		}
		EXPECT_EQ(slurp(file), cdiSpecJson(g->specs[0]));
		EXPECT_EQ(g->specs[0].cdiVersion, "0.5.0");
		return g->specs[0];
	}

	static inline std::string skip_;
	static inline TempDir *tmp_ = nullptr;
	static inline pm::PrivateStore *store_ = nullptr;
	static constexpr const char *kImage = "localhost/tb-cdi-busybox:test";
};

} // namespace

TEST_F(CdiPodman, EveryHostAndProfileIsConsumed)
{
	for (const char *host :
	     {"t4-proprietary", "h100x8-open-mig", "mi300x-mi210", "arc-xe", "wsl2", "nouveau"})
		for (const char *profile : {"default", "gaming", "aiml"}) {
			if (std::string(host) == "nouveau" && std::string(profile) == "aiml")
				continue; // no compute without the NVIDIA driver: no spec
			SCOPED_TRACE(std::string(host) + " / " + profile);
			std::string file;
			CdiSpec spec = publish(host, profile, file);
			auto r = store_->runContainer({"--device", spec.kind + "=all"}, kImage,
						      {"/bin/sh", "-c", checks(spec)});
			fs::remove(file);
			EXPECT_EQ(r.status, 0) << r.err;
			EXPECT_EQ(r.out, "checked\n") << r.err;
		}
}

TEST_F(CdiPodman, OneGpuByIndexAndByUuid)
{
	std::string file;
	CdiSpec spec = publish("h100x8-open-mig", "default", file);
	std::string script =
		"[ -c /dev/nvidia3 ] && echo has3; [ -e /dev/nvidia4 ] && echo has4; "
		"[ -c /dev/nvidiactl ] && echo ctl; [ -c /dev/dri/renderD131 ] && echo dri; "
		"echo $NVIDIA_DRIVER_CAPABILITIES";
	auto byIndex = store_->runContainer({"--device", spec.kind + "=3"}, kImage,
					    {"/bin/sh", "-c", script});
	auto byUuid = store_->runContainer(
		{"--device", spec.kind + "=GPU-9d3e0a13-1c2d-4e5f-8a9b-0c1d2e3f4a03"}, kImage,
		{"/bin/sh", "-c", script});
	auto unknown = store_->runContainer({"--device", spec.kind + "=42"}, kImage, {"true"});
	fs::remove(file);
	EXPECT_EQ(byIndex.status, 0) << byIndex.err;
	EXPECT_EQ(byIndex.out, "has3\nctl\ndri\nall\n");
	EXPECT_EQ(byUuid.out, byIndex.out) << byUuid.err;
	EXPECT_NE(unknown.status, 0);
	EXPECT_NE(unknown.err.find("unresolvable CDI devices"), std::string::npos) << unknown.err;
}
