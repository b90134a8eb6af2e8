// SPDX-License-Identifier: Apache-2.0
// cache.plain: Triton caches as an OCI artifact with its own config and layer types.
#include <boost/json.hpp>

#include <tb/cache_format.h>
#include <tb/host.h>
#include <tb/plugin.h>

#include "tbsupport/cache_meta.h"
#include "tbsupport/json_fields.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/sha256.h"

namespace tb {

namespace {

using namespace support;
namespace json = boost::json;

constexpr std::string_view VariantName = "plain";

bool isPlainLayer(std::string_view t)
{
	return t == plain::LayerTar || t == plain::LayerGzip || t == plain::LayerZstd;
}

class PlainFormat : public CacheFormat {
public:
	std::string_view variant() const noexcept override { return VariantName; }

	int detect(const RawManifest &manifest, std::string_view) const noexcept override
	{
		try {
			auto m = parseImageManifest(manifest);
			if (!m)
				return 0;
			if (m->config.mediaType == plain::ConfigType ||
			    m->artifactType == plain::ArtifactType)
				return 100;
			for (const auto &l : m->layers)
				if (isPlainLayer(l.mediaType))
					return 90;
			return 0;
		} catch (...) {
			return 0;
		}
	}

	Result<CacheImageInfo> describe(const RawManifest &manifest,
					std::string_view config) const noexcept override
	{
		return guarded("cache.plain", [&] { return describeImpl(manifest, config); });
	}

	Result<PackOutput> pack(const PackInput &in) const noexcept override
	{
		return guarded("cache.plain", [&] { return packImpl(in); });
	}

private:
	Result<CacheImageInfo> describeImpl(const RawManifest &manifest,
					    std::string_view config) const
	{
		auto m = TB_TRY(parseImageManifest(manifest));
		if (config.size() > MaxConfigBytes)
			return err(Errc::LimitExceeded, "config over 4 MiB");
		CacheImageInfo info;
		info.variant = std::string(VariantName);
		info.labels = m.annotations;
		json::value v = TB_TRY_CTX(parseJson(config), "config");
		const json::object *o = v.if_object();
		if (!o)
			return err(Errc::Corrupt, "config is not a JSON object");
		if (auto type = stringField(*o, "type"); type && *type != "triton")
			return err(Errc::Unsupported,
				   "config type '" + *type + "' (tb reads \"triton\")");
		if (const json::value *s = o->if_contains("summary"))
			info.targets =
				TB_TRY_CTX(parseSummary(json::serialize(*s)), "config summary");
		if (const json::value *e = o->if_contains("entries"))
			info.entries =
				TB_TRY_CTX(parseEntries(json::serialize(*e)), "config entries");
		if (info.targets.empty()) {
			for (const auto &e : info.entries)
				info.targets.push_back(e.target);
			info.targets = uniqueTargets(std::move(info.targets));
		}
		info.entryCount = intField(*o, "entryCount");
		info.sizeBytes = intField(*o, "cacheSizeBytes");
		std::vector<Digest> diffIds;
		if (const json::value *d = o->if_contains("diffIds"); d && d->is_array())
			for (const auto &id : d->get_array()) {
				if (!id.is_string())
					return err(Errc::Corrupt, "config diffIds: not a string");
				diffIds.push_back(TB_TRY_CTX(Digest::parse(id.get_string()),
							     "config diffIds"));
			}
		for (const auto &l : m.layers)
			if (isPlainLayer(l.mediaType) || l.mediaType == McvAliasLayer ||
			    tarLayerCompression(l.mediaType))
				info.contentLayers.push_back(l);
		if (!diffIds.empty() && diffIds.size() != info.contentLayers.size())
			return err(Errc::Corrupt,
				   "config lists " + std::to_string(diffIds.size()) +
					   " diffIds for " +
					   std::to_string(info.contentLayers.size()) +
					   " content layers");
		info.diffIds =
			diffIds.empty() ? std::vector<Digest>(info.contentLayers.size()) : diffIds;
		if (auto t = m.annotations.find(std::string(label::Title));
		    t != m.annotations.end())
			info.title = t->second;
		return info;
	}

	Result<PackOutput> packImpl(const PackInput &in) const
	{
		if (in.dockerMediaTypes)
			return err(Errc::Unsupported,
				   "plain images are OCI artifacts: --docker applies "
				   "to --format compat only");
		const std::string &comp = in.layer.compression;
		Descriptor layer = in.layer.blob;
		layer.mediaType = std::string(comp == "gzip"   ? plain::LayerGzip
					      : comp == "zstd" ? plain::LayerZstd
							       : plain::LayerTar);
		layer.annotations[std::string(label::Title)] =
			std::string("io.triton.cache.tar") + (comp == "gzip"   ? ".gz"
							      : comp == "zstd" ? ".zst"
									       : "");
		std::string summary = summaryJson(in.targets);
		std::string cfg = "{\"type\":\"triton\",\"layout\":\"io.triton.cache/\"";
		cfg += ",\"summary\":" + summary;
		cfg += ",\"entryCount\":" + std::to_string(in.entries.size());
		cfg += ",\"cacheSizeBytes\":" + std::to_string(in.cacheSizeBytes);
		cfg += ",\"entries\":" + entriesArrayJson(in.entries);
		cfg += ",\"diffIds\":[" + jsonQuote(in.layer.diffId.str()) + "]";
		if (!in.architecture.empty())
			cfg += ",\"architecture\":" + jsonQuote(in.architecture);
		if (in.created)
			cfg += ",\"created\":" + jsonQuote(*in.created);
		cfg += "}";
		PackOutput out;
		out.configBytes = cfg;
		out.config.mediaType = std::string(plain::ConfigType);
		out.config.digest = Sha256::of(cfg);
		out.config.size = static_cast<int64_t>(cfg.size());
		// Copies of the facts as annotations: visible with `skopeo inspect --raw`, and to
		// registries' referrers listings, without fetching the config.
		std::map<std::string, std::string> annotations = {
			{std::string(label::Variant), std::string(VariantName)},
			{std::string(label::Summary), summary},
			{std::string(label::EntryCount), std::to_string(in.entries.size())},
			{std::string(label::CacheSize), std::to_string(in.cacheSizeBytes)},
		};
		if (!in.title.empty())
			annotations[std::string(label::Title)] = in.title;
		if (in.created)
			annotations[std::string(label::Created)] = *in.created;
		out.manifest.mediaType = std::string(media::OciManifest);
		out.manifest.bytes = manifestJson(out.manifest.mediaType, plain::ArtifactType,
						  out.config, {layer}, annotations);
		return out;
	}
};

Result<std::unique_ptr<CacheFormat>> createPlain(Host &host, const ConfigView &config)
{
	for (const auto &k : config.unknownKeys({}))
		host.log(LogLevel::Warn, "unknown key '" + k + "' ignored");
	return std::unique_ptr<CacheFormat>(std::make_unique<PlainFormat>());
}

} // namespace

} // namespace tb

TB_PLUGIN(tb::CacheFormat, "plain", "0.1.0", tb::createPlain);
