// SPDX-License-Identifier: Apache-2.0
// libtb: image references, the embedded local store, verified copy, inspect and list.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tb/cache_format.h>
#include <tb/oci.h>
#include <tb/result.h>
#include <tb/transport.h>

namespace tb {

class Context;

/// \brief Transport names recognised as prefixes even when their plugin is not loaded, so
/// that "docker://x" fails as "transport not available" instead of naming a store image.
const std::vector<std::string> &wellKnownTransports();

/// \brief Split "transport:location". A prefix that is not in \a transports (plus the well
/// known ones) makes the whole text a store reference: transport "", location the store name.
/// \return Errc::InvalidArgument for an empty reference or a bad store name
Result<ImageReference> parseImageReference(std::string_view text,
					   const std::vector<std::string> &transports);
/// \brief Same, with the transports loaded in \a ctx.
Result<ImageReference> parseImageReference(const Context &ctx, std::string_view text);

/// \brief Check and normalise a store name: "name[:tag][@digest]", lower-case path components
/// with an optional registry host; no tag and no digest means ":latest".
/// \return Errc::InvalidArgument naming what is wrong
Result<std::string> normaliseStoreName(std::string_view name);

/// \brief Open a reference for reading (store references go to the oci transport at the store).
/// \return Errc::Unsupported for a transport whose plugin is not loaded; the transport's errors
Result<std::unique_ptr<ImageSource>> openImageSource(Context &ctx, std::string_view ref);
/// \brief Open a reference for writing. Nothing is visible before commit().
Result<std::unique_ptr<ImageDestination>> openImageDestination(Context &ctx, std::string_view ref);

/// \brief Wrap \a inner so that reading it to the end checks size and digest of \a blob.
/// Errors (Errc::Corrupt) name \a image and the blob digest.
/// \return Errc::Unsupported for a digest algorithm tb cannot compute
Result<std::unique_ptr<BlobReader>> verifyingReader(std::unique_ptr<BlobReader> inner,
						    const Descriptor &blob, std::string image);

/// \brief Read the top-level manifest or index of \a source and check it: size cap (4 MiB),
/// JSON, media type present and consistent, not both manifest and index.
Result<RawManifest> readTopManifest(ImageSource &source, std::string_view image);
/// \brief Same, opening the image \a ref (`tb inspect --raw`).
Result<RawManifest> readTopManifest(Context &ctx, std::string_view ref);

struct CopyReport {
	Digest manifestDigest; ///< digest of the manifest (or index) committed
	std::string mediaType;
	/// An index was reduced to one child (a platform was asked for, or the destination
	/// cannot hold an index); \a platform is that child's ("linux/arm64", "" when unknown).
	bool resolvedIndex = false;
	std::string platform;
	int64_t blobsCopied = 0;
	int64_t blobsSkipped = 0; ///< already present at the destination
	int64_t bytesCopied = 0;
};

struct CopyOptions {
	/// "OS/ARCH[/VARIANT]": copy only that platform's image out of an index (an error listing
	/// the index's platforms when it has none). "" = the whole index, or the host platform's
	/// child when the destination cannot hold an index.
	std::string platform;
	/// Blobs copied at once (1 = one after another), when the destination allows concurrent
	/// blob calls (ImageDestination::concurrentBlobs()); transports bound it further.
	int jobs = 4;
};

/// \brief Copy one image: blobs byte for byte (verified while streaming), manifest bytes kept,
/// so digests are kept. An index is copied whole with all children, or reduced to one child
/// (see CopyOptions::platform). Nothing is committed unless every blob verified; when one blob
/// fails, the transfers running beside it stop at their next read and nothing is committed.
Result<CopyReport> copyImage(ImageSource &source, ImageDestination &dest, std::string_view srcName,
			     const CopyOptions &options = {});
/// \brief Same, opening \a src and \a dst as references.
Result<CopyReport> copyImage(Context &ctx, std::string_view src, std::string_view dst,
			     const CopyOptions &options = {});

/// \brief What `tb inspect` shows (the fields of `skopeo inspect`, plus cache facts).
struct ImageInspection {
	std::string name;
	RawManifest raw;                   ///< the top-level manifest or index, bytes as stored
	Digest digest;                     ///< digest of the image manifest described below
	std::optional<Digest> indexDigest; ///< set when \a raw is an index (resolved to a child)
	std::string mediaType;             ///< of the image manifest
	std::string artifactType;
	Descriptor config;
	std::vector<Descriptor> layers;
	std::map<std::string, std::string> annotations; ///< manifest annotations
	std::map<std::string, std::string> labels;      ///< image config labels
	bool hasLabels = false; ///< the config has a Labels object (else skopeo prints null)
	std::string os;
	std::string architecture;
	std::string platformVariant;                 ///< config `variant` ("v8"); skopeo's Variant
	std::string created;                         ///< "" when the config has none
	std::string dockerVersion;                   ///< Docker configs' docker_version, else ""
	std::optional<std::vector<std::string>> env; ///< config Env, when present
	/// Tags the store or archive holds for the image's repository (skopeo lists a registry
	/// repository's tags): the store's NAME:* tags, a docker-archive's RepoTags of that
	/// repository; empty for oci: and oci-archive: layouts, which have no repository names.
	std::vector<std::string> repoTags;
	int64_t size = 0; ///< manifest + config + layers, in bytes
	// From the cache-format plugin with the highest detect() score, when one bids.
	std::string variant; ///< "" when no format recognised the image
	std::vector<CacheTarget> targets;
	std::optional<int64_t> entryCount;
	std::optional<int64_t> cacheSizeBytes;
	std::string cacheError; ///< describe() failed: the image claims a format but is malformed
};

/// \brief Inspect an opened image; \a formats bid on it (may be empty). An index shows the
/// child of \a platform ("OS/ARCH[/VARIANT]", "" = the host's, else the only child).
Result<ImageInspection> inspectImage(ImageSource &source, std::string_view name,
				     const std::vector<CacheFormat *> &formats,
				     std::string_view platform = {});
Result<ImageInspection> inspectImage(Context &ctx, std::string_view ref,
				     std::string_view platform = {});

/// \brief One image of the embedded store (`tb images`).
struct ImageSummary {
	std::string name;
	Digest digest;
	std::string mediaType;
	int64_t size = 0;
	std::string variant;
	std::vector<CacheTarget> targets;
	std::optional<int64_t> entryCount;
	std::string error; ///< set when the image could not be read; the listing goes on
};

/// \brief Every image of the embedded store, sorted by name. An absent store is empty.
/// Reads index.json once and each distinct manifest once (linear in the number of tags).
Result<std::vector<ImageSummary>> listImages(Context &ctx);

/// \brief What `tb rmi` did. Names that failed are in \a errors; the others were removed.
struct RemovalReport {
	std::vector<std::string> untagged; ///< store names removed from the index
	std::vector<Digest> deleted;       ///< manifests no tag uses any more, now deleted
	int64_t bytesFreed = 0;            ///< blobs deleted with them
	std::vector<Error> errors;         ///< one per NAME that could not be removed
};

/// \brief Remove images from the store by name ("name[:tag]", ":latest" by default) or by
/// digest or a unique prefix of its hex ("sha256:3f2a...", "3f2a9c"), then delete the blobs
/// no remaining image uses. A digest tagged more than once needs \a force (all its tags go).
/// Safe against concurrent tb writers: blob collection waits for their commits.
/// \return the report; an Error only when the store itself cannot be used
Result<RemovalReport> removeImages(Context &ctx, const std::vector<std::string> &names,
				   bool force = false);

/// \brief Give store image \a source (a name or digest, as removeImages takes) the name
/// \a target ("name[:tag]"), replacing whatever \a target named. \return the manifest
Result<Descriptor> tagImage(Context &ctx, std::string_view source, std::string_view target);

/// \brief One thing `tb prune` removes (or would remove).
struct PrunedItem {
	enum class Kind { Blob, TempFile };
	Kind kind = Kind::Blob;
	std::string path;
	int64_t bytes = 0;
};

struct PruneReport {
	std::vector<PrunedItem> items;
	int64_t bytes = 0;
	bool dryRun = false;
};

/// \brief Delete the store's blobs no image uses and the temp files of dead tb processes
/// (with \a dryRun only list them). Waits for concurrent writers' commits (up to 60 s).
Result<PruneReport> pruneStore(Context &ctx, bool dryRun);

} // namespace tb
