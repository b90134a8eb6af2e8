// SPDX-License-Identifier: Apache-2.0
// Shared helpers of the cache tests: temp dirs, tree snapshots, hand-made OCI layouts, tars.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <tb/caches.h>
#include <tb/context.h>

namespace tb::test {

namespace fs = std::filesystem;

inline std::string dataDir()
{
	return TB_TEST_DATA;
}
inline std::string cudaFixture()
{
	return dataDir() + "/caches/vector-add-cuda-sm75";
}
inline std::string hipFixture()
{
	return dataDir() + "/caches/vector-add-hip-gfx90a";
}
/// \brief The tb binary (meson sets TB_EXE; a bare run falls back to PATH).
inline std::string tbExe()
{
	const char *e = std::getenv("TB_EXE");
	return e && *e ? e : "tb";
}

/// \brief A temporary directory removed (recursively) on destruction.
class TempDir {
public:
	TempDir()
	{
		std::string t = (fs::temp_directory_path() / "tb-cache-test-XXXXXX").string();
		path_ = ::mkdtemp(t.data()) ? t : "";
	}
	~TempDir()
	{
		std::error_code ec;
		fs::remove_all(path_, ec);
	}
	const std::string &path() const { return path_; }
	std::string operator/(const std::string &rel) const { return path_ + "/" + rel; }

private:
	std::string path_;
};

/// \brief Every entry under \a root: "d" for dirs, "l:<target>" for links, else file bytes.
inline std::map<std::string, std::string> snapshot(const std::string &root)
{
	std::map<std::string, std::string> out;
	std::error_code ec;
	if (!fs::exists(root, ec))
		return out;
	for (auto it = fs::recursive_directory_iterator(root, ec);
	     !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
		fs::path p = it->path();
		std::string rel = p.lexically_relative(root).string(); // never resolve links
		auto st = fs::symlink_status(p);
		if (fs::is_symlink(st)) {
			out[rel] = "l:" + fs::read_symlink(p).string();
		} else if (fs::is_directory(st)) {
			out[rel] = "d";
		} else {
			std::ifstream in(p, std::ios::binary);
			out[rel] = std::string(std::istreambuf_iterator<char>(in), {});
		}
	}
	return out;
}

inline void writeFile(const std::string &path, const std::string &bytes)
{
	fs::create_directories(fs::path(path).parent_path());
	std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// \brief A Context on built-in defaults with the build's plugins (TB_PLUGIN_PATH).
inline std::unique_ptr<Context> makeContext()
{
	auto c = Context::create(ContextOptions{});
	if (!c) {
		ADD_FAILURE() << c.error().message;
		return nullptr;
	}
	return std::move(*c);
}

/// \brief One tar entry for makeTar().
struct TarEntry {
	std::string name;
	char type = 'f';  ///< f file, d dir, l symlink, h hardlink, c chardev, b blockdev,
			  ///< p fifo, s socket
	std::string data; ///< file contents
	std::string link; ///< symlink / hardlink target
	unsigned mode = 0644;
	int64_t declaredSize = -1; ///< header size to declare (below 8 GiB); only data is written
};

/// \brief A tar stream built with libarchive, entries in the given order.
std::string makeTar(const std::vector<TarEntry> &entries);
/// \brief gzip / zstd / none through the engine's reproducible encoders.
std::string compress(const std::string &tar, Compression c);

/// \brief What goes into a hand-made single-image OCI layout.
struct LayoutSpec {
	std::vector<std::string> tars; ///< uncompressed layer tars
	Compression compression = Compression::Gzip;
	std::function<void(std::string &)> mutateBlob; ///< applied to the first layer's blob
	std::vector<std::string> layerTypes;           ///< media types (default OCI tar+gzip)
	std::vector<std::string> diffIds;              ///< default: sha256 of each tar
	std::string configLabels = "{\"cache.triton.image/"
				   "summary\":\"{\\\"targets\\\":[{\\\"backend\\\":\\\"cuda\\\","
				   "\\\"arch\\\":\\\"75\\\",\\\"warp_size\\\":32}]}\"}";
	std::string manifestOverride; ///< raw manifest bytes instead of the generated ones
	std::string indexMediaType = "application/vnd.oci.image.manifest.v1+json";
	bool omitManifestMediaType = false;
	std::string extraManifestFields; ///< appended inside the manifest object
	int64_t layerSizeDelta = 0;      ///< lie about the first layer's size
	std::string layerDigestOverride; ///< lie about the first layer's digest (the blob store
					 ///< serves the real bytes under that name)
};

/// \brief Write \a spec as an OCI layout at \a dir with tag "t"; returns "oci:DIR:t".
std::string writeLayout(const std::string &dir, const LayoutSpec &spec);

/// \brief A minimal valid kernel dir entry set (io.triton.cache/KEY/...), for hostile tests.
std::vector<TarEntry> benignEntries();

/// \brief What one extract of a hand-made layout did to a destination holding a file of ours.
struct Outcome {
	bool ok = false;
	Errc code = Errc::Internal;
	std::string message;
	std::string ref;
	bool untouched = false; ///< the destination tree (names and bytes) is as it was
	std::map<std::string, std::string> after; ///< snapshot() of the destination afterwards
	std::vector<std::string> warnings;
};
Outcome runExtract(const LayoutSpec &spec, ExtractLimits limits = {});

/// \brief One error line naming the image, the reason (and the entry), destination untouched.
void expectRefused(const Outcome &o, Errc code, const std::string &what,
		   const std::string &entry = "");

/// \brief ShellResult a command through /bin/sh, returning exit status and combined output.
struct ShellResult {
	int status = -1;
	std::string output;
};
ShellResult sh(const std::string &command);

} // namespace tb::test
