// SPDX-License-Identifier: Apache-2.0
// Verified reads from an ImageSource: blobs checked against descriptors, child manifests.
#include "image/verify.h"

#include <cstdint>

#include <tb/images.h>

namespace tb {

namespace image {

Result<size_t> VerifyingReader::fail(Errc code, const std::string &why)
{
	failure_ = Error{code, "image " + image_ + ": blob " + blob_.digest.str() + ": " + why};
	return unexpected(*failure_);
}

Result<size_t> VerifyingReader::read(void *buffer, size_t size) noexcept
{
	if (failure_)
		return unexpected(*failure_);
	if (done_)
		return size_t(0);
	auto n = inner_->read(buffer, size);
	if (!n)
		return fail(n.error().code, "read: " + n.error().message);
	if (*n == 0) {
		if (seen_ != blob_.size)
			return fail(Errc::Corrupt, "truncated: " + std::to_string(seen_) + " of " +
							   std::to_string(blob_.size) + " bytes");
		Digest got = hash_.finish();
		if (got != blob_.digest)
			return fail(Errc::Corrupt,
				    "digest mismatch (content is " + got.str() + ")");
		done_ = true;
		return size_t(0);
	}
	seen_ += static_cast<int64_t>(*n);
	if (seen_ > blob_.size)
		return fail(Errc::Corrupt, "size mismatch: more than the " +
						   std::to_string(blob_.size) +
						   " bytes its descriptor says");
	hash_.update(buffer, *n);
	return *n;
}

Result<std::string> readBlobVerified(ImageSource &source, const Descriptor &blob,
				     std::string_view image, size_t cap)
{
	std::string ctx = "image " + std::string(image) + ": blob " + blob.digest.str();
	if (blob.size < 0 || static_cast<uint64_t>(blob.size) > cap)
		return err(Errc::LimitExceeded, ctx + ": " + std::to_string(blob.size) +
							" bytes, over the " + std::to_string(cap) +
							" byte limit");
	auto inner = TB_TRY_CTX(source.openBlob(blob), "image " + std::string(image));
	auto reader = TB_TRY(verifyingReader(std::move(inner), blob, std::string(image)));
	std::string out;
	out.reserve(static_cast<size_t>(blob.size));
	// No cap here: the verifying reader fails on a single byte past blob.size.
	TB_TRY(support::readAll(*reader, out, SIZE_MAX));
	return out;
}

Result<RawManifest> readChildManifest(ImageSource &source, const Descriptor &child,
				      std::string_view image)
{
	std::string ctx = "image " + std::string(image) + ": manifest " + child.digest.str();
	if (child.size > static_cast<int64_t>(support::MaxManifestBytes))
		return err(Errc::LimitExceeded,
			   ctx + ": " + std::to_string(child.size) + " bytes, over the " +
				   std::to_string(support::MaxManifestBytes) + " byte limit");
	RawManifest m = TB_TRY_CTX(source.manifest(child.digest), ctx);
	if (static_cast<int64_t>(m.bytes.size()) != child.size)
		return err(Errc::Corrupt,
			   ctx + ": size mismatch: " + std::to_string(m.bytes.size()) +
				   " bytes, its descriptor says " + std::to_string(child.size));
	if (child.digest.algorithm == "sha256" && support::Sha256::of(m.bytes) != child.digest)
		return err(Errc::Corrupt, ctx + ": digest mismatch");
	m.mediaType = child.mediaType;
	return m;
}

} // namespace image

Result<std::unique_ptr<BlobReader>> verifyingReader(std::unique_ptr<BlobReader> inner,
						    const Descriptor &blob, std::string image)
{
	if (blob.digest.algorithm != "sha256")
		return err(Errc::Unsupported, "image " + image + ": blob " + blob.digest.str() +
						      ": cannot verify digest algorithm '" +
						      blob.digest.algorithm + "'");
	return std::unique_ptr<BlobReader>(
		std::make_unique<image::VerifyingReader>(std::move(inner), blob, std::move(image)));
}

Result<RawManifest> readTopManifest(ImageSource &source, std::string_view image)
{
	std::string ctx = "image " + std::string(image);
	RawManifest m = TB_TRY_CTX(source.manifest(std::nullopt), ctx);
	m.mediaType = TB_TRY_CTX(support::manifestMediaType(m), ctx + ": manifest");
	return m;
}

} // namespace tb
