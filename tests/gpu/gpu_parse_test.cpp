// SPDX-License-Identifier: Apache-2.0
// Driver-file parsers: NVIDIA procfs/version strings, KFD properties, device stand-ins, paths.
#include <filesystem>
#include <fstream>

#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <tbsupport/dev_node.h>
#include <tbsupport/gpu_parse.h>
#include <tbsupport/host_fs.h>
#include <tbsupport/pci.h>

namespace tb::support {
namespace {

const char *const kInformation = "Model: \t\t Tesla T4\n"
				 "IRQ:   \t\t 156\n"
				 "GPU UUID: \t GPU-6a1f6c3e-6d0b-4c4e-9f0a-2b1f3c5d7e90\n"
				 "Video BIOS: \t 90.04.96.00.02\n"
				 "Bus Type: \t PCIe\n"
				 "DMA Size: \t 47 bits\n"
				 "DMA Mask: \t 0x7fffffffffff\n"
				 "Bus Location: \t 0000:3B:00.0\n"
				 "Device Minor: \t 3\n"
				 "GPU Excluded:\t No\n";

TEST(NvidiaInformation, AllFields)
{
	auto i = parseNvidiaInformation(kInformation);
	EXPECT_EQ(i.model, "Tesla T4");
	EXPECT_EQ(i.uuid, "GPU-6a1f6c3e-6d0b-4c4e-9f0a-2b1f3c5d7e90");
	EXPECT_EQ(i.busLocation, "0000:3b:00.0"); // lower-cased to match sysfs
	EXPECT_EQ(i.deviceMinor, 3);
	EXPECT_FALSE(i.excluded);
}

TEST(NvidiaInformation, WithoutUuidLine)
{
	std::string text = kInformation;
	text.erase(text.find("GPU UUID"), text.find("Video BIOS") - text.find("GPU UUID"));
	auto i = parseNvidiaInformation(text);
	EXPECT_EQ(i.uuid, "");
	EXPECT_EQ(i.model, "Tesla T4");
	EXPECT_EQ(i.deviceMinor, 3);
}

TEST(NvidiaInformation, UnknownUuidAndExcluded)
{
	auto i = parseNvidiaInformation("GPU UUID: \t GPU-\?\?\?\?\?\?\?\?-\?\?\?\?\n"
					"GPU Excluded:\t Yes\nDevice Minor: \t nonsense\n");
	EXPECT_EQ(i.uuid, "");
	EXPECT_TRUE(i.excluded);
	EXPECT_EQ(i.deviceMinor, -1);
}

// keyValue() gives what parseKeyValues() maps each key to: the first line's, trimmed.
TEST(KeyValues, LookupMatchesTheMap)
{
	const char *text = "Model: \t A:B \nModel: second\n  : no key\nno separator\n"
			   "Device Minor:  3\r\nEmpty:\nlast:x";
	auto map = parseKeyValues(text, ':');
	EXPECT_EQ(map.size(), 4u);
	for (auto &[k, v] : map)
		EXPECT_EQ(keyValue(text, ':', k).value_or("-"), v) << k;
	EXPECT_EQ(keyValue(text, ':', "Model").value_or(""), "A:B");
	EXPECT_FALSE(keyValue(text, ':', "no separator"));
	EXPECT_FALSE(keyValue(text, ':', "missing"));
	EXPECT_EQ(keyValue("a 1\nb\t2", ' ', "b").value_or(""), "2");
}

TEST(NvidiaVersion, ProprietaryFullVersion)
{
	auto v = parseNvidiaProcVersion("NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14 "
					" Thu Feb 22 01:44:30 UTC 2024\n"
					"GCC version:  gcc version 12.2.0 (Debian 12.2.0-14) \n");
	ASSERT_TRUE(v);
	EXPECT_EQ(v->version, "550.54.14"); // never truncated to 550.54
	EXPECT_EQ(v->type, "proprietary");
}

TEST(NvidiaVersion, OpenFullVersion)
{
	auto v =
		parseNvidiaProcVersion("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  "
				       "580.126.09  Release Build  (dvs-builder@U22-I3-AE18-09-3)  "
				       "Wed Jan  7 22:59:56 UTC 2026\nGCC version: gcc 13\n");
	ASSERT_TRUE(v);
	EXPECT_EQ(v->version, "580.126.09");
	EXPECT_EQ(v->type, "open");
}

TEST(NvidiaVersion, Aarch64AndTwoPartVersions)
{
	auto v = parseNvidiaProcVersion("NVRM version: NVIDIA UNIX aarch64 Kernel Module  535.104  "
					"Sat Aug 19 01:15:15 UTC 2023\n");
	ASSERT_TRUE(v);
	EXPECT_EQ(v->version, "535.104");
	EXPECT_EQ(v->type, "proprietary");
}

TEST(NvidiaVersion, Unrecognised)
{
	EXPECT_FALSE(parseNvidiaProcVersion(""));
	EXPECT_FALSE(parseNvidiaProcVersion("GCC version: 12.2.0\n"));
	EXPECT_FALSE(parseNvidiaProcVersion("NVRM version: NVIDIA UNIX x86_64 Kernel Module  \n"));
}

TEST(DottedVersion, SysModuleVersion)
{
	EXPECT_EQ(parseDottedVersion("550.54.14\n").value_or(""), "550.54.14");
	EXPECT_EQ(parseDottedVersion("  580.126.09 ").value_or(""), "580.126.09");
	EXPECT_FALSE(parseDottedVersion("550"));
	EXPECT_FALSE(parseDottedVersion("550..54"));
	EXPECT_FALSE(parseDottedVersion("550.54.14-rc1"));
	EXPECT_FALSE(parseDottedVersion(""));
}

TEST(Kfd, GpuAndCpuProperties)
{
	auto gpu = parseKfdProperties("cpu_cores_count 0\nsimd_count 1216\nwave_front_size 64\n"
				      "gfx_target_version 90402\nlocation_id 9472\ndomain 0\n"
				      "unique_id 5891442378374510088\nhive_id 0\nbogus -1\n");
	EXPECT_EQ(gpu["simd_count"], 1216u);
	EXPECT_EQ(gpu["wave_front_size"], 64u);
	EXPECT_EQ(gpu["unique_id"], 5891442378374510088ull);
	EXPECT_EQ(gpu.count("bogus"), 0u);
	EXPECT_EQ(gfxTargetName(gpu["gfx_target_version"]), "gfx942");
	EXPECT_EQ(kfdBdf(gpu["domain"], gpu["location_id"]), "0000:25:00.0");
	auto cpu = parseKfdProperties("cpu_cores_count 96\nsimd_count 0\ngfx_target_version 0\n");
	EXPECT_EQ(cpu["cpu_cores_count"], 96u);
	EXPECT_EQ(gfxTargetName(cpu["gfx_target_version"]), "");
}

TEST(Kfd, GfxNames)
{
	EXPECT_EQ(gfxTargetName(90010), "gfx90a");
	EXPECT_EQ(gfxTargetName(90402), "gfx942");
	EXPECT_EQ(gfxTargetName(90008), "gfx908");
	EXPECT_EQ(gfxTargetName(100300), "gfx1030");
	EXPECT_EQ(gfxTargetName(110000), "gfx1100");
	EXPECT_EQ(gfxTargetName(120001), "gfx1201");
	EXPECT_EQ(gfxTargetName(91699), ""); // stepping 99 has no hex digit: unknown
	EXPECT_EQ(kfdBdf(1, 0xc308 | 3), "0001:c3:01.3");
}

TEST(DeviceNode, StandInText)
{
	auto n = parseNodeStandIn("c 508:1 0666\n");
	ASSERT_TRUE(n);
	EXPECT_EQ(n->type, 'c');
	EXPECT_EQ(n->major, 508);
	EXPECT_EQ(n->minor, 1);
	EXPECT_EQ(n->fileMode, 0666u);
	EXPECT_TRUE(parseNodeStandIn("b 8:0"));
	for (const char *bad : {"", "x 1:2", "c 1", "c 1:", "c :2", "c 4096:0", "c 1:1048576",
				"c 1:2 999", "c -1:2", "{}"})
		EXPECT_FALSE(parseNodeStandIn(bad)) << bad;
}

TEST(DeviceNode, GlibcSplitKeepsWideMajors)
{
	int64_t maj = 0, min = 0;
	splitDev(makedev(508, 1), maj, min);
	EXPECT_EQ(maj, 508);
	EXPECT_EQ(min, 1);
	splitDev(makedev(4095, 1048575), maj, min);
	EXPECT_EQ(maj, 4095);
	EXPECT_EQ(min, 1048575);
}

TEST(HostFs, IsRealRoot)
{
	for (const char *root : {"", "/", "//"})
		EXPECT_TRUE(isRealRoot(root)) << "'" << root << "'";
	for (const char *root : {"/tmp/root", "root", "/x/"})
		EXPECT_FALSE(isRealRoot(root)) << root;
}

class TempTree : public ::testing::Test {
protected:
	void SetUp() override
	{
		root_ = std::filesystem::temp_directory_path() /
			("tb-gpu-parse-" + std::to_string(::getpid()));
		std::filesystem::create_directories(root_ / "dev");
		std::filesystem::create_directories(root_ / "usr/lib");
	}
	void TearDown() override { std::filesystem::remove_all(root_); }
	void write(const std::string &rel, const std::string &text)
	{
		std::ofstream(root_ / rel) << text;
	}
	std::filesystem::path root_;
};

TEST_F(TempTree, StatDeviceNodeUsesStandInOnlyUnderARoot)
{
	write("dev/nvidia-uvm", "c 508:0 0666\n");
	write("dev/garbage", "hello\n");
	auto n = statDeviceNode(root_.string(), "/dev/nvidia-uvm");
	ASSERT_TRUE(n) << n.error().message;
	EXPECT_EQ(n->path, "/dev/nvidia-uvm");
	EXPECT_EQ(n->major, 508);
	EXPECT_EQ(statDeviceNode(root_.string(), "/dev/missing").error().code, Errc::NotFound);
	auto g = statDeviceNode(root_.string(), "/dev/garbage");
	ASSERT_FALSE(g);
	EXPECT_EQ(g.error().code, Errc::Corrupt);
	EXPECT_NE(g.error().message.find("/dev/garbage"), std::string::npos);
	// On the real root a regular file is never a device.
	auto real = statDeviceNode("/", (root_ / "dev/nvidia-uvm").string());
	EXPECT_EQ(real.error().code, Errc::Corrupt);
	// A real character device goes through stat() and glibc major()/minor().
	auto null = statDeviceNode("/", "/dev/null");
	ASSERT_TRUE(null) << null.error().message;
	EXPECT_EQ(null->major, 1);
	EXPECT_EQ(null->minor, 3);
}

TEST_F(TempTree, ResolveInRootStaysInsideTheRoot)
{
	write("usr/lib/libcuda.so.550.54.14", "");
	std::filesystem::create_symlink("libcuda.so.550.54.14", root_ / "usr/lib/libcuda.so.1");
	std::filesystem::create_symlink("usr/lib", root_ / "lib");
	// An absolute target is taken inside the root, never on the running system.
	std::filesystem::create_symlink("/usr/lib/libcuda.so.1", root_ / "dev/abs");
	std::filesystem::create_symlink("loop2", root_ / "dev/loop1");
	std::filesystem::create_symlink("loop1", root_ / "dev/loop2");
	std::filesystem::create_symlink("../../../../../etc/passwd", root_ / "dev/escape");
	std::vector<std::string> chain;
	auto r = resolveInRoot(root_.string(), "/lib/libcuda.so.1", &chain);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(*r, "/usr/lib/libcuda.so.550.54.14");
	EXPECT_EQ(chain, (std::vector<std::string>{"/lib/libcuda.so.1", "/usr/lib/libcuda.so.1",
						   "/usr/lib/libcuda.so.550.54.14"}));
	EXPECT_EQ(resolveInRoot(root_.string(), "/dev/abs").value_or(""),
		  "/usr/lib/libcuda.so.550.54.14");
	EXPECT_EQ(resolveInRoot(root_.string(), "/dev/loop1").error().code, Errc::LimitExceeded);
	EXPECT_EQ(resolveInRoot(root_.string(), "/dev/escape").error().code, Errc::NotFound);
}

TEST(Pci, BdfHelpers)
{
	EXPECT_TRUE(isBdf("0000:3b:00.0"));
	EXPECT_TRUE(isBdf("5b6f:00:00.0"));
	EXPECT_FALSE(isBdf("0000:3B:00.0"));
	EXPECT_FALSE(isBdf("0000:3b:00.8"));
	EXPECT_FALSE(isBdf("card0"));
	EXPECT_EQ(formatBdf(0, 0x3b, 0, 0), "0000:3b:00.0");
	EXPECT_EQ(hexId(0x1eb8), "0x1eb8");
	EXPECT_EQ(parseInt("0x10de").value_or(0), 0x10de);
	EXPECT_EQ(parseInt("-1").value_or(0), -1);
	EXPECT_FALSE(parseInt("0x"));
	EXPECT_FALSE(parseInt("99999999999999999999999"));
}

} // namespace
} // namespace tb::support
