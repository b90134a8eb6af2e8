// SPDX-License-Identifier: Apache-2.0
// Manifest, index and config parsing: caps, media types, ambiguity, platform choice.
#include <gtest/gtest.h>

#include "tbsupport/oci_json.h"

using namespace tb;
using namespace tb::support;

namespace {

const std::string Hex(64, 'a');
const std::string Desc =
	"{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + Hex +
	"\",\"size\":2}";
const std::string Manifest =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"config\":" +
	Desc + ",\"layers\":[" + Desc + "]}";

std::string indexWith(const std::string &entries)
{
	return "{\"schemaVersion\":2,\"mediaType\":\"application/"
	       "vnd.oci.image.index.v1+json\",\"manifests\":[" +
	       entries + "]}";
}

std::string entry(const std::string &os, const std::string &arch, char fill)
{
	return "{\"mediaType\":\"application/"
	       "vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" +
	       std::string(64, fill) + "\",\"size\":3,\"platform\":{\"os\":\"" + os +
	       "\",\"architecture\":\"" + arch + "\"}}";
}

} // namespace

TEST(OciJson, ParsesAManifest)
{
	auto m = parseImageManifest(RawManifest{Manifest, std::string(media::OciManifest)});
	ASSERT_TRUE(m) << m.error().message;
	EXPECT_EQ(m->config.digest.hex, Hex);
	EXPECT_EQ(m->layers.size(), 1u);
}

TEST(OciJson, BodyWithoutMediaTypeTakesTheDescriptors)
{
	std::string body = "{\"schemaVersion\":2,\"config\":" + Desc + ",\"layers\":[]}";
	auto t = manifestMediaType(RawManifest{body, std::string(media::OciManifest)});
	ASSERT_TRUE(t) << t.error().message;
	EXPECT_EQ(*t, media::OciManifest);
}

TEST(OciJson, RefusesManifestsOver4MiB)
{
	std::string big =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"annotations\":{\"x\":\"" +
		std::string(MaxManifestBytes, 'x') + "\"}}";
	auto m = parseImageManifest(RawManifest{big, ""});
	ASSERT_FALSE(m);
	EXPECT_EQ(m.error().code, Errc::LimitExceeded);
	EXPECT_NE(m.error().message.find("4194304"), std::string::npos);
}

TEST(OciJson, RefusesAMissingMediaType)
{
	std::string body = "{\"schemaVersion\":2,\"config\":" + Desc + ",\"layers\":[]}";
	auto m = parseImageManifest(RawManifest{body, ""});
	ASSERT_FALSE(m);
	EXPECT_EQ(m.error().code, Errc::Corrupt);
	EXPECT_NE(m.error().message.find("no media type"), std::string::npos);
}

TEST(OciJson, RefusesAWrongMediaType)
{
	auto m = parseImageManifest(RawManifest{Manifest, std::string(media::OciConfig)});
	ASSERT_FALSE(m);
	EXPECT_NE(m.error().message.find("mismatch"), std::string::npos);
	std::string body = "{\"schemaVersion\":2,\"config\":" + Desc + ",\"layers\":[]}";
	auto u = parseImageManifest(RawManifest{body, std::string(media::OciConfig)});
	ASSERT_FALSE(u);
	EXPECT_EQ(u.error().code, Errc::Unsupported);
}

TEST(OciJson, RefusesAnIndexWhereAManifestIsRequired)
{
	std::string index = indexWith(entry("linux", "amd64", 'b'));
	auto m = parseImageManifest(RawManifest{index, ""});
	ASSERT_FALSE(m);
	EXPECT_EQ(m.error().code, Errc::Corrupt);
	EXPECT_NE(m.error().message.find("index"), std::string::npos);
	// Declared a manifest, but the body is an index without mediaType.
	std::string bare = "{\"schemaVersion\":2,\"manifests\":[]}";
	auto d = parseImageManifest(RawManifest{bare, std::string(media::OciManifest)});
	ASSERT_FALSE(d);
	EXPECT_NE(d.error().message.find("holds an index"), std::string::npos);
}

TEST(OciJson, RefusesAmbiguousDocuments)
{
	std::string both =
		"{\"schemaVersion\":2,\"config\":" + Desc + ",\"layers\":[],\"manifests\":[]}";
	auto m = manifestMediaType(RawManifest{both, std::string(media::OciManifest)});
	ASSERT_FALSE(m);
	EXPECT_NE(m.error().message.find("ambiguous"), std::string::npos);
}

TEST(OciJson, RefusesBadDescriptorsAndSchema)
{
	std::string badDigest =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:ABC\",\"size\":1},\"layers\":["
		"]}";
	EXPECT_FALSE(parseImageManifest(RawManifest{badDigest, ""}));
	std::string negative =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:" +
		Hex + "\",\"size\":-1},\"layers\":[]}";
	EXPECT_FALSE(parseImageManifest(RawManifest{negative, ""}));
	std::string v1 =
		"{\"schemaVersion\":1,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":" +
		Desc + ",\"layers\":[]}";
	EXPECT_FALSE(parseImageManifest(RawManifest{v1, ""}));
	EXPECT_FALSE(parseImageManifest(RawManifest{"not json", std::string(media::OciManifest)}));
}

TEST(OciJson, PicksLinuxAmd64ThenTheOnlyChild)
{
	auto idx = parseImageIndex(RawManifest{
		indexWith(entry("linux", "arm64", 'b') + "," + entry("linux", "amd64", 'c')), ""});
	ASSERT_TRUE(idx) << idx.error().message;
	auto c = pickPlatform(*idx);
	ASSERT_TRUE(c);
	EXPECT_EQ(c->descriptor.digest.hex, std::string(64, 'c'));

	auto one = parseImageIndex(RawManifest{
		indexWith(entry("linux", "arm64", 'b') + "," + entry("unknown", "unknown", 'd')),
		""});
	ASSERT_TRUE(one);
	auto only = pickPlatform(*one);
	ASSERT_TRUE(only) << only.error().message;
	EXPECT_EQ(only->descriptor.digest.hex, std::string(64, 'b'));

	auto two = parseImageIndex(RawManifest{
		indexWith(entry("linux", "arm64", 'b') + "," + entry("linux", "s390x", 'e')), ""});
	ASSERT_TRUE(two);
	auto none = pickPlatform(*two);
	ASSERT_FALSE(none);
	EXPECT_NE(none.error().message.find("linux/s390x"), std::string::npos);
}

TEST(OciJson, ReadsConfigLabelsAndDiffIds)
{
	std::string cfg = "{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":{\"Labels\":{"
			  "\"a\":\"b\"}},"
			  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" +
			  Hex + "\"]}}";
	auto c = parseImageConfig(cfg);
	ASSERT_TRUE(c) << c.error().message;
	EXPECT_EQ(c->labels.at("a"), "b");
	ASSERT_EQ(c->diffIds.size(), 1u);
	EXPECT_FALSE(parseImageConfig("{\"config\":{\"Labels\":{\"a\":1}}}"));
}

TEST(OciJson, DescriptorJsonRoundTrips)
{
	Descriptor d{"application/x", Digest{"sha256", Hex}, 5, {{"k", "v"}}, "", {}};
	std::string m =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":" +
		descriptorJson(d) + ",\"layers\":[]}";
	auto p = parseImageManifest(RawManifest{m, ""});
	ASSERT_TRUE(p) << p.error().message;
	EXPECT_EQ(p->config.annotations.at("k"), "v");
	EXPECT_EQ(p->config.size, 5);
}
