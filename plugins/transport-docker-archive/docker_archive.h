// SPDX-License-Identifier: Apache-2.0
// docker-archive (`docker save`) model shared by the reader and the writer.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tb/transport.h>

#include "tbsupport/tar_dir.h"
#include "tbsupport/tar_index.h"

namespace tb::dockerarchive {

/// \brief Docker's normalisation: "x" -> "docker.io/library/x:latest"; digests refused.
/// \return Errc::InvalidArgument
Result<std::string> normaliseDockerRef(std::string_view ref);

/// \brief One element of manifest.json.
struct ArchiveImage {
	std::string config; ///< path inside the archive
	std::vector<std::string> repoTags;
	std::vector<std::string> layers; ///< paths inside the archive
};

/// \return Errc::Corrupt for a malformed manifest.json
Result<std::vector<ArchiveImage>> parseManifestJson(std::string_view bytes);
std::string manifestJson(const ArchiveImage &image);

/// \brief Open image \a ref ("" = the only one) of the archive \a file read as \a tree. An
/// archive holding an OCI layout (Docker >= 25, tb) is read through it, manifest bytes and
/// digests kept; an older one gets a synthesised Docker schema2 manifest over its own files.
Result<std::unique_ptr<ImageSource>> openArchive(std::shared_ptr<const support::FileTree> tree,
						 const std::string &file, std::string_view ref);

/// \brief Open \a image (an element of the archive's manifest.json).
Result<std::unique_ptr<ImageSource>> openImage(std::shared_ptr<const support::FileTree> tree,
					       const std::string &file, const ArchiveImage &image);

/// \brief The images of the archive's manifest.json. \return Errc::Corrupt, Errc::NotFound
Result<std::vector<ArchiveImage>> readManifestJson(const support::FileTree &tree,
						   const std::string &file);

/// \brief Writer of `docker-archive:FILE[:REF]`: an OCI layout plus manifest.json, the format
/// `docker save` uses since Docker 25; blobs are stored as they are (not re-compressed).
Result<std::unique_ptr<ImageDestination>> openWriter(const std::string &file, std::string_view ref,
						     const std::string &tmpDir);

} // namespace tb::dockerarchive
