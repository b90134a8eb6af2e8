// SPDX-License-Identifier: Apache-2.0
// `tb inspect` and `tb images`: what an image is, and what the embedded store holds.
#include <tb/images.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <tb/context.h>

#include "image/reference.h"
#include "image/verify.h"
#include "tbsupport/layout_image.h"
#include "tbsupport/oci_layout.h"
#include "tbsupport/platform.h"

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

// skopeo lists a registry repository's tags; the local equivalents are the store's tags of
// the same name and a docker-archive's tags of the image's repositories. Best effort: a
// listing that fails gives no tags, not a failed inspect.
// \todo docker-archive: list() opens the archive again (unpacking a compressed one a second
// time) and every image in it; the tags are in its manifest.json, which the ImageSource
// interface cannot hand over without a plugin ABI change (tb/transport.h).
std::vector<std::string> repositoryTags(Context &ctx, std::string_view text, const Digest &top)
{
	auto ref = parseImageReference(ctx, text);
	if (!ref)
		return {};
	std::set<std::string, std::less<>> repos, tags;
	Transport *t = nullptr;
	std::string location;
	if (ref->transport.empty()) {
		t = image::storeTransport(ctx);
		location = ctx.paths().storeDir;
		repos.emplace(image::splitRepoTag(ref->location).repository);
	} else if (ref->transport == "docker-archive") {
		t = ctx.transport("docker-archive");
		location = support::splitPathAndTag(ref->location).first;
	}
	if (!t || location.empty())
		return {};
	auto entries = t->list(location);
	if (!entries)
		return {};
	if (repos.empty())
		for (const auto &e : *entries)
			if (e.manifest.digest == top && !e.name.empty())
				repos.emplace(image::splitRepoTag(e.name).repository);
	for (const auto &e : *entries) {
		auto [repo, tag] = image::splitRepoTag(e.name);
		if (!tag.empty() && repos.count(repo))
			tags.emplace(tag);
	}
	return {tags.begin(), tags.end()};
}

} // namespace

Result<ImageInspection> inspectImage(ImageSource &source, std::string_view name,
				     const std::vector<CacheFormat *> &formats,
				     std::string_view platform)
{
	std::string ctx = "image " + std::string(name);
	ImageInspection out;
	if (!platform.empty())
		TB_TRY(support::parsePlatform(platform));
	out.name = std::string(name);
	out.raw = TB_TRY(readTopManifest(source, name));
	RawManifest manifest = out.raw;
	if (support::isIndexType(out.raw.mediaType)) {
		auto index = support::parseImageIndex(out.raw);
		if (!index)
			return unexpected(std::move(index).error().wrap(ctx + ": index"));
		out.indexDigest = support::Sha256::of(out.raw.bytes);
		auto child = support::selectPlatform(*index, platform);
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
		out.hasLabels = cfg->hasLabels;
		out.os = std::move(cfg->os);
		out.architecture = std::move(cfg->architecture);
		out.platformVariant = std::move(cfg->variant);
		out.created = std::move(cfg->created);
		out.dockerVersion = std::move(cfg->dockerVersion);
		out.env = std::move(cfg->env);
	}
	describeCache(out, RawManifest{manifest.bytes, m->mediaType}, config, formats);
	return out;
}

Result<ImageInspection> inspectImage(Context &ctx, std::string_view ref, std::string_view platform)
{
	auto source = TB_TRY(openImageSource(ctx, ref));
	auto out = TB_TRY(inspectImage(*source, ref, ctx.cacheFormats(), platform));
	out.repoTags = repositoryTags(ctx, ref, out.indexDigest.value_or(out.digest));
	return out;
}

Result<RawManifest> readTopManifest(Context &ctx, std::string_view ref)
{
	auto source = TB_TRY(openImageSource(ctx, ref));
	return readTopManifest(*source, ref);
}

Result<std::vector<ImageSummary>> listImages(Context &ctx)
{
	const std::string &store = ctx.paths().storeDir;
	std::vector<ImageSummary> out;
	std::error_code ec;
	if (!std::filesystem::exists(store + "/oci-layout", ec))
		return out;
	if (!image::storeTransport(ctx))
		return err(Errc::Unsupported,
			   "the local store needs the oci transport plugin (transport.oci), "
			   "which is not loaded (see tb plugins ls)");
	// One read of index.json for the whole listing, and one inspection per manifest however
	// many tags name it: linear in the number of tags.
	auto layout = TB_TRY_CTX(support::OciLayout::open(store), "list the local store " + store);
	auto entries = TB_TRY_CTX(layout.entries(), "list the local store " + store);
	auto formats = ctx.cacheFormats();
	std::map<Digest, ImageSummary> seen;
	out.reserve(entries.size());
	for (auto &e : entries) {
		auto it = e.descriptor.annotations.find(std::string(support::RefNameAnnotation));
		std::string name =
			it != e.descriptor.annotations.end() ? it->second : std::string();
		auto known = seen.find(e.descriptor.digest);
		if (known == seen.end()) {
			ImageSummary s;
			s.digest = e.descriptor.digest;
			s.mediaType = e.descriptor.mediaType;
			support::LayoutSource src(layout, e.descriptor);
			std::string shown = name.empty() ? e.descriptor.digest.str() : name;
			auto info = inspectImage(src, shown, formats);
			if (!info) {
				s.error = info.error().message;
			} else {
				s.size = info->size;
				s.variant = info->variant;
				s.targets = info->targets;
				s.entryCount = info->entryCount;
			}
			known = seen.emplace(e.descriptor.digest, std::move(s)).first;
		}
		ImageSummary s = known->second;
		s.name = std::move(name);
		out.push_back(std::move(s));
	}
	std::stable_sort(out.begin(), out.end(),
			 [](const auto &a, const auto &b) { return a.name < b.name; });
	return out;
}

} // namespace tb
