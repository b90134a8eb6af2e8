// SPDX-License-Identifier: Apache-2.0
// Triton cache metadata JSON and manifest writing, shared by libtb and the cache plugins.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tb/cache_format.h>
#include <tb/oci.h>
#include <tb/result.h>

namespace tb::support {

/// Label and annotation keys of the compat format (and the older label sets we still read).
namespace label {
inline constexpr std::string_view EntryCount = "cache.triton.image/entry-count";
inline constexpr std::string_view Summary = "cache.triton.image/summary";
inline constexpr std::string_view CacheSize = "cache.triton.image/cache-size-bytes";
inline constexpr std::string_view Variant = "cache.triton.image/variant";
inline constexpr std::string_view Metadata = "cache.triton.image/metadata"; ///< thunderbolt multi
inline constexpr std::string_view Title = "org.opencontainers.image.title";
inline constexpr std::string_view Created = "org.opencontainers.image.created";
} // namespace label

/// Media types of the plain (OCI artifact) variant; see docs/spec/plain.md.
namespace plain {
inline constexpr std::string_view ArtifactType = "application/vnd.tb.triton-cache.v1";
inline constexpr std::string_view ConfigType = "application/vnd.tb.triton-cache.config.v1+json";
inline constexpr std::string_view LayerTar = "application/vnd.tb.triton-cache.layer.v1.tar";
inline constexpr std::string_view LayerGzip = "application/vnd.tb.triton-cache.layer.v1.tar+gzip";
inline constexpr std::string_view LayerZstd = "application/vnd.tb.triton-cache.layer.v1.tar+zstd";
} // namespace plain

/// The layer type MCV's artifact fallback reads (not RFC 6838 compliant; read-only alias).
inline constexpr std::string_view McvAliasLayer =
	"application/cache.triton.content.layer.v1+triton";

/// \brief The compression a tar layer media type declares ("none", "gzip", "zstd"), for
/// OCI, Docker, non-distributable, plain and alias types; nullopt for anything else. Readers
/// still sniff the bytes: the declared type is a hint.
std::optional<std::string> tarLayerCompression(std::string_view mediaType);

/// \brief "sm_75" -> "75", "gfx90a:sramecc+:xnack-" -> "gfx90a"; lower-case for hip.
std::string normalizeArch(std::string_view backend, std::string_view arch);
/// \brief Sort and de-duplicate targets (the summary label must be reproducible).
std::vector<CacheTarget> uniqueTargets(std::vector<CacheTarget> targets);

/// \brief `{"targets":[{"backend":..,"arch":..,"warp_size":..}]}`, targets sorted.
std::string summaryJson(const std::vector<CacheTarget> &targets);
Result<std::vector<CacheTarget>> parseSummary(std::string_view json);

/// \brief io.triton.manifest/manifest.json: `{"triton":[...]}`, 2-space indented.
std::string entriesManifestJson(const std::vector<CacheEntry> &entries);
/// \brief Accepts `{"triton":[...]}`, a bare array (tcv) and thunderbolt's metadata label.
Result<std::vector<CacheEntry>> parseEntries(std::string_view json);
/// \brief The compact JSON array of entries (plain config "entries").
std::string entriesArrayJson(const std::vector<CacheEntry> &entries);

/// \brief Serialise a manifest deterministically (fixed key order, compact).
std::string manifestJson(std::string_view mediaType, std::string_view artifactType,
			 const Descriptor &config, const std::vector<Descriptor> &layers,
			 const std::map<std::string, std::string> &annotations);
/// \brief A JSON string literal (quotes and escapes included).
std::string jsonQuote(std::string_view s);

} // namespace tb::support
