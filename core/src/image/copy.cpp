// SPDX-License-Identifier: Apache-2.0
// `tb copy`: move an image between transports byte for byte, verifying every blob.
#include <tb/images.h>

#include <tb/context.h>

#include "image/copy_blobs.h"
#include "image/verify.h"
#include "tbsupport/platform.h"

namespace tb {

namespace {

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
			    std::string_view image, int jobs, CopyReport &report)
{
	auto m = support::parseImageManifest(raw);
	if (!m)
		return unexpected(
			std::move(m).error().wrap("image " + std::string(image) + ": manifest"));
	std::string config =
		TB_TRY(image::readBlobVerified(src, m->config, image, support::MaxConfigBytes));
	TB_TRY(image::copyBlobs(src, dst, m->layers, image, jobs, report));
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

Result<CopyReport> copyImage(ImageSource &src, ImageDestination &dst, std::string_view image,
			     const CopyOptions &options)
{
	CopyReport report;
	if (!options.platform.empty())
		TB_TRY(support::parsePlatform(options.platform));
	RawManifest top = TB_TRY(readTopManifest(src, image));
	if (support::isImageManifestType(top.mediaType)) {
		TB_TRY(copyImageBlobs(src, dst, top, image, options.jobs, report));
		return commitManifest(dst, top, image, std::move(report));
	}
	auto index = support::parseImageIndex(top);
	if (!index)
		return unexpected(
			std::move(index).error().wrap("image " + std::string(image) + ": index"));
	if (!options.platform.empty() || !dst.acceptsIndex()) {
		auto child = support::selectPlatform(*index, options.platform);
		if (!child)
			return unexpected(
				std::move(child).error().wrap("image " + std::string(image)));
		RawManifest m = TB_TRY(image::readChildManifest(src, child->descriptor, image));
		if (!support::isImageManifestType(m.mediaType))
			return err(Errc::Unsupported,
				   "image " + std::string(image) + ": nested index " +
					   child->descriptor.digest.str() + " is not supported");
		TB_TRY(copyImageBlobs(src, dst, m, image, options.jobs, report));
		report.resolvedIndex = true;
		if (child->platform)
			report.platform = support::platformString(
				support::normalizePlatform(*child->platform));
		return commitManifest(dst, m, image, std::move(report));
	}
	for (const auto &child : index->manifests) {
		RawManifest m = TB_TRY(image::readChildManifest(src, child.descriptor, image));
		if (support::isIndexType(child.descriptor.mediaType))
			return err(Errc::Unsupported,
				   "image " + std::string(image) + ": nested index " +
					   child.descriptor.digest.str() + " is not supported");
		TB_TRY(copyImageBlobs(src, dst, m, image, options.jobs, report));
		TB_TRY(putSmallBlob(dst, child.descriptor, m.bytes, image, report));
	}
	return commitManifest(dst, top, image, std::move(report));
}

Result<CopyReport> copyImage(Context &ctx, std::string_view src, std::string_view dst,
			     const CopyOptions &options)
{
	if (!options.platform.empty())
		TB_TRY(support::parsePlatform(options.platform));
	auto source = TB_TRY(openImageSource(ctx, src));
	auto dest = TB_TRY(openImageDestination(ctx, dst));
	return copyImage(*source, *dest, src, options);
}

} // namespace tb
