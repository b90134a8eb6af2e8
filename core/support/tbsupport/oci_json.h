// SPDX-License-Identifier: Apache-2.0
// Strict parsing of OCI/Docker manifests, indexes, descriptors and image configs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tb/oci.h>
#include <tb/result.h>

namespace tb::support {

/// Cap on manifest and index bodies (containers/image and oras-go use the same).
inline constexpr size_t MaxManifestBytes = 4u << 20;
/// Cap on a layout's index.json: one entry per tag (~250 bytes), so the local store holds
/// ~250,000 tags. Writers refuse to grow it past this, so a store never becomes unreadable.
inline constexpr size_t MaxLayoutIndexBytes = 64u << 20;
/// Cap on image config blobs read into memory.
inline constexpr size_t MaxConfigBytes = 4u << 20;

bool isImageManifestType(std::string_view mediaType) noexcept;
bool isIndexType(std::string_view mediaType) noexcept;

struct Platform {
	std::string os;
	std::string architecture;
	std::string variant;
};

struct IndexEntry {
	Descriptor descriptor;
	std::optional<Platform> platform;
};

struct ImageManifest {
	std::string mediaType;
	std::string artifactType;
	Descriptor config;
	std::vector<Descriptor> layers;
	std::map<std::string, std::string> annotations;
	std::optional<Descriptor> subject;
};

struct ImageIndex {
	std::string mediaType;
	std::vector<IndexEntry> manifests;
	std::map<std::string, std::string> annotations;
};

/// \brief What the image config says that tb shows (labels, platform, layer diff_ids).
struct ImageConfig {
	std::string os;
	std::string architecture;
	std::string variant; ///< platform variant ("v8"), as skopeo's Variant
	std::string created;
	std::string dockerVersion; ///< Docker configs' docker_version
	std::map<std::string, std::string> labels;
	bool hasLabels = false; ///< config.Labels is an object (skopeo prints null otherwise)
	std::optional<std::vector<std::string>> env; ///< config.Env when it is an array
	std::vector<Digest> diffIds;
};

/// \brief The effective media type of \a m: the declared type and the body's `mediaType` must
/// agree, one of them must be present, and a body may not be both a manifest and an index.
/// \return Errc::LimitExceeded (over 4 MiB), Errc::Corrupt (bad JSON, mismatch, ambiguity),
/// Errc::Unsupported (not a manifest or index type)
Result<std::string> manifestMediaType(const RawManifest &m);

/// \return the errors of manifestMediaType(), and Errc::Corrupt when \a m is an index
Result<ImageManifest> parseImageManifest(const RawManifest &m);
/// \return the errors of manifestMediaType(), and Errc::Corrupt when \a m is not an index
/// \a cap: MaxManifestBytes for an index blob, MaxLayoutIndexBytes for a layout's index.json.
Result<ImageIndex> parseImageIndex(const RawManifest &m, size_t cap = MaxManifestBytes);
/// \return Errc::Corrupt for bad JSON, Errc::LimitExceeded over MaxConfigBytes
Result<ImageConfig> parseImageConfig(std::string_view bytes);

/// \brief The host platform's child, else the only child (tbsupport/platform.h).
/// \return Errc::NotFound listing the platforms when neither exists
Result<IndexEntry> pickPlatform(const ImageIndex &index);

/// \brief Descriptor as compact JSON (mediaType, digest, size, then optional fields).
std::string descriptorJson(const Descriptor &d);

} // namespace tb::support
