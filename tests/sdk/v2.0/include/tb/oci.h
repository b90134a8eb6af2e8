// SPDX-License-Identifier: Apache-2.0
// OCI value types shared by transports, cache formats and the core.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tb/result.h>

namespace tb {

namespace media {
inline constexpr std::string_view OciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view OciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view OciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view OciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view OciEmpty = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view DockerManifest =
	"application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view DockerManifestList =
	"application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view DockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view DockerLayerGzip =
	"application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view DockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";
} // namespace media

/// \brief A content digest "algorithm:hex" (sha256 and sha512 are accepted).
struct Digest {
	std::string algorithm; ///< "sha256"
	std::string hex;       ///< lower-case hex, length checked by parse()

	std::string str() const { return algorithm + ":" + hex; }
	bool empty() const { return hex.empty(); }
	bool operator==(const Digest &) const = default;
	auto operator<=>(const Digest &) const = default;

	/// \return Errc::InvalidArgument when \a text is not a well-formed digest
	static Result<Digest> parse(std::string_view text)
	{
		auto colon = text.find(':');
		if (colon == std::string_view::npos)
			return err(Errc::InvalidArgument,
				   "digest '" + std::string(text) + "': missing ':'");
		std::string alg(text.substr(0, colon));
		std::string hex(text.substr(colon + 1));
		size_t want = alg == "sha256" ? 64 : alg == "sha512" ? 128 : 0;
		if (want == 0)
			return err(Errc::Unsupported, "digest '" + std::string(text) +
							      "': unsupported algorithm '" + alg +
							      "'");
		if (hex.size() != want)
			return err(Errc::InvalidArgument,
				   "digest '" + std::string(text) + "': wrong length");
		for (char c : hex)
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
				return err(Errc::InvalidArgument, "digest '" + std::string(text) +
									  "': not lower-case hex");
		return Digest{std::move(alg), std::move(hex)};
	}
};

/// \brief An OCI content descriptor.
struct Descriptor {
	std::string mediaType;
	Digest digest;
	int64_t size = 0;
	std::map<std::string, std::string> annotations;
	std::string artifactType;
	std::vector<std::string> urls;
};

/// \brief A manifest (or index) exactly as stored: its digest is the digest of these bytes.
struct RawManifest {
	std::string bytes;
	std::string mediaType;
};

/// \brief A parsed image reference "transport:location", e.g. "oci:/srv/layout:v1".
/// A bare "name:tag" has transport "" and means the embedded local store.
struct ImageReference {
	std::string transport; ///< "oci", "oci-archive", "docker-archive", "docker", "" (store)
	std::string location;  ///< transport-specific: path[:tag], //registry/repo:tag, name:tag
	std::string str() const
	{
		return transport.empty() ? location : transport + ":" + location;
	}
};

} // namespace tb
