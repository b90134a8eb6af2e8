// SPDX-License-Identifier: Apache-2.0
// Conformance suite for transport plugins: every ok transport stores and returns an image
// byte for byte, verifies blobs it is given, and fails cleanly on missing images.
#include <cstring>
#include <filesystem>

#include <unistd.h>

#include <boost/json.hpp>

#include <tb/transport.h>
#include <tbsupport/sha256.h>

#include "../registry/registry_harness.h"
#include "conformance.h"
#include "string_reader.h"

namespace tb::conformance {
namespace {

using test::StringReader;

std::string readAll(BlobReader &r)
{
	std::string out;
	char buf[4096];
	for (;;) {
		auto n = r.read(buf, sizeof(buf));
		EXPECT_TRUE(n) << (n ? "" : n.error().message);
		if (!n || *n == 0)
			return out;
		out.append(buf, *n);
	}
}

// A real single-file tar (one 512-byte header, 512 bytes of data, two zero blocks).
std::string tinyTar()
{
	std::string tar(512 * 4, '\0');
	std::strcpy(&tar[0], "hello.txt");
	std::strcpy(&tar[100], "0000644");
	std::strcpy(&tar[108], "0000000");
	std::strcpy(&tar[116], "0000000");
	std::strcpy(&tar[124], "00000000006");
	std::strcpy(&tar[136], "00000000000");
	tar[156] = '0';
	std::strcpy(&tar[257], "ustar");
	tar[263] = '0';
	tar[264] = '0';
	std::memset(&tar[148], ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; ++i)
		sum += static_cast<unsigned char>(tar[i]);
	std::snprintf(&tar[148], 8, "%06o", sum);
	std::memcpy(&tar[512], "hello\n", 6);
	return tar;
}

Descriptor describe(std::string mediaType, const std::string &bytes)
{
	Descriptor d;
	d.mediaType = std::move(mediaType);
	d.digest = support::Sha256::of(bytes);
	d.size = static_cast<int64_t>(bytes.size());
	return d;
}

// One image of one tiny layer: its config, manifest and descriptors.
struct TinyImage {
	std::string layer, config;
	Descriptor layerDesc, configDesc;
	RawManifest manifest;
};

TinyImage tinyImage()
{
	namespace json = boost::json;
	TinyImage t;
	t.layer = tinyTar();
	t.layerDesc = describe(std::string(media::OciLayerTar), t.layer);
	t.config = json::serialize(json::object{
		{"architecture", "amd64"},
		{"os", "linux"},
		{"config", json::object{}},
		{"rootfs", json::object{{"type", "layers"},
					{"diff_ids", json::array{t.layerDesc.digest.str()}}}},
	});
	t.configDesc = describe(std::string(media::OciConfig), t.config);
	auto descJson = [](const Descriptor &d) {
		return json::object{
			{"mediaType", d.mediaType}, {"digest", d.digest.str()}, {"size", d.size}};
	};
	t.manifest.mediaType = media::OciManifest;
	t.manifest.bytes =
		json::serialize(json::object{{"schemaVersion", 2},
					     {"mediaType", std::string(media::OciManifest)},
					     {"config", descJson(t.configDesc)},
					     {"layers", json::array{descJson(t.layerDesc)}}});
	return t;
}

class TransportSuite : public ::testing::TestWithParam<std::string> {
protected:
	void SetUp() override
	{
		ctx_ = openContext();
		ASSERT_TRUE(ctx_);
		t_ = ctx_->transport(GetParam());
		ASSERT_NE(t_, nullptr);
		if (GetParam() == "docker") {
			// A registry transport needs a registry: a real one on loopback.
			if (std::system("command -v docker-registry >/dev/null 2>&1") != 0)
				GTEST_SKIP() << "docker-registry is not installed";
			std::filesystem::create_directories(tmp_.path() + "/registry");
			ASSERT_TRUE(registry_.start(tmp_.path() + "/registry"));
		}
	}
	std::string location() const
	{
		if (GetParam() == "docker")
			return "//" + registry_.host() + "/conformance/image:v1";
		return tmp_.path() + "/image";
	}

	std::unique_ptr<Context> ctx_;
	Transport *t_ = nullptr;
	TempDir tmp_;
	test::Registry registry_; ///< stopped before tmp_ is removed
};

TEST_P(TransportSuite, MissingImageIsACleanError)
{
	auto src = t_->openSource(location());
	if (src) {
		// Lazily-opening transports must fail on first use instead.
		auto m = (*src)->manifest(std::nullopt);
		ASSERT_FALSE(m);
		EXPECT_FALSE(m.error().message.empty());
		return;
	}
	EXPECT_TRUE(src.error().code == Errc::NotFound || src.error().code == Errc::InvalidArgument)
		<< errcName(src.error().code) << ": " << src.error().message;
	EXPECT_FALSE(src.error().message.empty());
}

TEST_P(TransportSuite, RoundTripKeepsManifestAndBlobsByteForByte)
{
	TinyImage img = tinyImage();
	const std::string &layer = img.layer, &config = img.config;
	const Descriptor &layerDesc = img.layerDesc, &configDesc = img.configDesc;
	const RawManifest &manifest = img.manifest;

	{
		auto dst = t_->openDestination(location());
		if (!dst && dst.error().code == Errc::Unsupported)
			GTEST_SKIP() << "read-only transport: " << dst.error().message;
		ASSERT_TRUE(dst) << dst.error().message;
		StringReader cr(config), lr(layer);
		ASSERT_TRUE((*dst)->putBlob(configDesc, cr));
		auto put = (*dst)->putBlob(layerDesc, lr);
		ASSERT_TRUE(put) << put.error().message;
		auto has = (*dst)->hasBlob(layerDesc);
		ASSERT_TRUE(has) << has.error().message;
		EXPECT_TRUE(*has);
		ASSERT_TRUE((*dst)->putManifest(manifest));
		auto c = (*dst)->commit();
		ASSERT_TRUE(c) << c.error().message;
	}

	auto src = t_->openSource(location());
	ASSERT_TRUE(src) << src.error().message;
	auto m = (*src)->manifest(std::nullopt);
	ASSERT_TRUE(m) << m.error().message;
	// Archives may re-encode the manifest (docker-archive has none of its own); the blobs
	// must still come back exactly.
	if (GetParam() != "docker-archive") {
		EXPECT_EQ(m->bytes, manifest.bytes);
	}
	auto blob = (*src)->openBlob(layerDesc);
	ASSERT_TRUE(blob) << blob.error().message;
	EXPECT_EQ(readAll(**blob), layer);
	auto cfg = (*src)->openBlob(configDesc);
	ASSERT_TRUE(cfg) << cfg.error().message;
	EXPECT_EQ(readAll(**cfg), config);

	auto listed = t_->list(location());
	if (listed) {
		EXPECT_FALSE(listed->empty());
	} else {
		EXPECT_EQ(listed.error().code, Errc::Unsupported) << listed.error().message;
	}
}

TEST_P(TransportSuite, BlobWithWrongDigestIsRefused)
{
	auto dst = t_->openDestination(location());
	if (!dst && dst.error().code == Errc::Unsupported)
		GTEST_SKIP() << "read-only transport: " << dst.error().message;
	ASSERT_TRUE(dst) << dst.error().message;
	Descriptor d = describe(std::string(media::OciLayerTar), "the real bytes");
	StringReader r("other bytes!!!");
	auto put = (*dst)->putBlob(d, r);
	ASSERT_FALSE(put);
	EXPECT_EQ(put.error().code, Errc::Corrupt) << put.error().message;
}

// Minor 4: a destination either hands out a file for a blob its caller writes and hashes
// itself, or says Unsupported (the caller then uses putBlob()). A file it hands out is
// stored as putBlob() would store it, and an image dropped before commit() leaves nothing.
TEST_P(TransportSuite, BlobFileIsStoredLikePutBlobOrUnsupported)
{
	TinyImage img = tinyImage();
	const std::string &layer = img.layer, &config = img.config;
	const Descriptor &layerDesc = img.layerDesc, &configDesc = img.configDesc;
	const RawManifest &manifest = img.manifest;
	auto dst = t_->openDestination(location());
	if (!dst && dst.error().code == Errc::Unsupported)
		GTEST_SKIP() << "read-only transport: " << dst.error().message;
	ASSERT_TRUE(dst) << dst.error().message;
	if (!hasMinor(**dst, 4))
		GTEST_SKIP() << "destination of minor " << (*dst)->apiMinor() << " (< 4)";
	auto file = (*dst)->createBlobFile();
	if (!file) {
		EXPECT_EQ(file.error().code, Errc::Unsupported) << file.error().message;
		EXPECT_FALSE(file.error().message.empty());
		return;
	}
	ASSERT_NE(*file, nullptr);
	int fd = (*file)->fd();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(::write(fd, layer.data(), layer.size()), static_cast<ssize_t>(layer.size()));
	auto adopted = (*file)->adopt(layerDesc);
	ASSERT_TRUE(adopted) << adopted.error().message;
	file->reset();
	auto has = (*dst)->hasBlob(layerDesc);
	ASSERT_TRUE(has) << has.error().message;
	EXPECT_TRUE(*has);
	// A second file, dropped unadopted, and then the whole image dropped uncommitted.
	{
		auto other = t_->openDestination(location() + "-dropped");
		ASSERT_TRUE(other) << other.error().message;
		auto f = (*other)->createBlobFile();
		ASSERT_TRUE(f) << f.error().message;
		ASSERT_EQ(::write((*f)->fd(), "partial", 7), 7);
	}
	auto gone = t_->openSource(location() + "-dropped");
	EXPECT_TRUE(!gone || !(*gone)->manifest(std::nullopt)) << "nothing was committed";
	if (GetParam() != "docker") {
		EXPECT_FALSE(std::filesystem::exists(location() + "-dropped"));
	}

	StringReader cr(config);
	ASSERT_TRUE((*dst)->putBlob(configDesc, cr));
	ASSERT_TRUE((*dst)->putManifest(manifest));
	auto c = (*dst)->commit();
	ASSERT_TRUE(c) << c.error().message;
	dst->reset();
	auto src = t_->openSource(location());
	ASSERT_TRUE(src) << src.error().message;
	auto blob = (*src)->openBlob(layerDesc);
	ASSERT_TRUE(blob) << blob.error().message;
	EXPECT_EQ(readAll(**blob), layer);
}

INSTANTIATE_TEST_SUITE_P(Transports, TransportSuite, ::testing::ValuesIn(pluginNames("transport")),
			 paramName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TransportSuite);

TEST(TransportSuiteSetup, AtLeastOnePlugin)
{
	expectAtLeastOnePlugin("transport");
}

} // namespace
} // namespace tb::conformance
