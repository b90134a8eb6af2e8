// SPDX-License-Identifier: Apache-2.0
// Test cache format "test": a minimal OCI artifact, for loader and conformance tests.
#include <boost/json.hpp>

#include <tb/cache_format.h>
#include <tbsupport/sha256.h>

namespace {

using namespace tb;
namespace json = boost::json;

constexpr std::string_view kArtifactType = "application/vnd.tb.test.cache.v1";
constexpr std::string_view kConfigType = "application/vnd.tb.test.config.v1+json";
constexpr std::string_view kLayerType = "application/vnd.tb.test.layer.v1.tar";

json::object descriptorJson(const Descriptor &d)
{
	return json::object{
		{"mediaType", d.mediaType}, {"digest", d.digest.str()}, {"size", d.size}};
}

class TestFormat final : public CacheFormat {
public:
	std::string_view variant() const noexcept override { return "test"; }

	int detect(const RawManifest &manifest, std::string_view) const noexcept override
	{
		try {
			auto v = json::parse(manifest.bytes);
			const auto *at = v.as_object().if_contains("artifactType");
			return at && at->is_string() && at->as_string() == kArtifactType ? 100 : 0;
		} catch (...) {
			return 0;
		}
	}

	Result<CacheImageInfo> describe(const RawManifest &manifest,
					std::string_view config) const noexcept override
	{
		try {
			auto m = json::parse(manifest.bytes).as_object();
			auto c = json::parse(config).as_object();
			CacheImageInfo info;
			info.variant = "test";
			for (const auto &t : c.at("targets").as_array()) {
				const auto &o = t.as_object();
				info.targets.push_back(CacheTarget{
					json::value_to<std::string>(o.at("backend")),
					json::value_to<std::string>(o.at("arch")),
					static_cast<int>(o.at("warp_size").as_int64())});
			}
			info.entryCount = c.at("entries").as_int64();
			info.sizeBytes = c.at("size").as_int64();
			for (const auto &l : m.at("layers").as_array()) {
				const auto &o = l.as_object();
				Descriptor d;
				d.mediaType = json::value_to<std::string>(o.at("mediaType"));
				auto dg =
					Digest::parse(json::value_to<std::string>(o.at("digest")));
				if (!dg)
					return unexpected(
						std::move(dg).error().wrap("test format: layer"));
				d.digest = *dg;
				d.size = o.at("size").as_int64();
				info.contentLayers.push_back(std::move(d));
			}
			return info;
		} catch (const std::exception &e) {
			return err(Errc::Corrupt,
				   std::string("test format: malformed image: ") + e.what());
		}
	}

	Result<PackOutput> pack(const PackInput &in) const noexcept override
	{
		if (in.dockerMediaTypes)
			return err(Errc::Unsupported,
				   "test format: Docker media types are not supported");
		try {
			json::array targets;
			for (const auto &t : in.targets)
				targets.push_back(json::object{{"backend", t.backend},
							       {"arch", t.arch},
							       {"warp_size", t.warpSize}});
			PackOutput out;
			out.configBytes = json::serialize(
				json::object{{"targets", targets},
					     {"entries", static_cast<int64_t>(in.entries.size())},
					     {"size", in.cacheSizeBytes}});
			out.config.mediaType = kConfigType;
			out.config.digest = support::Sha256::of(out.configBytes);
			out.config.size = static_cast<int64_t>(out.configBytes.size());
			Descriptor layer = in.layer.blob;
			layer.mediaType = kLayerType;
			json::object m{{"schemaVersion", 2},
				       {"mediaType", std::string(media::OciManifest)},
				       {"artifactType", kArtifactType},
				       {"config", descriptorJson(out.config)},
				       {"layers", json::array{descriptorJson(layer)}}};
			out.manifest.bytes = json::serialize(m);
			out.manifest.mediaType = media::OciManifest;
			return out;
		} catch (const std::exception &e) {
			return err(Errc::Internal, std::string("test format: pack: ") + e.what());
		}
	}
};

Result<std::unique_ptr<CacheFormat>> create(Host &, const ConfigView &)
{
	return std::unique_ptr<CacheFormat>(std::make_unique<TestFormat>());
}

} // namespace

TB_PLUGIN(tb::CacheFormat, "test", "1.0.0", create);
