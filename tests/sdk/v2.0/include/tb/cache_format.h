// SPDX-License-Identifier: Apache-2.0
// Cache-format plugins: how a kernel cache is laid out as an OCI image (compat, plain, ...).
// The core scans caches, writes and verifies layer blobs and extracts safely; a format plugin
// decides media types, config, labels and annotations, and recognises its images on read.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tb/oci.h>
#include <tb/plugin.h>
#include <tb/result.h>

/// The kind's API: plugins of the same major and any minor load (docs/plugin-abi.md).
#define TB_CACHE_FORMAT_API_MAJOR 2u
#define TB_CACHE_FORMAT_API_MINOR 0u

namespace tb {

/// \brief A compile target: what a kernel was built for.
struct CacheTarget {
	std::string backend; ///< "cuda", "hip", "xpu"
	std::string arch;    ///< "75", "90", "gfx90a"
	int warpSize = 0;
	bool operator==(const CacheTarget &) const = default;
	auto operator<=>(const CacheTarget &) const = default;
};

/// \brief One kernel of a Triton cache (one entry of io.triton.manifest/manifest.json).
struct CacheEntry {
	std::string hash; ///< Triton's cache key (JSON "hash")
	CacheTarget target;
	std::optional<int64_t> numStages;
	std::optional<int64_t> numWarps;
	std::optional<int64_t> ptxVersion;
	std::optional<bool> debug;
};

/// \brief A layer blob the core has written: compressed descriptor plus uncompressed digest.
struct LayerInfo {
	Descriptor blob;         ///< mediaType left for the format to choose on pack
	Digest diffId;           ///< digest of the uncompressed tar
	std::string compression; ///< "gzip", "zstd", "none"
};

/// \brief Everything a format needs to produce config + manifest for a packed cache.
struct PackInput {
	std::vector<CacheEntry> entries;
	std::vector<CacheTarget> targets;   ///< sorted, unique
	int64_t cacheSizeBytes = 0;         ///< sum of regular file sizes
	LayerInfo layer;                    ///< the single squashed content layer
	std::string title;                  ///< org.opencontainers.image.title
	std::optional<std::string> created; ///< RFC 3339; absent = reproducible, no timestamp
	bool dockerMediaTypes = false;      ///< Docker schema2 instead of OCI (compat only)
	std::string
		architecture; ///< image config architecture ("amd64"), from the helper .so files
	std::string manifestJson; ///< io.triton.manifest/manifest.json as stored in the layer
};

/// \brief A packed image: the config blob and the manifest that references it and the layer.
struct PackOutput {
	Descriptor config;
	std::string configBytes;
	RawManifest manifest;
};

/// \brief What a reader learned about a cache image.
struct CacheImageInfo {
	std::string variant; ///< "compat", "plain"
	std::vector<CacheTarget> targets;
	std::optional<int64_t> entryCount;
	std::optional<int64_t> sizeBytes;
	std::vector<Descriptor> contentLayers; ///< layers to extract, in order
	std::vector<Digest> diffIds; ///< uncompressed digest per content layer; empty = unknown
	std::map<std::string, std::string> labels;
	std::vector<CacheEntry> entries; ///< from labels or config, when the image carries them
	std::string title;               ///< org.opencontainers.image.title, when present
};

class CacheFormat : public Versioned {
public:
	virtual ~CacheFormat() = default;
	/// \brief The variant this plugin writes ("compat").
	virtual std::string_view variant() const noexcept = 0;
	/// \brief How sure the plugin is that it can read this image: 0 = not at all, 100 = its
	/// own.
	virtual int detect(const RawManifest &manifest, std::string_view config) const noexcept = 0;
	/// \return Errc::Corrupt when the image claims the format but is malformed
	virtual Result<CacheImageInfo> describe(const RawManifest &manifest,
						std::string_view config) const noexcept = 0;
	/// \return Errc::Unsupported for options the variant cannot express
	virtual Result<PackOutput> pack(const PackInput &input) const noexcept = 0;

protected:
	explicit CacheFormat(uint16_t m = TB_CACHE_FORMAT_API_MINOR) noexcept : Versioned(m) {}
};

template<>
struct KindTraits<CacheFormat> {
	static constexpr uint32_t id = static_cast<uint32_t>(Kind::CacheFormat);
	static constexpr const char *name = "cache";
	static constexpr uint16_t versionMajor = TB_CACHE_FORMAT_API_MAJOR;
	static constexpr uint16_t versionMinor = TB_CACHE_FORMAT_API_MINOR;
};

} // namespace tb
