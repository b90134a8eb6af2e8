// SPDX-License-Identifier: Apache-2.0
// Manifest, index and config parsing: caps, media types, ambiguity, platform choice.
#include <gtest/gtest.h>

#include "tbsupport/oci_json.h"
#include "tbsupport/platform.h"

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

namespace {

// "linux/arm/v7" -> an entry of that platform, variant included.
std::string entryOf(const std::string &platform, char fill)
{
	auto p = parsePlatform(platform);
	std::string variant = p && !p->variant.empty() ? ",\"variant\":\"" + p->variant + "\"" : "";
	std::string e = entry(p ? p->os : "", p ? p->architecture : "", fill);
	return e.substr(0, e.size() - 2) + variant + "}}";
}

std::string pick(const std::vector<std::pair<std::string, char>> &entries, const std::string &want)
{
	std::string list;
	for (const auto &[p, c] : entries)
		list += (list.empty() ? "" : ",") + entryOf(p, c);
	auto idx = parseImageIndex(RawManifest{indexWith(list), ""});
	EXPECT_TRUE(idx) << idx.error().message;
	auto c = selectPlatform(*idx, std::string_view(want));
	return c ? std::string(1, c->descriptor.digest.hex[0]) : "error: " + c.error().message;
}

} // namespace

TEST(Platform, ParsesAndNormalises)
{
	auto p = parsePlatform("Linux/x86_64");
	ASSERT_TRUE(p);
	EXPECT_EQ(platformString(*p), "linux/amd64");
	EXPECT_EQ(platformString(*parsePlatform("linux/aarch64/v8")), "linux/arm64");
	EXPECT_EQ(platformString(*parsePlatform("linux/arm")), "linux/arm/v7");
	EXPECT_EQ(platformString(*parsePlatform("linux/armhf")), "linux/arm/v7");
	EXPECT_EQ(platformString(*parsePlatform("linux/arm/6")), "linux/arm/v6");
	EXPECT_EQ(platformString(*parsePlatform("linux/i386")), "linux/386");
	for (const char *bad : {"linux", "", "linux/", "/amd64", "linux/amd64/v2/x"}) {
		auto b = parsePlatform(bad);
		ASSERT_FALSE(b) << bad;
		EXPECT_EQ(b.error().code, Errc::InvalidArgument);
		EXPECT_NE(b.error().message.find("OS/ARCH"), std::string::npos);
	}
	EXPECT_EQ(hostPlatform().os, "linux");
#if defined(__x86_64__)
	EXPECT_EQ(platformString(hostPlatform()), "linux/amd64");
#endif
}

TEST(Platform, PicksTheBestCompatibleVariantInIndexOrder)
{
	// Exact match wins over order; among equals the first.
	EXPECT_EQ(pick({{"linux/amd64", 'a'}, {"linux/arm64", 'b'}, {"linux/arm64", 'c'}},
		       "linux/arm64"),
		  "b");
	EXPECT_EQ(pick({{"linux/arm64", 'b'}}, "linux/arm64/v8"), "b");
	// arm/v7 takes v7, then v6, then v5; never v8 (arm64).
	EXPECT_EQ(pick({{"linux/arm/v5", 'a'}, {"linux/arm/v6", 'b'}, {"linux/arm64", 'c'}},
		       "linux/arm/v7"),
		  "b");
	EXPECT_EQ(pick({{"linux/arm/v6", 'a'}, {"linux/arm/v7", 'b'}}, "linux/arm"), "b");
	// amd64/v3 takes v3, v2, v1; plain amd64 does not take v3; 386 is the last resort.
	EXPECT_EQ(pick({{"linux/amd64", 'a'}, {"linux/amd64/v2", 'b'}}, "linux/amd64/v3"), "b");
	EXPECT_EQ(pick({{"linux/386", 'a'}, {"linux/amd64/v3", 'b'}}, "linux/amd64"), "a");
	EXPECT_EQ(pick({{"linux/amd64/v3", 'b'}}, "linux/amd64").substr(0, 6), "error:");
	// arm64/v9 takes v8.
	EXPECT_EQ(pick({{"linux/arm64", 'b'}}, "linux/arm64/v9"), "b");
	// Another architecture without a variant takes any variant.
	EXPECT_EQ(pick({{"linux/riscv64/rva22", 'b'}}, "linux/riscv64"), "b");
	// OS must match.
	EXPECT_EQ(pick({{"windows/amd64", 'a'}}, "linux/amd64").substr(0, 6), "error:");
}

TEST(Platform, NoMatchListsTheRealPlatforms)
{
	auto idx = parseImageIndex(RawManifest{indexWith(entry("linux", "amd64", 'a') + "," +
							 entry("linux", "aarch64", 'b') + "," +
							 entry("unknown", "unknown", 'c')),
					       ""});
	ASSERT_TRUE(idx);
	auto r = selectPlatform(*idx, std::string_view("linux/s390x"));
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::NotFound);
	EXPECT_NE(r.error().message.find("platform linux/s390x; it has [linux/amd64, linux/arm64]"),
		  std::string::npos)
		<< r.error().message;
	// Asked for explicitly, one real child of another platform is no match.
	auto one = parseImageIndex(RawManifest{
		indexWith(entry("linux", "arm64", 'b') + "," + entry("unknown", "unknown", 'd')),
		""});
	ASSERT_TRUE(one);
	EXPECT_FALSE(selectPlatform(*one, std::string_view("linux/ppc64le")));
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
