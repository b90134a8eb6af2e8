// SPDX-License-Identifier: Apache-2.0
// Hostile blobs and manifests (compression, sizes, digests, media types), and what the user
// sees: one line from `tb extract` naming image and entry, destination untouched.
#include "cache_test_util.h"

#include "tbsupport/sha256.h"
#include <cstdio>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tb::test {
namespace {

const std::string K = "io.triton.cache/5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ";

LayoutSpec benign()
{
	LayoutSpec s;
	s.tars.push_back(makeTar(benignEntries()));
	return s;
}

// The digest the layout gives the (only) layer of \a s.
std::string layerDigest(const LayoutSpec &s)
{
	std::string blob = compress(s.tars[0], s.compression);
	if (s.mutateBlob)
		s.mutateBlob(blob);
	return support::Sha256::of(blob).str();
}

TEST(HostileImage, TruncatedGzip)
{
	auto s = benign();
	s.mutateBlob = [](std::string &b) { b.resize(b.size() / 2); };
	auto o = runExtract(s);
	expectRefused(o, Errc::Corrupt, "truncated gzip stream");
	EXPECT_NE(o.message.find("layer " + layerDigest(s) + ": "), std::string::npos) << o.message;
}

TEST(HostileImage, TruncatedZstd)
{
	auto s = benign();
	s.compression = Compression::Zstd;
	s.mutateBlob = [](std::string &b) { b.resize(b.size() - 8); };
	expectRefused(runExtract(s), Errc::Corrupt, "truncated zstd stream");
	s.mutateBlob = [](std::string &b) { b.resize(b.size() / 2); };
	expectRefused(runExtract(s), Errc::Corrupt, "truncated zstd stream");
}

TEST(HostileImage, DataAfterTheCompressedStream)
{
	auto s = benign();
	s.mutateBlob = [](std::string &b) { b += "junk"; };
	expectRefused(runExtract(s), Errc::Corrupt, "trailing garbage after the gzip stream");
	s.compression = Compression::Zstd;
	expectRefused(runExtract(s), Errc::Corrupt, "corrupt zstd stream");
}

TEST(HostileImage, DigestMismatch)
{
	// A store that serves valid bytes under another digest: only the blob hash can tell.
	auto s = benign();
	s.layerDigestOverride = "sha256:" + std::string(64, 'b');
	auto o = runExtract(s);
	expectRefused(o, Errc::Corrupt,
		      "layer " + s.layerDigestOverride + ": blob digest mismatch");
	EXPECT_NE(o.message.find("got " + layerDigest(benign())), std::string::npos) << o.message;
}

TEST(HostileImage, SizeMismatch)
{
	auto s = benign();
	std::string layer = layerDigest(s);
	int64_t size = static_cast<int64_t>(compress(s.tars[0], s.compression).size());
	for (int64_t delta : {-10, 10}) {
		s.layerSizeDelta = delta;
		auto o = runExtract(s);
		expectRefused(o, Errc::Corrupt,
			      "is " + std::to_string(size) + " bytes, its descriptor says " +
				      std::to_string(size + delta));
		EXPECT_NE(o.message.find("layer " + layer + ": "), std::string::npos) << o.message;
	}
}

TEST(HostileImage, DiffIdMismatch)
{
	// An uncompressed layer is hashed once (its blob digest is its diff_id): still checked.
	for (auto c : {Compression::Gzip, Compression::None}) {
		auto s = benign();
		s.compression = c;
		s.diffIds = {"sha256:" + std::string(64, 'a')};
		expectRefused(runExtract(s), Errc::Corrupt,
			      "diff_id mismatch: uncompressed digest is " +
				      support::Sha256::of(s.tars[0]).str() + ", config says " +
				      s.diffIds[0]);
	}
}

TEST(HostileImage, ManifestOver4MiB)
{
	auto s = benign();
	s.extraManifestFields = ",\"annotations\":{\"pad\":\"" + std::string(5u << 20, 'p') + "\"}";
	expectRefused(runExtract(s), Errc::LimitExceeded, "over the 4194304 byte limit");
}

TEST(HostileImage, WrongManifestMediaType)
{
	auto s = benign(); // the index says schema2, the manifest says OCI
	s.indexMediaType = "application/vnd.docker.distribution.manifest.v2+json";
	expectRefused(runExtract(s), Errc::Corrupt,
		      "media type mismatch: descriptor says "
		      "'application/vnd.docker.distribution.manifest.v2+json', manifest body says "
		      "'application/vnd.oci.image.manifest.v1+json'");
}

TEST(HostileImage, ManifestThatIsAlsoAnIndex)
{
	auto s = benign();
	s.extraManifestFields = ",\"manifests\":[]";
	expectRefused(runExtract(s), Errc::Corrupt,
		      "manifest is ambiguous: it has both 'manifests' and 'layers'/'config'");
}

TEST(HostileImage, MissingManifestMediaType)
{
	auto s = benign();
	s.indexMediaType = "";
	s.omitManifestMediaType = true;
	expectRefused(runExtract(s), Errc::Corrupt, "index entry has no mediaType");
}

TEST(HostileImage, LayerWithoutMediaType)
{
	auto s = benign();
	s.layerTypes = {""};
	expectRefused(runExtract(s), Errc::Corrupt, "no mediaType");
}

TEST(HostileImage, LayerWithoutTarMediaTypeNamesTheLayer)
{
	auto s = benign();
	s.layerTypes = {"application/json"};
	expectRefused(runExtract(s), Errc::Unsupported,
		      "not a Triton cache image: no cache format plugin recognises it (layer " +
			      layerDigest(s) + " has media type 'application/json')");
}

// What a user sees: exit 1 and ONE line naming image, layer and entry; DEST unchanged.
TEST(HostileImage, CliPrintsOneLineNamingImageAndEntry)
{
	TempDir t;
	LayoutSpec s;
	auto entries = benignEntries();
	entries.push_back({"io.triton.cache/../../evil", 'f', "x"});
	s.tars.push_back(makeTar(entries));
	std::string ref = writeLayout(t / "layout", s);
	std::string dest = t / "cache";
	writeFile(dest + "/UNRELATED/keep.txt", "mine");
	auto before = snapshot(dest);
	ShellResult r = sh(tbExe() + " extract -q --no-gpu -i " + ref + " -d " + dest);
	EXPECT_EQ(r.status, 1) << r.output;
	EXPECT_EQ(r.output,
		  "tb: extracting '" + ref + "': layer " + layerDigest(s) +
			  ": entry 'io.triton.cache/../../evil': path traversal ('..')\n");
	EXPECT_EQ(snapshot(dest), before);

	TempDir u;
	auto d = benign();
	d.layerDigestOverride = "sha256:" + std::string(64, 'c');
	ref = writeLayout(u / "layout", d);
	ShellResult m = sh(tbExe() + " extract -q --no-gpu -i " + ref + " -d " + dest);
	EXPECT_EQ(m.status, 1) << m.output;
	EXPECT_EQ(std::count(m.output.begin(), m.output.end(), '\n'), 1) << m.output;
	EXPECT_EQ(m.output.rfind("tb: extracting '" + ref + "': layer " + d.layerDigestOverride +
					 ": blob digest mismatch",
				 0),
		  0u)
		<< m.output;
	EXPECT_EQ(snapshot(dest), before);
}

// A 1 KiB layer whose header declares 4 GiB for io.triton.manifest/manifest.json is refused
// on the declared size, before anything is allocated for it: under an address-space limit
// far below 4 GiB the extract still ends with LimitExceeded (it used to die allocating).
TEST(HostileImage, HugeDeclaredManifestIsRefusedBeforeAllocating)
{
	auto entries = benignEntries();
	TarEntry m{"io.triton.manifest/manifest.json", 'f', std::string(1024, ' ')};
	m.declaredSize = int64_t(4) << 30;
	entries.push_back(m);
	LayoutSpec s;
	s.tars.push_back(makeTar(entries));
	pid_t pid = ::fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		// The child's current mappings plus 1 GiB of headroom for the extract itself.
		long pages = 0;
		if (FILE *f = std::fopen("/proc/self/statm", "r")) {
			if (std::fscanf(f, "%ld", &pages) != 1)
				pages = 0;
			std::fclose(f);
		}
		rlim_t cap =
			static_cast<rlim_t>(pages) * ::sysconf(_SC_PAGESIZE) + (rlim_t(1) << 30);
		struct rlimit rl = {cap, cap};
		if (pages == 0 || ::setrlimit(RLIMIT_AS, &rl) != 0)
			::_exit(3);
		try {
			Outcome o = runExtract(s);
			bool refused =
				!o.ok && o.code == Errc::LimitExceeded && o.untouched &&
				o.message.find("manifest.json declares 4294967296 bytes, over "
					       "max_manifest_bytes 4194304") != std::string::npos;
			if (!refused)
				std::fprintf(stderr, "extract: %s\n", o.message.c_str());
			::_exit(refused ? 0 : 1);
		} catch (...) {
			::_exit(2); // std::bad_alloc: the declared size was allocated
		}
	}
	int status = 0;
	ASSERT_EQ(::waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status)) << "the extract died (signal " << WTERMSIG(status) << ")";
	EXPECT_EQ(WEXITSTATUS(status), 0) << "1: not refused as expected, 2: out of memory";
}

// [extract] max_manifest_bytes caps both the image manifest and manifest.json of the layer.
TEST(HostileImage, ManifestCapsComeFromTheLimits)
{
	auto entries = benignEntries();
	entries.push_back({"io.triton.manifest/manifest.json", 'f', std::string(2000, ' ')});
	LayoutSpec s;
	s.tars.push_back(makeTar(entries));
	ExtractLimits l;
	l.maxManifestBytes = 1024;
	expectRefused(runExtract(s, l), Errc::LimitExceeded,
		      "manifest.json declares 2000 bytes, over max_manifest_bytes 1024",
		      "io.triton.manifest/manifest.json");
	l.maxManifestBytes = 2000;
	EXPECT_TRUE(runExtract(s, l).ok);
	l.maxManifestBytes = 100; // below the image manifest's own size
	expectRefused(runExtract(s, l), Errc::LimitExceeded, "over max_manifest_bytes 100");
}

// The same cap set in the config file reaches `tb extract`.
TEST(HostileImage, CliTakesTheManifestCapFromTheConfig)
{
	TempDir t;
	auto entries = benignEntries();
	entries.push_back({"io.triton.manifest/manifest.json", 'f', std::string(2000, ' ')});
	LayoutSpec s;
	s.tars.push_back(makeTar(entries));
	std::string ref = writeLayout(t / "layout", s);
	writeFile(t / "tb.toml", "[extract]\nmax_manifest_bytes = 1024\n");
	std::string dest = t / "cache";
	ShellResult r = sh(tbExe() + " --config " + (t / "tb.toml") + " extract -q --no-gpu -i " +
			   ref + " -d " + dest);
	EXPECT_EQ(r.status, 1) << r.output;
	EXPECT_NE(r.output.find("manifest.json declares 2000 bytes, over max_manifest_bytes 1024"),
		  std::string::npos)
		<< r.output;
	EXPECT_FALSE(std::filesystem::exists(dest)) << r.output;
}

} // namespace
} // namespace tb::test
