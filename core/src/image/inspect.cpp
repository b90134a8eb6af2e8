// SPDX-License-Identifier: Apache-2.0
// `tb inspect` and `tb images`: what an image is, and what the embedded store holds.
#include <tb/images.h>

#include <algorithm>
#include <filesystem>

#include <tb/context.h>

#include "image/verify.h"

namespace tb {

namespace {

// Let every cache format bid; the highest non-zero score describes the image.
void describeCache(ImageInspection &out, const RawManifest &manifest, const std::string &config,
		   const std::vector<CacheFormat *> &formats)
{
	CacheFormat *best = nullptr;
	int bestScore = 0;
	for (CacheFormat *f : formats) {
		int score = f->detect(manifest, config);
		if (score > bestScore) {
			best = f;
			bestScore = score;
		}
	}
	if (!best)
		return;
	auto info = best->describe(manifest, config);
	if (!info) {
		out.variant = std::string(best->variant());
		out.cacheError = info.error().message;
		return;
	}
	out.variant = info->variant.empty() ? std::string(best->variant()) : info->variant;
	out.targets = info->targets;
	out.entryCount = info->entryCount;
	out.cacheSizeBytes = info->sizeBytes;
}

} // namespace

Result<ImageInspection> inspectImage(ImageSource &source, std::string_view name,
				     const std::vector<CacheFormat *> &formats)
{
	std::string ctx = "image " + std::string(name);
	ImageInspection out;
	out.name = std::string(name);
	out.raw = TB_TRY(readTopManifest(source, name));
	RawManifest manifest = out.raw;
	if (support::isIndexType(out.raw.mediaType)) {
		auto index = support::parseImageIndex(out.raw);
		if (!index)
			return unexpected(std::move(index).error().wrap(ctx + ": index"));
		out.indexDigest = support::Sha256::of(out.raw.bytes);
		auto child = support::pickPlatform(*index);
		if (!child)
			return unexpected(std::move(child).error().wrap(ctx));
		manifest = TB_TRY(image::readChildManifest(source, child->descriptor, name));
	}
	auto m = support::parseImageManifest(manifest);
	if (!m)
		return unexpected(std::move(m).error().wrap(ctx + ": manifest"));
	out.digest = support::Sha256::of(manifest.bytes);
	out.mediaType = m->mediaType;
	out.artifactType = m->artifactType;
	out.config = m->config;
	out.layers = m->layers;
	out.annotations = m->annotations;
	out.size = static_cast<int64_t>(manifest.bytes.size()) + m->config.size;
	for (const auto &l : m->layers)
		out.size += l.size;
	std::string config =
		TB_TRY(image::readBlobVerified(source, m->config, name, support::MaxConfigBytes));
	auto cfg = support::parseImageConfig(config);
	bool imageConfig = m->config.mediaType == media::OciConfig ||
			   m->config.mediaType == media::DockerConfig;
	if (!cfg && imageConfig)
		return unexpected(
			std::move(cfg).error().wrap(ctx + ": config " + m->config.digest.str()));
	if (cfg) {
		// An artifact config (plain variant) is not an image config: take only what parses.
		out.labels = std::move(cfg->labels);
		out.os = std::move(cfg->os);
		out.architecture = std::move(cfg->architecture);
		out.created = std::move(cfg->created);
	}
	describeCache(out, RawManifest{manifest.bytes, m->mediaType}, config, formats);
	return out;
}

Result<ImageInspection> inspectImage(Context &ctx, std::string_view ref)
{
	auto source = TB_TRY(openImageSource(ctx, ref));
	return inspectImage(*source, ref, ctx.cacheFormats());
}

Result<std::vector<ImageSummary>> listImages(Context &ctx)
{
	const std::string &store = ctx.paths().storeDir;
	std::vector<ImageSummary> out;
	std::error_code ec;
	if (!std::filesystem::exists(store + "/oci-layout", ec))
		return out;
	Transport *t = ctx.transport("oci");
	if (!t)
		return err(Errc::Unsupported,
			   "the local store needs the oci transport plugin (transport.oci), "
			   "which is not loaded (see tb plugins ls)");
	if (store.find(':') != std::string::npos)
		return err(Errc::InvalidArgument,
			   "store path '" + store + "' contains ':' ([store] path)");
	auto entries = TB_TRY_CTX(t->list(store), "list the local store " + store);
	auto formats = ctx.cacheFormats();
	for (const auto &e : entries) {
		ImageSummary s;
		s.name = e.name;
		s.digest = e.manifest.digest;
		s.mediaType = e.manifest.mediaType;
		std::string ref = e.name.empty() ? "@" + e.manifest.digest.str() : e.name;
		std::string shown = e.name.empty() ? e.manifest.digest.str() : e.name;
		auto src = t->openSource(store + ":" + ref);
		auto info = src ? inspectImage(**src, shown, formats)
				: Result<ImageInspection>(unexpected(std::move(src).error()));
		if (!info) {
			s.error = info.error().message;
		} else {
			s.size = info->size;
			s.variant = info->variant;
			s.targets = info->targets;
			s.entryCount = info->entryCount;
		}
		out.push_back(std::move(s));
	}
	std::stable_sort(out.begin(), out.end(),
			 [](const auto &a, const auto &b) { return a.name < b.name; });
	return out;
}

} // namespace tb
