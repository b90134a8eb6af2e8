// SPDX-License-Identifier: Apache-2.0
// Real peers: umoci unpacks our compat images, skopeo reads and copies them, tb reads what
// skopeo and docker save wrote; `tb extract`'s GPU preflight on fixture hosts.
#include <unistd.h>

#include <tb/images.h>

#include "cache_test_util.h"

namespace tb::test {
namespace {

const std::string CudaKey = "5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ";

bool have(const std::string &tool)
{
	return sh("command -v " + tool).status == 0;
}

std::string createImage(const std::string &ref, const std::string &fixture,
			const std::string &extra = "")
{
	ShellResult r = sh(tbExe() + " create -q -i " + ref + " -d " + fixture + " " + extra);
	EXPECT_EQ(r.status, 0) << r.output;
	return r.output;
}

Result<ExtractReport> extractWithLib(const std::string &ref, const std::string &dest)
{
	auto ctx = makeContext();
	if (!ctx)
		return err(Errc::Internal, "no context");
	auto src = TB_TRY(openImageSource(*ctx, ref));
	auto img = TB_TRY(openCacheImage(*src, ref, ctx->cacheFormats()));
	return extractCache(*src, img, dest, ExtractOptions{});
}

void expectCudaTree(const std::string &dest)
{
	auto want = snapshot(cudaFixture()), got = snapshot(dest);
	ASSERT_EQ(got.size(), want.size()) << dest;
	EXPECT_EQ(got[CudaKey + "/add_kernel.cubin"], want[CudaKey + "/add_kernel.cubin"]);
	EXPECT_NE(got[CudaKey + "/__grp__add_kernel.json"].find(dest + "/" + CudaKey),
		  std::string::npos);
}

TEST(Peers, UmociUnpacksCompatImages)
{
	if (!have("umoci"))
		GTEST_SKIP() << "umoci not installed";
	// zstd is left out: umoci 0.4.7 (Debian 12) cannot unpack tar+zstd layers at all; see
	// UmociUnpacksZstdWhereItCan. tb's own round trips and skopeo cover zstd.
	for (const char *comp : {"gzip", "none"}) {
		TempDir t;
		createImage("oci:" + (t / "layout") + ":v1", cudaFixture(),
			    std::string("--compression ") + comp);
		std::string rootless = ::geteuid() == 0 ? "" : " --rootless";
		ShellResult r = sh("umoci unpack" + rootless + " --image " + (t / "layout") +
				   ":v1 " + (t / "bundle"));
		ASSERT_EQ(r.status, 0) << r.output;
		auto want = snapshot(cudaFixture());
		auto got = snapshot(t / "bundle/rootfs/io.triton.cache");
		EXPECT_EQ(got, want) << comp;
		EXPECT_TRUE(fs::exists(t / "bundle/rootfs/io.triton.manifest/manifest.json"));
	}
}

TEST(Peers, UmociUnpacksZstdWhereItCan)
{
	if (!have("umoci"))
		GTEST_SKIP() << "umoci not installed";
	TempDir t;
	createImage("oci:" + (t / "layout") + ":v1", cudaFixture(), "--compression zstd");
	std::string rootless = ::geteuid() == 0 ? "" : " --rootless";
	ShellResult r = sh("umoci unpack" + rootless + " --image " + (t / "layout") + ":v1 " +
			   (t / "bundle"));
	if (r.status != 0)
		GTEST_SKIP() << "this umoci (" << sh("umoci --version").output
			     << ") cannot unpack zstd layers: " << r.output;
	EXPECT_EQ(snapshot(t / "bundle/rootfs/io.triton.cache"), snapshot(cudaFixture()));
}

TEST(Peers, SkopeoInspectsAndCopiesAndTbExtractsTheCopies)
{
	if (!have("skopeo"))
		GTEST_SKIP() << "skopeo not installed";
	for (const char *format : {"compat", "plain"}) {
		TempDir t;
		std::string src = "oci:" + (t / "layout") + ":v1";
		createImage(src, cudaFixture(), std::string("--format ") + format);
		ShellResult inspect = sh("skopeo inspect --raw " + src);
		ASSERT_EQ(inspect.status, 0) << inspect.output;
		EXPECT_NE(inspect.output.find("cache.triton.image/variant"), std::string::npos);
		std::vector<std::string> copies = {"oci:" + (t / "copy") + ":v2"};
		if (std::string(format) == "compat") {
			ShellResult i = sh("skopeo inspect " + src);
			ASSERT_EQ(i.status, 0) << i.output;
			EXPECT_NE(i.output.find("cache.triton.image/summary"), std::string::npos);
			copies.push_back("docker-archive:" + (t / "da.tar") +
					 ":cache/vector-add:v1");
			copies.push_back("oci-archive:" + (t / "oa.tar") + ":v3");
		}
		for (size_t i = 0; i < copies.size(); ++i) {
			ShellResult c = sh("skopeo copy -q " + src + " " + copies[i]);
			ASSERT_EQ(c.status, 0) << copies[i] << ": " << c.output;
			std::string dest = t / ("out" + std::to_string(i));
			auto r = extractWithLib(copies[i], dest);
			ASSERT_TRUE(r) << copies[i] << ": " << r.error().message;
			expectCudaTree(dest);
		}
	}
}

TEST(Peers, ExtractsTheFixtureDockerArchive)
{
	TempDir t;
	std::string ref = "docker-archive:" + dataDir() +
			  "/caches/gkm-vector-add-cache-rocm.docker-archive.tar";
	auto r = extractWithLib(ref, t / "cache");
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(r->added.size(), 4u);
	EXPECT_EQ(r->groupsRewritten, 1);
	ASSERT_EQ(r->entries.size(), 1u);
	EXPECT_EQ(r->entries[0].target, (CacheTarget{"hip", "gfx90a", 64}));
	auto got = snapshot(t / "cache");
	auto want = snapshot(hipFixture());
	EXPECT_EQ(got.size(), want.size());
	std::string grp =
		got["MCELTMXFCSPAMZYLZ3C3WPPYYVTVR4QOYNE52X3X6FIH7Z6N6X5A/__grp__add_kernel.json"];
	EXPECT_EQ(grp.find("/workspace/"), std::string::npos) << grp;
	EXPECT_NE(grp.find(t / "cache/MCELTMXFCSPAMZYLZ3C3WPPYYVTVR4QOYNE52X3X6FIH7Z6N6X5A/"
			       "add_kernel.hsaco"),
		  std::string::npos)
		<< grp;
}

std::string hostRoot(const std::string &name)
{
	return dataDir() + "/hosts/" + name;
}

TEST(Peers, PreflightMatchesHostGpus)
{
	TempDir t;
	std::string cuda = "oci:" + (t / "layout") + ":cuda",
		    hip = "oci:" + (t / "layout") + ":hip";
	createImage(cuda, cudaFixture());
	createImage(hip, hipFixture());
	auto tb = [&](const std::string &host, const std::string &args) {
		return sh(tbExe() + " --host-root " + hostRoot(host) + " extract " + args);
	};
	ShellResult ok = tb("t4-proprietary", "-i " + cuda + " -d " + (t / "c1"));
	EXPECT_EQ(ok.status, 0) << ok.output;
	EXPECT_NE(ok.output.find("  match "), std::string::npos) << ok.output;

	ShellResult mixed = tb("mi300x-mi210", "-i " + hip + " -d " + (t / "c2"));
	EXPECT_EQ(mixed.status, 0) << mixed.output;
	EXPECT_NE(mixed.output.find("  match "), std::string::npos) << mixed.output;
	EXPECT_NE(mixed.output.find("  no match "), std::string::npos) << mixed.output;

	ShellResult none = tb("mi300x-mi210", "-i " + cuda + " -d " + (t / "c3"));
	EXPECT_EQ(none.status, 1) << none.output;
	EXPECT_NE(none.output.find("no GPU on this host matches"), std::string::npos)
		<< none.output;
	EXPECT_FALSE(fs::exists(t / "c3"));

	ShellResult nogpu = tb("no-gpu", "-i " + cuda + " -d " + (t / "c4"));
	EXPECT_EQ(nogpu.status, 1) << nogpu.output;
	EXPECT_NE(nogpu.output.find("no GPU found on this host"), std::string::npos)
		<< nogpu.output;
	ShellResult skip = tb("no-gpu", "--no-gpu -i " + cuda + " -d " + (t / "c4"));
	EXPECT_EQ(skip.status, 0) << skip.output;
}

TEST(Peers, PreflightSaysWhyAGpuHasNoBackend)
{
	TempDir t;
	std::string cuda = "oci:" + (t / "layout") + ":cuda";
	createImage(cuda, cudaFixture());
	auto lineWith = [](const std::string &out, const std::string &what) {
		auto at = out.find(what);
		if (at == std::string::npos)
			return std::string("(no line with '" + what + "' in:\n" + out + ")");
		auto start = out.rfind('\n', at);
		start = start == std::string::npos ? 0 : start + 1;
		return out.substr(start, out.find('\n', at) - start);
	};
	ShellResult nouveau = sh(tbExe() + " --host-root " + hostRoot("nouveau") + " extract -i " +
				 cuda + " -d " + (t / "c1"));
	EXPECT_EQ(nouveau.status, 1) << nouveau.output;
	EXPECT_EQ(lineWith(nouveau.output, "GTX 1080"),
		  "  no match  nvidia 0 NVIDIA GeForce GTX 1080: no usable driver (nouveau has no "
		  "CUDA)");
	ShellResult wsl = sh(tbExe() + " --host-root " + hostRoot("wsl2") + " extract -i " + cuda +
			     " -d " + (t / "c2"));
	EXPECT_EQ(wsl.status, 1) << wsl.output;
	EXPECT_EQ(lineWith(wsl.output, "GPU-PV adapter"),
		  "  no match  microsoft 0 GPU-PV adapter: no usable driver (GPU-PV adapter; no "
		  "NVML to name the GPU behind it)");
	EXPECT_EQ(nouveau.output.find(" ? (warp ?)"), std::string::npos) << nouveau.output;
	EXPECT_EQ(wsl.output.find(" ? (warp ?)"), std::string::npos) << wsl.output;
}

} // namespace
} // namespace tb::test
