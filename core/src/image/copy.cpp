// SPDX-License-Identifier: Apache-2.0
// `tb copy`: move an image between transports byte for byte, verifying every blob.
#include <tb/images.h>

#include <tb/context.h>

#include "image/verify.h"

namespace tb {

namespace {

// Copy one blob unless the destination has it; errors name the image and the blob.
Result<void> copyBlob(ImageSource &src, ImageDestination &dst, const Descriptor &blob,
		      std::string_view image, CopyReport &report)
{
	std::string ctx = "image " + std::string(image) + ": blob " + blob.digest.str();
	if (TB_TRY_CTX(dst.hasBlob(blob), ctx)) {
		++report.blobsSkipped;
		return {};
	}
	// Transports name the blob in their errors already.
	auto inner = TB_TRY_CTX(src.openBlob(blob), "image " + std::string(image));
	image::VerifyingReader reader(std::move(inner), blob, std::string(image));
	if (blob.digest.algorithm != "sha256")
		return err(Errc::Unsupported, ctx + ": cannot verify digest algorithm '" +
						      blob.digest.algorithm + "'");
	auto put = dst.putBlob(blob, reader);
	if (!put) {
		// The source's fault reads better than the destination's wrapping of it.
		if (reader.failure())
			return unexpected(*reader.failure());
		return unexpected(std::move(put).error().wrap(ctx));
	}
	++report.blobsCopied;
	report.bytesCopied += blob.size;
	return {};
}

Result<void> putSmallBlob(ImageDestination &dst, const Descriptor &blob, std::string_view bytes,
			  std::string_view image, CopyReport &report)
{
	std::string ctx = "image " + std::string(image) + ": blob " + blob.digest.str();
	if (TB_TRY_CTX(dst.hasBlob(blob), ctx)) {
		++report.blobsSkipped;
		return {};
	}
	support::StringReader reader(bytes);
	TB_TRY_CTX(dst.putBlob(blob, reader), ctx);
	++report.blobsCopied;
	report.bytesCopied += blob.size;
	return {};
}

// Config first (small, verified in memory before anything is written), then layers.
Result<void> copyImageBlobs(ImageSource &src, ImageDestination &dst, const RawManifest &raw,
			    std::string_view image, CopyReport &report)
{
	auto m = support::parseImageManifest(raw);
	if (!m)
		return unexpected(
			std::move(m).error().wrap("image " + std::string(image) + ": manifest"));
	std::string config =
		TB_TRY(image::readBlobVerified(src, m->config, image, support::MaxConfigBytes));
	for (const auto &layer : m->layers)
		TB_TRY(copyBlob(src, dst, layer, image, report));
	return putSmallBlob(dst, m->config, config, image, report);
}

Result<CopyReport> commitManifest(ImageDestination &dst, const RawManifest &m,
				  std::string_view image, CopyReport report)
{
	std::string ctx = "image " + std::string(image);
	TB_TRY_CTX(dst.putManifest(m), ctx + ": write manifest");
	TB_TRY_CTX(dst.commit(), ctx + ": commit");
	report.manifestDigest = support::Sha256::of(m.bytes);
	report.mediaType = m.mediaType;
	return report;
}

} // namespace

Result<CopyReport> copyImage(ImageSource &src, ImageDestination &dst, std::string_view image)
{
	CopyReport report;
	RawManifest top = TB_TRY(readTopManifest(src, image));
	if (support::isImageManifestType(top.mediaType)) {
		TB_TRY(copyImageBlobs(src, dst, top, image, report));
		return commitManifest(dst, top, image, std::move(report));
	}
	auto index = support::parseImageIndex(top);
	if (!index)
		return unexpected(
			std::move(index).error().wrap("image " + std::string(image) + ": index"));
	if (!dst.acceptsIndex()) {
		auto child = support::pickPlatform(*index);
		if (!child)
			return unexpected(
				std::move(child).error().wrap("image " + std::string(image)));
		RawManifest m = TB_TRY(image::readChildManifest(src, child->descriptor, image));
		TB_TRY(copyImageBlobs(src, dst, m, image, report));
		report.resolvedIndex = true;
		return commitManifest(dst, m, image, std::move(report));
	}
	for (const auto &child : index->manifests) {
		RawManifest m = TB_TRY(image::readChildManifest(src, child.descriptor, image));
		if (support::isIndexType(child.descriptor.mediaType))
			return err(Errc::Unsupported,
				   "image " + std::string(image) + ": nested index " +
					   child.descriptor.digest.str() + " is not supported");
		TB_TRY(copyImageBlobs(src, dst, m, image, report));
		TB_TRY(putSmallBlob(dst, child.descriptor, m.bytes, image, report));
	}
	return commitManifest(dst, top, image, std::move(report));
}

Result<CopyReport> copyImage(Context &ctx, std::string_view src, std::string_view dst)
{
	auto source = TB_TRY(openImageSource(ctx, src));
	auto dest = TB_TRY(openImageDestination(ctx, dst));
	return copyImage(*source, *dest, src);
}

} // namespace tb
