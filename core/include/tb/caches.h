// SPDX-License-Identifier: Apache-2.0
// libtb: Triton kernel caches as OCI images: scan, reproducible create, safe streaming extract.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tb/cache_format.h>
#include <tb/gpu.h>
#include <tb/gpus.h>
#include <tb/oci.h>
#include <tb/result.h>
#include <tb/transport.h>

namespace tb {

class Context;

/// \brief Something in a cache dir worth telling the user (hash mismatch, skipped file).
struct ScanIssue {
	std::string path; ///< relative to the cache root
	std::string message;
};

/// \brief One file or directory to package, relative to the cache root ('/'-separated).
struct CacheFile {
	std::string path;
	bool directory = false;
	bool executable = false;
	int64_t size = 0;
};

/// \brief A scanned Triton cache directory.
struct ScannedCache {
	std::string root;
	std::vector<CacheFile> files;     ///< sorted by path; directories before their children
	std::vector<CacheEntry> entries;  ///< one per kernel JSON, sorted by hash
	std::vector<CacheTarget> targets; ///< sorted, unique
	int64_t sizeBytes = 0;            ///< sum of regular file sizes
	std::string architecture; ///< OCI arch of the helper .so files ("amd64"), else the host's
	std::vector<ScanIssue> issues;
};

/// \brief Triton's directory key for a kernel: unpadded RFC 4648 base32 of the hex \a hash.
/// \return empty when \a hash is not 64 hex digits
std::string tritonKeyForHash(std::string_view hash);

/// \brief Whether \a name is a directory name Triton gives a cache entry: the 52-character
/// base32 key of Triton 3 (A-Z, 2-7), or the 64 / 32 lower-case hex digits of older versions.
/// Nothing else lives at the top of a Triton cache dir.
bool isTritonCacheKey(std::string_view name) noexcept;

/// \brief Scan a Triton cache dir (kernel dirs, __grp__ files, helper .so dirs; tmp.* skipped).
/// \return Errc::NotFound / Errc::InvalidArgument for a missing or empty dir
Result<ScannedCache> scanTritonCache(const std::string &dir);

enum class Compression { Gzip, Zstd, None };
Result<Compression> parseCompression(std::string_view name);
std::string_view compressionName(Compression c) noexcept;

/// \brief Caps on what one extract may write ([extract] in the config).
struct ExtractLimits {
	int64_t maxTotalBytes = int64_t(64) << 30; ///< uncompressed tar bytes over all layers
	int64_t maxEntries = 1'000'000;
	int64_t maxPathLength = 4096;
	double maxRatio = 1000; ///< uncompressed / compressed, checked past ratioFloorBytes
	int64_t ratioFloorBytes = int64_t(1) << 20;
	/// The image manifest and the layer's io.triton.manifest/manifest.json, each
	int64_t maxManifestBytes = int64_t(4) << 20;
};

struct CreateOptions {
	std::string title; ///< org.opencontainers.image.title
	Compression compression = Compression::Gzip;
	bool dockerMediaTypes = false;
	std::optional<std::string> created; ///< RFC 3339; also the mtime of every entry
	/// Where the compressed layer is staged for a destination that takes blobs through
	/// putBlob() only; "" = TMPDIR. A layout writes it into its own directory instead.
	std::string tempDir;
	/// Compression threads; 0 = one per online CPU. The layer is the same bytes for any value.
	int threads = 0;
	/// createCache refuses an image `tb extract` with these caps would refuse (entries,
	/// name length, total size, expansion ratio); nullopt = no check.
	std::optional<ExtractLimits> extractLimits = ExtractLimits{};
};

struct CreateResult {
	Digest manifestDigest;
	std::string manifestMediaType;
	int64_t manifestSize = 0;
	Descriptor layer;
	Digest diffId;
};

/// \brief Write the layer blob of \a cache (reproducible tar, compressed) to a file descriptor
/// opened for writing; returns the blob descriptor (mediaType empty) and the diff_id.
Result<LayerInfo> writeCacheLayer(const ScannedCache &cache, const CreateOptions &options, int fd);

/// \brief Pack \a cache with \a format and write layer, config and manifest to \a dest, then
/// commit. Same directory and options = same manifest digest.
Result<CreateResult> createCache(const ScannedCache &cache, const CacheFormat &format,
				 ImageDestination &dest, const CreateOptions &options);

/// \brief io.triton.manifest/manifest.json for \a cache, exactly as stored in the layer.
std::string cacheManifestJson(const ScannedCache &cache);

/// \brief The Dockerfile a docker/buildah user would write for the same compat image.
std::string cacheDockerfile(const ScannedCache &cache, const CreateOptions &options,
			    std::string_view cacheDirName);

/// \brief A cache image opened for reading: manifest and config checked, format chosen.
struct CacheImage {
	std::string name;     ///< for messages: the reference the user gave
	RawManifest manifest; ///< the image manifest (an index is resolved to its child)
	Digest manifestDigest;
	std::string config;
	const CacheFormat *format = nullptr;
	CacheImageInfo info;
};

/// \brief Read and police manifest + config, let every format bid, describe with the best.
/// An index is resolved to the child of \a platform ("OS/ARCH[/VARIANT]"; "" = the host's,
/// else the only child); none matching is Errc::NotFound listing the index's platforms.
Result<CacheImage> openCacheImage(ImageSource &source, std::string_view name,
				  const std::vector<CacheFormat *> &formats,
				  std::string_view platform = {});

struct ExtractOptions {
	ExtractLimits limits;
	/// Called with warnings (stripped setuid bits, unverifiable diff_id, ...).
	void (*warn)(void *user, std::string_view message) = nullptr;
	void *warnUser = nullptr;
	/// Where the cache will be seen by Triton when that is not \a destination (a container
	/// mounts it elsewhere): __grp__ child paths are rewritten to this dir. "" = destination.
	std::string groupRoot;
	/// Extract top-level names other than cache keys (isTritonCacheKey) and plain files
	/// there. Off: an image carrying `.bashrc` or `bin/` is refused.
	bool allowAnyTopLevel = false;
};

struct ExtractReport {
	std::string destination;
	std::string variant;                ///< the cache format's variant of the image ("compat")
	std::vector<std::string> added;     ///< top-level cache entries newly placed
	std::vector<std::string> replaced;  ///< existing ones whose contents differed
	std::vector<std::string> unchanged; ///< existing and identical (re-extract)
	int64_t files = 0;
	int64_t bytes = 0;
	int64_t groupsRewritten = 0;     ///< __grp__ files whose child_paths were rewritten
	std::vector<CacheEntry> entries; ///< from io.triton.manifest/manifest.json, when present
};

/// \brief Stream, verify and place the image's cache into \a destination (created if needed).
/// Nothing in \a destination changes unless every layer verified; placement is per top-level
/// entry by rename; concurrent extracts into one destination are serialised with flock.
Result<ExtractReport> extractCache(ImageSource &source, const CacheImage &image,
				   const std::string &destination, const ExtractOptions &options);

/// \brief The [extract] caps of \a ctx's configuration.
ExtractLimits extractLimits(const Context &ctx);
/// \brief The [create] defaults of \a ctx's configuration: format name and compression.
std::pair<std::string, std::string> createDefaults(const Context &ctx);

/// \brief -d, else $TRITON_CACHE_DIR, else ${TRITON_HOME:-$HOME}/.triton/cache.
std::string defaultTritonCacheDir(const std::string &explicitDir = {});

/// \brief Which host GPUs can use an image built for \a targets.
struct CompatReport {
	std::vector<GpuDevice> matching;
	std::vector<GpuDevice> nonMatching;
	bool noGpu() const { return matching.empty() && nonMatching.empty(); }
};
CompatReport checkCacheCompat(const std::vector<CacheTarget> &targets,
			      const std::vector<GpuDevice> &gpus);

/// \brief Where `tb create --dockerfile FILE` writes: FILE, and next to it the build context
/// io.triton.cache/ (exactly the packed files) and io.triton.manifest/manifest.json.
struct DockerBuildContext {
	std::string dockerfile; ///< absolute
	std::string dir;        ///< its directory
};

/// \brief Check that \a dockerfile's directory can take the build context of \a cache: not
/// inside the cache dir, and any io.triton.* there staged by an earlier run (its stamp file).
/// \return Errc::InvalidArgument (inside or being the cache dir), Errc::Conflict (not tb's)
Result<DockerBuildContext> checkDockerBuildContext(const std::string &dockerfile,
						   const ScannedCache &cache);

/// \brief Stage the build context privately, swap each part in with one rename, then write
/// the Dockerfile; a previous run's context is replaced.
Result<void> writeDockerBuildContext(const DockerBuildContext &where, const ScannedCache &cache,
				     const CreateOptions &options);

/// \brief What `tb create` is asked to do (the fields are its flags).
struct CacheCreateRequest {
	std::string image;       ///< store name or transport:location to write
	std::string dir;         ///< the Triton cache dir to pack
	std::string format;      ///< "" = [create] default_format
	std::string compression; ///< "" = [create] default_compression
	std::string created;     ///< RFC 3339 or Unix seconds; "" = none (reproducible)
	std::string title;       ///< "" = none: the digest depends on the content only
	bool dockerMediaTypes = false;
	std::string dockerfile; ///< also write this Dockerfile and its build context (compat only)
	int threads = 0;        ///< compression threads; 0 = one per online CPU
	/// Called with what the scan found worth telling ("ROOT/PATH: why"), before writing.
	std::function<void(std::string_view)> warn;
};

struct CacheCreateReport {
	CreateResult result;
	std::string format;    ///< the format used
	CreateOptions options; ///< as applied: compression, title, created
	ScannedCache cache;    ///< what was packed
	std::optional<DockerBuildContext> buildContext;
};

/// \brief `tb create`: scan, pack with the chosen format, write to the image, and (with a
/// Dockerfile) stage its build context. An image `tb extract` with \a ctx's [extract] limits
/// would refuse, and a build context tb may not write, are refused before any image is
/// written.
Result<CacheCreateReport> createCacheImage(Context &ctx, const CacheCreateRequest &request);

/// \brief The GPU preflight of an extract: the image's targets against the host's GPUs.
struct CachePreflight {
	std::vector<CacheTarget> targets; ///< the image's; none means nothing could be checked
	CompatReport compat;
	/// Errc::Unsupported when targets are declared and no GPU is found or none matches.
	Result<void> verdict;
};

/// \brief The preflight policy over a given inventory (each failed or skipped probe is named
/// when no GPU is found).
CachePreflight judgeCachePreflight(const CacheImage &image, const GpuInventory &inventory);
/// \brief Probe \a ctx's GPUs, then judgeCachePreflight(). \return probing errors only
Result<CachePreflight> preflightCacheImage(Context &ctx, const CacheImage &image);
/// \brief "cuda 90 (warp 32), hip gfx90a (warp 64)"; unknown fields print as "?".
std::string describeCacheTargets(const std::vector<CacheTarget> &targets);
/// \brief "nvidia 0 Tesla T4: cuda 75 (warp 32)", or why no compute stack can drive it.
std::string describeGpuCompute(const GpuDevice &gpu);

/// \brief What `tb extract` is asked to do.
struct CacheExtractRequest {
	std::string image; ///< store name or transport:location to read
	/// nullopt = defaultTritonCacheDir(); "" is refused (an unset variable, never a request
	/// for the default); `/` and the home directory themselves are always refused.
	std::optional<std::string> destination;
	bool checkGpus = true; ///< run the preflight and refuse an image no GPU here can use
	/// An index's child to extract ("OS/ARCH[/VARIANT]"); "" = the host's (openCacheImage).
	std::string platform;
	/// Also extract top-level names other than cache keys (ExtractOptions::allowAnyTopLevel).
	bool allowAnyTopLevel = false;
	/// Called with the preflight before its verdict is acted on (e.g. to print the table).
	std::function<void(const CacheImage &, const CachePreflight &)> onPreflight;
	/// Called with warnings (stripped setuid bits, unverifiable diff_id, ...).
	std::function<void(std::string_view)> warn;
};

/// \brief `tb extract`: open and police the image, run the GPU preflight, then extract with
/// the [extract] caps of \a ctx.
Result<ExtractReport> extractCacheImage(Context &ctx, const CacheExtractRequest &request);

} // namespace tb
