// SPDX-License-Identifier: Apache-2.0
// Verified reads from an ImageSource: blobs checked against descriptors, child manifests.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <tb/transport.h>

#include "tbsupport/blob_file.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/sha256.h"

namespace tb::image {

/// \brief Streams a blob, checking size on the way and digest at the end. Remembers its
/// failure so callers can report it instead of the consumer's wrapped version.
class VerifyingReader : public BlobReader {
public:
	VerifyingReader(std::unique_ptr<BlobReader> inner, Descriptor blob, std::string image)
	    : inner_(std::move(inner)), blob_(std::move(blob)), image_(std::move(image))
	{
	}
	Result<size_t> read(void *buffer, size_t size) noexcept override;
	const std::optional<Error> &failure() const noexcept { return failure_; }

private:
	Result<size_t> fail(Errc code, const std::string &why);

	std::unique_ptr<BlobReader> inner_;
	Descriptor blob_;
	std::string image_;
	support::Sha256 hash_;
	int64_t seen_ = 0;
	bool done_ = false;
	std::optional<Error> failure_;
};

/// \brief Read a small blob (config) fully, verified, refusing more than \a cap bytes.
Result<std::string> readBlobVerified(ImageSource &source, const Descriptor &blob,
				     std::string_view image, size_t cap);

/// \brief Fetch the child manifest \a child of an index and check its digest and size.
Result<RawManifest> readChildManifest(ImageSource &source, const Descriptor &child,
				      std::string_view image);

} // namespace tb::image
