// SPDX-License-Identifier: Apache-2.0
// `docker://[HOST[:PORT]/]REPO[:TAG][@DIGEST]` with Docker's normalisation rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <tb/oci.h>
#include <tb/result.h>

namespace tb::docker {

struct DockerRef {
	std::string registry;   ///< "docker.io", "127.0.0.1:5000"
	std::string repository; ///< "library/ubuntu"
	std::string tag;        ///< "latest" when neither tag nor digest was given
	std::optional<Digest> digest;

	/// \brief What the manifest is fetched by: the digest when given, else the tag.
	std::string reference() const { return digest ? digest->str() : tag; }
	/// \brief "docker://registry/repo:tag@digest", for messages.
	std::string str() const;
};

/// \brief Parse the location after "docker:" ("//host/repo:tag"). docker.io is the default
/// registry, single-component docker.io names get "library/", no tag and no digest is
/// "latest". \return Errc::InvalidArgument naming what is wrong
Result<DockerRef> parseDockerRef(std::string_view location);

} // namespace tb::docker
