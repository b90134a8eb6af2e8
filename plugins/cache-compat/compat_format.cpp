// SPDX-License-Identifier: Apache-2.0
// cache.compat: Triton caches as ordinary OCI (or Docker schema2) images; liberal reader.
#include <tb/cache_format.h>
#include <tb/host.h>
#include <tb/plugin.h>

#include "tbsupport/cache_meta.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/sha256.h"

namespace tb {

namespace {

using namespace support;

constexpr std::string_view VariantName = "compat";

std::optional<int64_t> labelInt(const std::map<std::string, std::string> &labels,
				std::string_view key)
{
	auto it = labels.find(std::string(key));
	if (it == labels.end())
		return std::nullopt;
	try {
		size_t used = 0;
		int64_t v = std::stoll(it->second, &used);
		if (used == it->second.size() && v >= 0)
			return v;
	} catch (...) {
	}
	return std::nullopt;
}

std::string labelString(const std::map<std::string, std::string> &labels, std::string_view key)
{
	auto it = labels.find(std::string(key));
	return it == labels.end() ? std::string() : it->second;
}

// Thunderbolt's first label set: one kernel, one label per field.
std::optional<CacheEntry> perKeyEntry(const std::map<std::string, std::string> &labels)
{
	std::string backend = labelString(labels, "cache.triton.image/backend");
	std::string arch = labelString(labels, "cache.triton.image/arch");
	if (backend.empty() || arch.empty())
		return std::nullopt;
	CacheEntry e;
	e.hash = labelString(labels, "cache.triton.image/hash");
	e.target = {backend, normalizeArch(backend, arch),
		    static_cast<int>(labelInt(labels, "cache.triton.image/warp-size").value_or(0))};
	if (auto ptx = labelInt(labels, "cache.triton.image/ptx-version"))
		e.ptxVersion = *ptx;
	return e;
}

class CompatFormat : public CacheFormat {
public:
	std::string_view variant() const noexcept override { return VariantName; }

	int detect(const RawManifest &manifest, std::string_view config) const noexcept override
	{
		try {
			auto m = parseImageManifest(manifest);
			if (!m || m->config.mediaType == plain::ConfigType ||
			    m->artifactType == plain::ArtifactType)
				return 0;
			bool tarLayer = false, alias = false;
			for (const auto &l : m->layers) {
				tarLayer = tarLayer || tarLayerCompression(l.mediaType).has_value();
				alias = alias || l.mediaType == McvAliasLayer;
			}
			if (!tarLayer)
				return 0;
			auto a = m->annotations.find(std::string(label::Variant));
			if (a != m->annotations.end() && a->second == VariantName)
				return 100;
			auto c = parseImageConfig(config);
			const auto &labels = c ? c->labels : std::map<std::string, std::string>{};
			if (labels.count(std::string(label::Summary)))
				return 90;
			if (labels.count(std::string(label::Metadata)) || perKeyEntry(labels))
				return 80;
			return alias ? 70 : 10; // unlabelled: extraction looks for io.triton.cache/
		} catch (...) {
			return 0;
		}
	}

	Result<CacheImageInfo> describe(const RawManifest &manifest,
					std::string_view config) const noexcept override
	{
		return guarded("cache.compat", [&] { return describeImpl(manifest, config); });
	}

	Result<PackOutput> pack(const PackInput &in) const noexcept override
	{
		return guarded("cache.compat", [&] { return packImpl(in); });
	}

private:
	Result<CacheImageInfo> describeImpl(const RawManifest &manifest,
					    std::string_view config) const
	{
		auto m = TB_TRY(parseImageManifest(manifest));
		auto c = TB_TRY(parseImageConfig(config));
		CacheImageInfo info;
		info.variant = std::string(VariantName);
		info.labels = c.labels;
		if (!c.diffIds.empty() && c.diffIds.size() != m.layers.size())
			return err(Errc::Corrupt,
				   "config lists " + std::to_string(c.diffIds.size()) +
					   " diff_ids for " + std::to_string(m.layers.size()) +
					   " layers");
		for (size_t i = 0; i < m.layers.size(); ++i) {
			if (!tarLayerCompression(m.layers[i].mediaType))
				continue; // not ours to extract (e.g. an attached SBOM)
			info.contentLayers.push_back(m.layers[i]);
			info.diffIds.push_back(c.diffIds.empty() ? Digest{} : c.diffIds[i]);
		}
		if (auto s = c.labels.find(std::string(label::Summary)); s != c.labels.end()) {
			info.targets = TB_TRY_CTX(parseSummary(s->second),
						  "label " + std::string(label::Summary));
		} else if (auto md = c.labels.find(std::string(label::Metadata));
			   md != c.labels.end()) {
			info.entries = TB_TRY_CTX(parseEntries(md->second),
						  "label " + std::string(label::Metadata));
		} else if (auto e = perKeyEntry(c.labels)) {
			info.entries.push_back(*e);
		}
		if (info.targets.empty()) {
			for (const auto &e : info.entries)
				info.targets.push_back(e.target);
			info.targets = uniqueTargets(std::move(info.targets));
		}
		info.entryCount = labelInt(c.labels, label::EntryCount);
		if (!info.entryCount && !info.entries.empty())
			info.entryCount = static_cast<int64_t>(info.entries.size());
		info.sizeBytes = labelInt(c.labels, label::CacheSize);
		info.title = labelString(c.labels, label::Title);
		if (info.title.empty())
			if (auto t = m.annotations.find(std::string(label::Title));
			    t != m.annotations.end())
				info.title = t->second;
		return info;
	}

	Result<PackOutput> packImpl(const PackInput &in) const
	{
		bool docker = in.dockerMediaTypes;
		const std::string &comp = in.layer.compression;
		if (docker && comp == "zstd")
			return err(Errc::Unsupported,
				   "docker schema2 has no zstd layer type: use gzip, "
				   "none, or OCI media types");
		Descriptor layer = in.layer.blob;
		layer.mediaType = std::string(
			comp == "gzip"   ? (docker ? media::DockerLayerGzip : media::OciLayerGzip)
			: comp == "zstd" ? media::OciLayerZstd
					 : (docker ? media::DockerLayerTar : media::OciLayerTar));
		std::map<std::string, std::string> labels = {
			{std::string(label::EntryCount), std::to_string(in.entries.size())},
			{std::string(label::Summary), summaryJson(in.targets)},
			{std::string(label::CacheSize), std::to_string(in.cacheSizeBytes)},
		};
		if (!in.title.empty())
			labels[std::string(label::Title)] = in.title;
		// Fixed key order and no timestamp unless asked: the digest depends on nothing
		// else.
		std::string cfg = "{";
		if (in.created)
			cfg += "\"created\":" + jsonQuote(*in.created) + ",";
		cfg += "\"architecture\":" +
		       jsonQuote(in.architecture.empty() ? "amd64" : in.architecture) +
		       ",\"os\":\"linux\",\"config\":{\"Labels\":{";
		bool first = true;
		for (const auto &[k, v] : labels) {
			cfg += (first ? "" : ",") + jsonQuote(k) + ":" + jsonQuote(v);
			first = false;
		}
		cfg += "}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" +
		       jsonQuote(in.layer.diffId.str()) + "]},\"history\":[{";
		if (in.created)
			cfg += "\"created\":" + jsonQuote(*in.created) + ",";
		cfg += "\"created_by\":\"tb create --format compat\"}]}";
		PackOutput out;
		out.configBytes = cfg;
		out.config.mediaType = std::string(docker ? media::DockerConfig : media::OciConfig);
		out.config.digest = Sha256::of(cfg);
		out.config.size = static_cast<int64_t>(cfg.size());
		std::map<std::string, std::string> annotations;
		if (!docker) { // schema2 has no annotations
			annotations[std::string(label::Variant)] = std::string(VariantName);
			if (in.created)
				annotations[std::string(label::Created)] = *in.created;
		}
		out.manifest.mediaType =
			std::string(docker ? media::DockerManifest : media::OciManifest);
		out.manifest.bytes =
			manifestJson(out.manifest.mediaType, "", out.config, {layer}, annotations);
		return out;
	}
};

Result<std::unique_ptr<CacheFormat>> createCompat(Host &host, const ConfigView &config)
{
	for (const auto &k : config.unknownKeys({}))
		host.log(LogLevel::Warn, "unknown key '" + k + "' ignored");
	return std::unique_ptr<CacheFormat>(std::make_unique<CompatFormat>());
}

} // namespace

} // namespace tb

TB_PLUGIN(tb::CacheFormat, "compat", "0.1.0", tb::createCompat);
