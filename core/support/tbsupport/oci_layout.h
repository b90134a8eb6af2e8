// SPDX-License-Identifier: Apache-2.0
// An OCI image layout directory: verified blob reads, atomic blob writes, locked index updates.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include <tb/oci.h>
#include <tb/result.h>
#include <tb/transport.h>

#include "tbsupport/blob_file.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/tar_index.h"

namespace tb::support {

/// Our temp files in a layout's root directory start with this (".tb-blob-<pid>-...").
inline constexpr std::string_view LayoutTempPrefix = ".tb-";

/// Annotation holding the tag of an index.json entry.
inline constexpr std::string_view RefNameAnnotation = "org.opencontainers.image.ref.name";

/// \brief Check that \a tag is usable as an index.json ref.name (what skopeo accepts).
Result<void> validateLayoutTag(std::string_view tag);

/// \brief Split "DIR[:TAG]" at the first ':' (skopeo's rule: DIR cannot hold a ':').
std::pair<std::string, std::string> splitPathAndTag(std::string_view location);

class OciLayout {
public:
	/// \return Errc::NotFound when \a dir is no OCI layout, Errc::Corrupt for a bad oci-layout
	static Result<OciLayout> open(std::string dir);
	/// \brief Read-only layout over \a tree (an archive read in place); \a label names it.
	static Result<OciLayout> open(std::shared_ptr<const FileTree> tree, std::string label);
	/// \brief Open, creating the directory, oci-layout, blobs/sha256 and index.json as needed.
	static Result<OciLayout> openOrCreate(std::string dir);

	const std::string &dir() const noexcept { return dir_; }
	/// \brief How messages name this layout ("layout DIR"; archives name their file instead).
	std::string where() const { return label_.empty() ? "layout " + dir_ : label_; }
	void setLabel(std::string label) { label_ = std::move(label); }
	std::string blobPath(const Digest &d) const;
	/// \return the size of the stored blob \a d; Errc::NotFound naming the layout
	Result<int64_t> blobSize(const Digest &d) const;

	/// \brief Every entry of index.json.
	Result<std::vector<IndexEntry>> entries() const;
	/// \brief The entry tagged \a tag; with "" the only entry. "name@sha256:..." matches by
	/// digest. \return Errc::NotFound, Errc::InvalidArgument when "" is ambiguous
	Result<Descriptor> resolve(std::string_view tag) const;

	Result<bool> hasBlob(const Descriptor &d) const;
	/// \brief Open a blob whose file size equals the descriptor's (contents unchecked).
	Result<std::unique_ptr<BlobReader>> openBlob(const Descriptor &d) const;
	/// \brief Read a small blob (manifest, config) fully and verify digest and size.
	Result<std::string> readBlob(const Descriptor &d, size_t cap) const;

	// Writing needs a directory (not an archive tree): Errc::Unsupported otherwise.
	/// \brief Stream \a data into blobs/, verifying digest and size; atomic (temp + rename).
	/// \return Errc::Corrupt on mismatch (nothing is left behind), Errc::Io
	Result<void> putBlob(const Descriptor &d, BlobReader &data) const;
	Result<void> putBlobBytes(const Descriptor &d, std::string_view bytes) const;
	/// \brief Move a file made by stageBlob() into blobs/ (atomic rename).
	Result<void> adoptBlob(StagedBlob &staged, const Digest &d) const;

	/// \brief Under the layout lock, point \a tag at \a manifest in index.json (replacing an
	/// entry with the same tag; with "" an untagged entry of the same digest); atomic rewrite.
	Result<void> setTag(std::string_view tag, const Descriptor &manifest) const;

	// Store management (layout_gc.cpp).
	/// \brief The lock writers share from their first blob check to their commit, and blob
	/// collection takes alone: a flock on blobs/, so no lock file is left in the layout.
	/// \return Errc::Conflict after \a timeoutMs
	Result<LayoutLock> lockBlobs(bool exclusive, int timeoutMs = 60000) const;
	/// \brief Under the layout lock, \a keep says for each index.json entry whether it stays;
	/// index.json is rewritten (entries and fields kept as they were) when one goes.
	Result<void>
	filterIndex(const std::function<std::vector<bool>(const std::vector<IndexEntry> &)> &keep)
		const;
	/// \brief Every blob the images of index.json use: manifests, configs, layers, the children
	/// of indexes. \return Errc::Corrupt naming an image whose manifest cannot be read (its
	/// blobs cannot be told apart from garbage)
	Result<std::set<Digest>> referencedBlobs() const;
	/// \brief The sha256 blobs stored, with their sizes.
	Result<std::vector<std::pair<Digest, int64_t>>> storedBlobs() const;

private:
	OciLayout(std::string dir, std::shared_ptr<const FileTree> tree)
	    : dir_(std::move(dir)), tree_(std::move(tree))
	{
	}
	static Result<void> checkLayoutFile(const FileTree &tree, const std::string &what);
	static Result<void> writeIndex(const std::string &path, const boost::json::value &index);
	Result<void> writable() const;
	std::string dir_; ///< "" for a read-only tree
	std::shared_ptr<const FileTree> tree_;
	std::string label_;
};

/// \brief True when \a dir holds nothing but our temp files (".tb-*").
bool isEmptyLayoutDir(const std::string &dir);

} // namespace tb::support
