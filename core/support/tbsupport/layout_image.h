// SPDX-License-Identifier: Apache-2.0
// ImageSource / ImageDestination over an OCI layout, shared by the oci and archive transports.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <tb/transport.h>

#include "tbsupport/oci_layout.h"

namespace tb::support {

/// \brief Reads one image (the index.json entry \a top) of a layout.
class LayoutSource : public ImageSource {
public:
	LayoutSource(OciLayout layout, Descriptor top)
	    : layout_(std::move(layout)), top_(std::move(top))
	{
	}
	/// \brief Open "DIR[:TAG]"; \a label names the layout in messages ("" = "layout DIR").
	static Result<std::unique_ptr<LayoutSource>>
	open(const std::string &dir, std::string_view tag, std::string label = {});
	/// \brief Open image \a tag of the layout held in \a tree (an archive read in place).
	static Result<std::unique_ptr<LayoutSource>> open(std::shared_ptr<const FileTree> tree,
							  std::string_view tag, std::string label);

	Result<RawManifest> manifest(const std::optional<Digest> &instance) noexcept override;
	Result<std::unique_ptr<BlobReader>> openBlob(const Descriptor &blob) noexcept override;

private:
	OciLayout layout_;
	Descriptor top_;
};

/// \brief Writes one image into a layout. Blobs are verified into temp files inside the
/// directory and only become blobs at commit(), with the index update: without commit() the
/// directory is left exactly as it was (a directory this object created is removed again).
class LayoutDestination : public ImageDestination {
public:
	/// \brief Prepare writing "DIR[:TAG]" (validates the tag; creates nothing yet).
	static Result<std::unique_ptr<LayoutDestination>> create(std::string dir, std::string tag);
	~LayoutDestination() override;

	Result<bool> hasBlob(const Descriptor &blob) noexcept override;
	Result<void> putBlob(const Descriptor &blob, BlobReader &data) noexcept override;
	Result<void> putManifest(const RawManifest &manifest) noexcept override;
	Result<void> commit() noexcept override;
	/// \brief Blobs are staged in their own temp files: any number at once.
	bool concurrentBlobs() const noexcept override { return true; }
	/// \brief A temp file in the layout root that adopt() stages like a verified blob.
	Result<std::unique_ptr<BlobFile>> createBlobFile() noexcept override;

	/// \brief Add an annotation to the index.json entry commit() writes.
	void annotate(std::string key, std::string value)
	{
		extra_[std::move(key)] = std::move(value);
	}
	/// \brief The descriptor putManifest() stored, if any.
	const std::optional<Descriptor> &manifestDescriptor() const noexcept { return manifest_; }

private:
	LayoutDestination(std::string dir, std::string tag)
	    : dir_(std::move(dir)), tag_(std::move(tag))
	{
	}
	Result<void> prepareDir();
	Result<void> stage(const Descriptor &blob, BlobReader &data);
	friend class LayoutBlobFile;
	Result<void> adoptStaged(StagedBlob staged, const Descriptor &blob);
	Result<void> commitImpl();
	void abandon() noexcept;

	std::mutex mutex_; ///< guards the members below against concurrent putBlob()s
	std::string dir_;
	std::string tag_;
	bool dirReady_ = false;
	std::string topCreated_; ///< the outermost directory we created, "" when it existed
	std::map<Digest, StagedBlob> staged_; ///< verified temp files, by digest
	std::optional<Descriptor> manifest_;
	std::map<std::string, std::string> extra_;
	bool committed_ = false;
	/// Shared lock on blobs/ from the first blob found there to commit(): collecting blobs
	/// (tb rmi, tb prune) cannot take one this image will rely on.
	std::optional<LayoutLock> blobsLock_;
	Result<void> holdBlobs();
};

/// \brief Run \a f, turning an escaping exception into Errc::Internal (plugin boundaries).
/// Like tb::guarded, but keeps the transports' "unknown exception" wording.
template<typename F>
auto guard(const char *what, F &&f) noexcept -> decltype(f())
{
	try {
		return f();
	} catch (...) {
		return err(Errc::Internal,
			   detail::describeCurrentException(what, std::string(what) +
									  ": unknown exception"));
	}
}

} // namespace tb::support
