// SPDX-License-Identifier: Apache-2.0
// Open a cache image: police manifest and config, pick the format, match targets to GPUs.
#include <tb/caches.h>
#include <tb/images.h>

#include "cache/cache_internal.h"
#include "tbsupport/cache_meta.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/platform.h"
#include "tbsupport/sha256.h"

namespace tb {

namespace {

// An index (multi-platform or single-entry) is resolved to the child manifest to extract.
Result<RawManifest> resolveManifest(ImageSource &source, RawManifest top, std::string_view platform)
{
	auto type = TB_TRY_CTX(support::manifestMediaType(top), "manifest");
	if (!support::isIndexType(type))
		return top;
	auto index = TB_TRY_CTX(support::parseImageIndex(top), "index");
	auto child = TB_TRY_CTX(support::selectPlatform(index, platform), "index");
	RawManifest m = TB_TRY_CTX(source.manifest(child.descriptor.digest),
				   "manifest " + child.descriptor.digest.str());
	if (m.mediaType.empty())
		m.mediaType = child.descriptor.mediaType;
	if (m.bytes.size() != static_cast<size_t>(child.descriptor.size) ||
	    support::Sha256::of(m.bytes) != child.descriptor.digest)
		return err(Errc::Corrupt, "manifest " + child.descriptor.digest.str() +
						  " does not match its index entry");
	if (support::isIndexType(TB_TRY_CTX(support::manifestMediaType(m), "child manifest")))
		return err(Errc::Unsupported,
			   "nested index: name the platform's manifest by digest");
	return m;
}

// "layer sha256:… has media type 'application/json', …": why nothing could be extracted.
std::string describeLayers(const std::vector<Descriptor> &layers)
{
	if (layers.empty())
		return "the manifest lists no layers";
	std::string out;
	for (const auto &l : layers)
		out += (out.empty() ? "layer " : ", layer ") + l.digest.str() +
		       " has media type '" + l.mediaType + "'";
	return out;
}

} // namespace

Result<CacheImage> openCacheImage(ImageSource &source, std::string_view name,
				  const std::vector<CacheFormat *> &formats,
				  std::string_view platform)
{
	std::string ctx = "image '" + std::string(name) + "'";
	if (!platform.empty())
		TB_TRY(support::parsePlatform(platform));
	CacheImage img;
	img.name = std::string(name);
	RawManifest top = TB_TRY(readTopManifest(source, name));
	img.manifest = TB_TRY_CTX(resolveManifest(source, std::move(top), platform), ctx);
	img.manifestDigest = support::Sha256::of(img.manifest.bytes);
	auto parsed = TB_TRY_CTX(support::parseImageManifest(img.manifest), ctx + ": manifest");
	if (img.manifest.mediaType.empty())
		img.manifest.mediaType = parsed.mediaType;
	if (parsed.config.mediaType.empty())
		return err(Errc::Corrupt, ctx + ": config descriptor has no media type");
	for (size_t i = 0; i < parsed.layers.size(); ++i)
		if (parsed.layers[i].mediaType.empty())
			return err(Errc::Corrupt, ctx + ": layer " + std::to_string(i) + " (" +
							  parsed.layers[i].digest.str() +
							  ") has no media type");
	img.config =
		TB_TRY_CTX(cache::readSmallBlob(source, parsed.config, support::MaxConfigBytes),
			   ctx + ": config");
	int best = 0;
	for (CacheFormat *f : formats) {
		int score = f->detect(img.manifest, img.config);
		if (score > best) {
			best = score;
			img.format = f;
		}
	}
	if (!img.format)
		return err(
			Errc::Unsupported,
			ctx + ": not a Triton cache image: no cache format plugin recognises it (" +
				describeLayers(parsed.layers) + ")");
	img.info = TB_TRY_CTX(img.format->describe(img.manifest, img.config),
			      ctx + " (" + std::string(img.format->variant()) + ")");
	if (img.info.contentLayers.empty())
		return err(Errc::Corrupt, ctx + ": no layer with a tar media type (" +
						  describeLayers(parsed.layers) + ")");
	return img;
}

CompatReport checkCacheCompat(const std::vector<CacheTarget> &targets,
			      const std::vector<GpuDevice> &gpus)
{
	CompatReport r;
	for (const auto &g : gpus) {
		std::string arch = support::normalizeArch(g.backend, g.arch);
		bool ok = false;
		for (const auto &t : targets) {
			// An unknown warp size on either side is no reason to refuse the arch
			// match.
			bool warp = t.warpSize == 0 || g.warpSize == 0 || t.warpSize == g.warpSize;
			ok = ok || (t.backend == g.backend &&
				    support::normalizeArch(t.backend, t.arch) == arch && warp);
		}
		(ok ? r.matching : r.nonMatching).push_back(g);
	}
	return r;
}

} // namespace tb
