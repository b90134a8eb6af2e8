// SPDX-License-Identifier: Apache-2.0
// Conformance suite for cache-format plugins: what a format packs it detects and describes
// back, its manifest references exactly the blobs it was given, and garbage is refused.
#include <boost/json.hpp>

#include <tb/cache_format.h>
#include <tbsupport/sha256.h>

#include "conformance.h"

namespace tb::conformance {
namespace {

namespace json = boost::json;

PackInput sampleInput()
{
	PackInput in;
	CacheEntry a;
	a.hash = "0d3b5d4f7b3c";
	a.target = {"cuda", "75", 32};
	a.numWarps = 4;
	CacheEntry b;
	b.hash = "9a8b7c6d5e4f";
	b.target = {"hip", "gfx90a", 64};
	in.entries = {a, b};
	in.targets = {a.target, b.target};
	in.cacheSizeBytes = 123456;
	std::string layerBytes = "not really a tar, but digests are all a format may look at";
	in.layer.blob.digest = support::Sha256::of(layerBytes + "gz");
	in.layer.blob.size = 4242;
	in.layer.diffId = support::Sha256::of(layerBytes);
	in.layer.compression = "gzip";
	in.title = "conformance";
	in.architecture = "amd64";
	in.manifestJson = R"({"triton":[]})";
	return in;
}

class CacheFormatSuite : public ::testing::TestWithParam<std::string> {
protected:
	void SetUp() override
	{
		ctx_ = openContext();
		ASSERT_TRUE(ctx_);
		f_ = ctx_->cacheFormat(GetParam());
		ASSERT_NE(f_, nullptr);
	}
	std::unique_ptr<Context> ctx_;
	CacheFormat *f_ = nullptr;
};

TEST_P(CacheFormatSuite, VariantIsNamed)
{
	EXPECT_FALSE(f_->variant().empty());
}

TEST_P(CacheFormatSuite, PackedManifestReferencesConfigAndLayer)
{
	PackInput in = sampleInput();
	auto out = f_->pack(in);
	ASSERT_TRUE(out) << out.error().message;
	EXPECT_EQ(out->config.digest, support::Sha256::of(out->configBytes));
	EXPECT_EQ(out->config.size, static_cast<int64_t>(out->configBytes.size()));
	EXPECT_FALSE(out->manifest.mediaType.empty());

	json::object m = json::parse(out->manifest.bytes).as_object();
	EXPECT_EQ(m.at("schemaVersion").as_int64(), 2);
	EXPECT_EQ(json::value_to<std::string>(m.at("config").as_object().at("digest")),
		  out->config.digest.str());
	bool found = false;
	for (const auto &l : m.at("layers").as_array()) {
		const auto &o = l.as_object();
		if (json::value_to<std::string>(o.at("digest")) == in.layer.blob.digest.str()) {
			found = true;
			EXPECT_EQ(o.at("size").as_int64(), in.layer.blob.size);
			EXPECT_FALSE(json::value_to<std::string>(o.at("mediaType")).empty());
		}
	}
	EXPECT_TRUE(found) << out->manifest.bytes;
}

TEST_P(CacheFormatSuite, DescribesWhatItPacked)
{
	PackInput in = sampleInput();
	auto out = f_->pack(in);
	ASSERT_TRUE(out) << out.error().message;
	EXPECT_GT(f_->detect(out->manifest, out->configBytes), 0);
	auto info = f_->describe(out->manifest, out->configBytes);
	ASSERT_TRUE(info) << info.error().message;
	EXPECT_EQ(info->variant, f_->variant());
	EXPECT_EQ(info->targets, in.targets);
	ASSERT_EQ(info->contentLayers.size(), 1u);
	EXPECT_EQ(info->contentLayers[0].digest, in.layer.blob.digest);
	if (info->entryCount) {
		EXPECT_EQ(*info->entryCount, 2);
	}
	if (info->sizeBytes) {
		EXPECT_EQ(*info->sizeBytes, in.cacheSizeBytes);
	}
}

TEST_P(CacheFormatSuite, PackIsDeterministic)
{
	auto a = f_->pack(sampleInput());
	auto b = f_->pack(sampleInput());
	ASSERT_TRUE(a && b);
	EXPECT_EQ(a->manifest.bytes, b->manifest.bytes);
	EXPECT_EQ(a->configBytes, b->configBytes);
}

TEST_P(CacheFormatSuite, GarbageIsNotDetectedAndNotDescribed)
{
	for (std::string bad : {"", "{", "[]", "null", R"({"schemaVersion":2})",
				R"({"schemaVersion":2,"layers":"x","config":7})"}) {
		RawManifest m{bad, std::string(media::OciManifest)};
		EXPECT_EQ(f_->detect(m, "{"), 0) << bad;
		auto d = f_->describe(m, "{");
		EXPECT_FALSE(d) << bad;
	}
}

INSTANTIATE_TEST_SUITE_P(CacheFormats, CacheFormatSuite, ::testing::ValuesIn(pluginNames("cache")),
			 paramName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CacheFormatSuite);

TEST(CacheFormatSuiteSetup, AtLeastOnePlugin)
{
	expectAtLeastOnePlugin("cache");
}

} // namespace
} // namespace tb::conformance
