// SPDX-License-Identifier: Apache-2.0
// `tb create` / `tb extract` as libtb calls, through the public API only: the GPU preflight
// policy, the Dockerfile build context, and both verbs in process.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <tb/caches.h>
#include <tb/context.h>
#include <tb/gpus.h>
#include <tb/images.h>

namespace tb {
namespace {

namespace fs = std::filesystem;

const std::string Cuda = std::string(TB_TEST_DATA) + "/caches/vector-add-cuda-sm75";

class TempDir {
public:
	TempDir()
	{
		std::string t = (fs::temp_directory_path() / "tb-verbs-test-XXXXXX").string();
		path_ = ::mkdtemp(t.data()) ? t : "";
	}
	~TempDir()
	{
		std::error_code ec;
		fs::remove_all(path_, ec);
	}
	std::string operator/(const std::string &rel) const { return path_ + "/" + rel; }

private:
	std::string path_;
};

std::string slurp(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

CacheImage imageFor(std::vector<CacheTarget> targets)
{
	CacheImage img;
	img.name = "oci:/x:v1";
	img.info.targets = std::move(targets);
	return img;
}

GpuDevice gpu(std::string vendor, std::string name, std::string backend, std::string arch, int warp,
	      std::string driverType = "proprietary")
{
	GpuDevice g;
	g.vendor = std::move(vendor);
	g.name = std::move(name);
	g.backend = std::move(backend);
	g.arch = std::move(arch);
	g.warpSize = warp;
	g.driverType = std::move(driverType);
	return g;
}

TEST(Preflight, AMatchingGpuPasses)
{
	GpuInventory inv;
	inv.gpus = {gpu("nvidia", "Tesla T4", "cuda", "75", 32),
		    gpu("amd", "MI210", "hip", "gfx90a", 64)};
	auto p = judgeCachePreflight(imageFor({{"cuda", "75", 32}}), inv);
	EXPECT_TRUE(p.verdict.has_value());
	ASSERT_EQ(p.compat.matching.size(), 1u);
	EXPECT_EQ(p.compat.matching[0].name, "Tesla T4");
	ASSERT_EQ(p.compat.nonMatching.size(), 1u);
	EXPECT_EQ(describeGpuCompute(p.compat.matching[0]), "nvidia 0 Tesla T4: cuda 75 (warp 32)");
}

TEST(Preflight, NoMatchingGpuIsUnsupported)
{
	GpuInventory inv;
	inv.gpus = {gpu("amd", "MI210", "hip", "gfx90a", 64)};
	auto p = judgeCachePreflight(imageFor({{"cuda", "75", 32}, {"cuda", "90", 0}}), inv);
	ASSERT_FALSE(p.verdict.has_value());
	EXPECT_EQ(p.verdict.error().code, Errc::Unsupported);
	EXPECT_EQ(p.verdict.error().message,
		  "no GPU on this host matches the targets of oci:/x:v1 (cuda 75 (warp 32), cuda "
		  "90 (warp ?))");
}

TEST(Preflight, NoGpuNamesEveryProbeThatFoundNone)
{
	GpuInventory inv;
	ProbeRun skipped{"amd", ProbeStatus::Skipped, {Errc::Skip, "no amdgpu driver"}, {}};
	ProbeRun failed{"nvidia", ProbeStatus::Failed, {Errc::Io, "cannot read /proc"}, {}};
	inv.probes = {skipped, failed};
	auto p = judgeCachePreflight(imageFor({{"cuda", "75", 32}}), inv);
	ASSERT_FALSE(p.verdict.has_value());
	EXPECT_EQ(p.verdict.error().message,
		  "no GPU found on this host; amd: no amdgpu driver; nvidia: cannot read /proc "
		  "(image targets: cuda 75 (warp 32))");
}

TEST(Preflight, AnImageWithoutTargetsIsNotChecked)
{
	GpuInventory none;
	auto p = judgeCachePreflight(imageFor({}), none);
	EXPECT_TRUE(p.verdict.has_value());
	EXPECT_TRUE(p.targets.empty());
	EXPECT_TRUE(p.compat.noGpu());
}

TEST(Preflight, AGpuWithoutComputeStackSaysWhy)
{
	EXPECT_EQ(describeGpuCompute(gpu("nvidia", "GTX 1080", "", "", 0, "nouveau")),
		  "nvidia 0 GTX 1080: no usable driver (nouveau has no CUDA)");
	GpuDevice bare = gpu("intel", "", "", "", 0, "");
	bare.pciBdf = "0000:00:02.0";
	EXPECT_EQ(describeGpuCompute(bare), "intel 0 0000:00:02.0: no usable driver");
}

TEST(BuildContext, StagesExactlyThePackedFilesAndReplacesItsOwn)
{
	TempDir t;
	auto scan = scanTritonCache(Cuda);
	ASSERT_TRUE(scan) << scan.error().message;
	auto where = checkDockerBuildContext(t / "ctx/Dockerfile", *scan);
	ASSERT_TRUE(where) << where.error().message;
	EXPECT_EQ(where->dir, t / "ctx");
	CreateOptions o;
	o.title = "vector-add";
	for (int run = 0; run < 2; ++run) { // the second run replaces the first's context
		auto w = writeDockerBuildContext(*where, *scan, o);
		ASSERT_TRUE(w) << w.error().message;
		EXPECT_EQ(slurp(t / "ctx/Dockerfile"),
			  cacheDockerfile(*scan, o, "io.triton.cache"));
		EXPECT_EQ(slurp(t / "ctx/io.triton.manifest/manifest.json"),
			  cacheManifestJson(*scan));
		size_t files = 0;
		for (const auto &f : scan->files) {
			fs::path staged = fs::path(t / "ctx/io.triton.cache") / f.path;
			EXPECT_TRUE(f.directory ? fs::is_directory(staged)
						: fs::is_regular_file(staged))
				<< staged;
			files += f.directory ? 0 : 1;
		}
		size_t found = 0;
		for (const auto &e : fs::recursive_directory_iterator(t / "ctx/io.triton.cache"))
			found += e.is_regular_file() ? 1 : 0;
		EXPECT_EQ(found, files);
		ASSERT_TRUE(checkDockerBuildContext(t / "ctx/Dockerfile", *scan)); // its own stamp
	}
	for (const auto &e : fs::directory_iterator(t / "ctx"))
		EXPECT_EQ(e.path().filename().string().rfind(".tb-context-", 0), std::string::npos)
			<< "staging dir left behind: " << e.path();
}

TEST(BuildContext, RefusesTheCacheDirAndForeignFiles)
{
	TempDir t;
	auto scan = scanTritonCache(Cuda);
	ASSERT_TRUE(scan) << scan.error().message;
	auto inside = checkDockerBuildContext(Cuda + "/build/Dockerfile", *scan);
	ASSERT_FALSE(inside);
	EXPECT_EQ(inside.error().code, Errc::InvalidArgument);
	EXPECT_NE(inside.error().message.find("inside the cache dir"), std::string::npos);
	fs::create_directories(t / "b/io.triton.cache");
	auto foreign = checkDockerBuildContext(t / "b/Dockerfile", *scan);
	ASSERT_FALSE(foreign);
	EXPECT_EQ(foreign.error().code, Errc::Conflict);
	EXPECT_EQ(foreign.error().message,
		  "'" + (t / "b/io.triton.cache") +
			  "' exists and was not staged by tb create; remove it or write the "
			  "Dockerfile elsewhere");
}

std::unique_ptr<Context> contextOn(const std::string &host, const std::string &config = {})
{
	ContextOptions o;
	o.hostRoot = std::string(TB_TEST_DATA) + "/hosts/" + host;
	o.configFile = config;
	auto ctx = Context::create(o);
	EXPECT_TRUE(ctx) << ctx.error().message;
	return ctx ? std::move(*ctx) : nullptr;
}

// What the CLI does, in process: create into a layout, then extract on a host without a GPU
// (refused, or with the preflight off) and on one whose T4 matches.
TEST(Verbs, CreateAndExtractInProcess)
{
	TempDir t;
	auto ctx = contextOn("no-gpu");
	ASSERT_TRUE(ctx);
	CacheCreateRequest c;
	c.image = "oci:" + (t / "layout") + ":v1";
	c.dir = Cuda;
	c.compression = "zstd";
	c.dockerfile = t / "build/Dockerfile";
	auto created = createCacheImage(*ctx, c);
	ASSERT_TRUE(created) << created.error().message;
	EXPECT_EQ(created->format, "compat");
	EXPECT_EQ(created->options.compression, Compression::Zstd);
	EXPECT_EQ(created->options.title, ""); // opt-in: the digest depends on content only
	EXPECT_EQ(created->options.threads, 0);
	ASSERT_TRUE(created->buildContext);
	EXPECT_TRUE(fs::exists(t / "build/Dockerfile"));
	// `tb inspect --raw`: the manifest's bytes as stored, the digest create reported.
	auto raw = readTopManifest(*ctx, c.image);
	ASSERT_TRUE(raw) << raw.error().message;
	auto inspected = inspectImage(*ctx, c.image);
	ASSERT_TRUE(inspected) << inspected.error().message;
	EXPECT_EQ(raw->bytes, inspected->raw.bytes);
	EXPECT_EQ(inspected->digest, created->result.manifestDigest);

	CacheExtractRequest x;
	x.image = c.image;
	x.destination = t / "cache";
	bool called = false;
	x.onPreflight = [&](const CacheImage &img, const CachePreflight &p) {
		called = true;
		EXPECT_EQ(img.name, c.image);
		EXPECT_EQ(p.targets, created->cache.targets);
	};
	auto refused = extractCacheImage(*ctx, x);
	EXPECT_TRUE(called);
	ASSERT_FALSE(refused);
	EXPECT_EQ(refused.error().code, Errc::Unsupported);
	EXPECT_NE(refused.error().message.find("; pass --skip-compat to extract anyway"),
		  std::string::npos)
		<< refused.error().message;
	EXPECT_FALSE(fs::exists(t / "cache"));

	x.checkGpus = false;
	called = false;
	auto r = extractCacheImage(*ctx, x);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_FALSE(called);
	EXPECT_FALSE(r->added.empty());
	EXPECT_EQ(r->variant, "compat");
	EXPECT_EQ(r->files, static_cast<int64_t>(std::count_if(
				    created->cache.files.begin(), created->cache.files.end(),
				    [](const CacheFile &f) { return !f.directory; })));

	auto t4 = contextOn("t4-proprietary");
	ASSERT_TRUE(t4);
	x.checkGpus = true;
	x.destination = t / "cache-t4";
	x.onPreflight = [&](const CacheImage &, const CachePreflight &p) {
		called = true;
		EXPECT_TRUE(p.verdict.has_value());
		EXPECT_EQ(p.compat.matching.size(), 1u);
	};
	auto matched = extractCacheImage(*t4, x);
	ASSERT_TRUE(matched) << matched.error().message;
	EXPECT_TRUE(called);
	EXPECT_EQ(matched->files, r->files);
}

TEST(Verbs, CreateRefusesABadRequestBeforeWriting)
{
	TempDir t;
	auto ctx = contextOn("no-gpu");
	ASSERT_TRUE(ctx);
	CacheCreateRequest c;
	c.image = "oci:" + (t / "layout") + ":v1";
	c.dir = Cuda;
	c.format = "plain";
	c.dockerfile = t / "build/Dockerfile";
	auto r = createCacheImage(*ctx, c);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::InvalidArgument);
	c.format = "nope";
	r = createCacheImage(*ctx, c);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().message, "cache format 'nope' is not available (plugin cache.nope not "
				     "loaded; see `tb plugins ls`)");
	EXPECT_FALSE(fs::exists(t / "layout"));
	EXPECT_FALSE(fs::exists(t / "build"));
}

// The request carries what the flags say: -d '' is refused (never the default), and the
// caps of the context's [extract] section apply to create too.
TEST(Verbs, EmptyDestinationIsRefused)
{
	TempDir t;
	auto ctx = contextOn("no-gpu");
	ASSERT_TRUE(ctx);
	CacheExtractRequest x;
	x.image = "oci:" + (t / "missing") + ":v1";
	x.destination = "";
	auto r = extractCacheImage(*ctx, x);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::InvalidArgument);
	EXPECT_EQ(r.error().message, "-d/--dir: empty directory name");
}

TEST(Verbs, CreateRefusesWhatExtractWouldRefuse)
{
	TempDir t;
	{
		std::ofstream(t / "tb.toml") << "[extract]\nmax_entries = 3\n";
	}
	auto ctx = contextOn("no-gpu", t / "tb.toml");
	ASSERT_TRUE(ctx);
	CacheCreateRequest c;
	c.image = "oci:" + (t / "layout") + ":v1";
	c.dir = Cuda;
	c.threads = 2;
	auto r = createCacheImage(*ctx, c);
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("over [extract] max_entries 3"), std::string::npos)
		<< r.error().message;
	EXPECT_FALSE(fs::exists(t / "layout/index.json"));
}

TEST(Verbs, TopLevelNamesArePolicedUnlessAllowed)
{
	TempDir t;
	fs::create_directories(t / "src");
	fs::copy(Cuda, t / "src", fs::copy_options::recursive);
	{
		std::ofstream(t / "src/.bashrc") << "echo owned\n";
	}
	auto ctx = contextOn("no-gpu");
	ASSERT_TRUE(ctx);
	CacheCreateRequest c;
	c.image = "oci:" + (t / "layout") + ":v1";
	c.dir = t / "src";
	auto created = createCacheImage(*ctx, c);
	ASSERT_TRUE(created) << created.error().message;
	CacheExtractRequest x;
	x.image = c.image;
	x.destination = t / "dest";
	x.checkGpus = false;
	auto refused = extractCacheImage(*ctx, x);
	ASSERT_FALSE(refused);
	EXPECT_NE(refused.error().message.find("--allow-any-top-level"), std::string::npos)
		<< refused.error().message;
	EXPECT_FALSE(fs::exists(t / "dest/.bashrc"));
	x.allowAnyTopLevel = true;
	auto r = extractCacheImage(*ctx, x);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_TRUE(fs::exists(t / "dest/.bashrc"));
}

} // namespace
} // namespace tb
