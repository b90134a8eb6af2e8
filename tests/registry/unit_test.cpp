// SPDX-License-Identifier: Apache-2.0
// Unit tests of the registry pieces that need no server: docker:// references, challenge
// parsing, credential lookup order and auth.json writing, the blob stream's byte ring.
#include <cstdlib>
#include <filesystem>
#include <future>
#include <sys/stat.h>
#include <thread>

#include <gtest/gtest.h>

#include "../../plugins/transport-docker/byte_ring.h"
#include "../../plugins/transport-docker/docker_reference.h"
#include "../transport/helpers.h"
#include "auth/credentials.h"
#include "tbsupport/reg_client.h"
#include "tbsupport/reg_endpoint.h"

using namespace tb;
using namespace tb::test;
namespace fs = std::filesystem;

TEST(DockerRef, NormalisesLikeDocker)
{
	struct Case {
		const char *in, *registry, *repo, *tag;
	};
	for (auto c : std::vector<Case>{
		     {"//ubuntu", "docker.io", "library/ubuntu", "latest"},
		     {"//ubuntu:22.04", "docker.io", "library/ubuntu", "22.04"},
		     {"//org/img:v1", "docker.io", "org/img", "v1"},
		     {"//index.docker.io/org/img", "docker.io", "org/img", "latest"},
		     {"//localhost/img", "localhost", "img", "latest"},
		     {"//127.0.0.1:5000/a/b/c:t", "127.0.0.1:5000", "a/b/c", "t"},
		     {"//quay.io/org/img", "quay.io", "org/img", "latest"},
		     {"//[::1]:5000/img:x", "[::1]:5000", "img", "x"},
	     }) {
		auto r = docker::parseDockerRef(c.in);
		ASSERT_TRUE(r) << c.in << ": " << r.error().message;
		EXPECT_EQ(r->registry, c.registry) << c.in;
		EXPECT_EQ(r->repository, c.repo) << c.in;
		EXPECT_EQ(r->tag, c.tag) << c.in;
	}
	auto d = docker::parseDockerRef("//h:1/r@sha256:" + std::string(64, 'a'));
	ASSERT_TRUE(d);
	EXPECT_TRUE(d->digest);
	EXPECT_EQ(d->reference(), "sha256:" + std::string(64, 'a'));
	for (const char *bad : {"ubuntu", "//", "//Upper", "//h:5000/UPPER", "//h/a:b c",
				"//h/a@sha256:12", "//h:/a", "//h/a//b", "//h/-a"}) {
		auto r = docker::parseDockerRef(bad);
		EXPECT_FALSE(r) << bad;
		if (!r) {
			EXPECT_EQ(r.error().code, Errc::InvalidArgument) << bad;
		}
	}
}

TEST(Challenge, ParsesSeveralSchemesAndQuotedCommas)
{
	auto c = registry::parseChallenges(
		{"Bearer realm=\"https://auth.example/token\",service=\"reg\","
		 "scope=\"repository:a/b:pull,push\",error=\"insufficient_scope\"",
		 "Basic realm=\"x\", Bearer realm=\"https://other\""});
	ASSERT_EQ(c.size(), 3u);
	EXPECT_EQ(c[0].scheme, "bearer");
	EXPECT_EQ(c[0].params["realm"], "https://auth.example/token");
	EXPECT_EQ(c[0].params["scope"], "repository:a/b:pull,push");
	EXPECT_EQ(c[0].params["error"], "insufficient_scope");
	EXPECT_EQ(c[1].scheme, "basic");
	EXPECT_EQ(c[2].params["realm"], "https://other");
	EXPECT_EQ(registry::basicAuthorization("alice", "s3cret"), "Basic YWxpY2U6czNjcmV0");
}

// Found by the www_authenticate fuzz target: a quoted value without its closing quote moved
// the scanner past the end, and the next token threw std::out_of_range.
TEST(Challenge, UnterminatedQuoteEndsTheValue)
{
	std::vector<registry::Challenge> c;
	ASSERT_NO_THROW(
		c = registry::parseChallenges({"Bearzer real0=\"a\\\"b\", scope=\"x,qlm=z"}));
	ASSERT_EQ(c.size(), 1u);
	EXPECT_EQ(c[0].scheme, "bearzer");
	EXPECT_EQ(c[0].params["real0"], "a\"b");
	EXPECT_EQ(c[0].params["scope"], "x,qlm=z");
	ASSERT_NO_THROW(c = registry::parseChallenges({"Bearer realm=\"", "Basic realm=\"\\"}));
	EXPECT_EQ(c.size(), 2u);
}

TEST(Endpoint, LoopbackIsHttpUnlessACaIsConfigured)
{
	TmpDir t;
	registry::EndpointConfig c;
	c.certsDirs = {t.path()};
	EXPECT_EQ(registry::resolveEndpoint("127.0.0.1:5000", c).baseUrl, "http://127.0.0.1:5000");
	EXPECT_EQ(registry::resolveEndpoint("docker.io", c).baseUrl,
		  "https://registry-1.docker.io");
	EXPECT_TRUE(registry::resolveEndpoint("quay.io", c).tls.verify);
	fs::create_directories(t / "127.0.0.1:5000");
	writeFile(t / "127.0.0.1:5000/ca.crt", "x");
	writeFile(t / "127.0.0.1:5000/client.cert", "x");
	writeFile(t / "127.0.0.1:5000/client.key", "x");
	auto e = registry::resolveEndpoint("127.0.0.1:5000", c);
	EXPECT_EQ(e.baseUrl, "https://127.0.0.1:5000");
	ASSERT_EQ(e.tls.caFiles.size(), 1u);
	EXPECT_EQ(e.tls.clientCert, t / "127.0.0.1:5000/client.cert");
	c.tlsVerify = false;
	auto i = registry::resolveEndpoint("quay.io", c);
	EXPECT_FALSE(i.tls.verify);
	EXPECT_TRUE(i.httpFallback);
}

class Credentials : public ::testing::Test {
protected:
	void SetUp() override
	{
		for (const char *v : {"REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
				      "DOCKER_CONFIG", "HOME"}) {
			const char *old = std::getenv(v);
			saved_.emplace_back(v,
					    old ? std::optional<std::string>(old) : std::nullopt);
			::unsetenv(v);
		}
		::setenv("HOME", t_.path().c_str(), 1);
		::setenv("XDG_RUNTIME_DIR", (t_ / "run").c_str(), 1);
	}
	void TearDown() override
	{
		for (const auto &[k, v] : saved_)
			if (v)
				::setenv(k.c_str(), v->c_str(), 1);
			else
				::unsetenv(k.c_str());
	}
	TmpDir t_;
	std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(Credentials, SearchOrderAndAliases)
{
	fs::create_directories(t_ / "run/containers");
	fs::create_directories(t_ / ".config/containers");
	fs::create_directories(t_ / ".docker");
	// alice:one in the runtime file, bob:two in ~/.config, carol:three in docker's
	writeFile(t_ / "run/containers/auth.json",
		  R"({"auths":{"a.example":{"auth":"YWxpY2U6b25l"}}})");
	writeFile(
		t_ / ".config/containers/auth.json",
		R"({"auths":{"a.example":{"auth":"Ym9iOnR3bw=="},"b.example":{"auth":"Ym9iOnR3bw=="}}})");
	writeFile(t_ / ".docker/config.json",
		  R"({"auths":{"https://index.docker.io/v1/":{"auth":"Y2Fyb2w6dGhyZWU="},)"
		  R"("c.example:5000":{"identitytoken":"tok"}}})");
	auto a = auth::lookupCredential("a.example");
	ASSERT_TRUE(a && *a);
	EXPECT_EQ((*a)->username, "alice");
	auto b = auth::lookupCredential("b.example");
	ASSERT_TRUE(b && *b);
	EXPECT_EQ((*b)->password, "two");
	auto hub = auth::lookupCredential("docker.io");
	ASSERT_TRUE(hub && *hub);
	EXPECT_EQ((*hub)->username, "carol");
	auto id = auth::lookupCredential("c.example:5000");
	ASSERT_TRUE(id && *id);
	EXPECT_EQ((*id)->identityToken, "tok");
	auto none = auth::lookupCredential("nobody.example");
	ASSERT_TRUE(none);
	EXPECT_FALSE(*none);
	// An explicit file is the only one read.
	writeFile(t_ / "only.json", "{}");
	auto only = auth::lookupCredential("a.example", t_ / "only.json");
	ASSERT_TRUE(only);
	EXPECT_FALSE(*only);
	writeFile(t_ / "bad.json", R"({"auths":{"a.example":{"auth":"!!"}}})");
	auto bad = auth::lookupCredential("a.example", t_ / "bad.json");
	ASSERT_FALSE(bad);
	EXPECT_NE(bad.error().message.find("bad.json"), std::string::npos);
}

TEST_F(Credentials, StoreKeepsOtherEntriesAndIsPrivate)
{
	std::string file = t_ / "auth.json";
	writeFile(file, R"({"auths":{"keep.example":{"auth":"YTpi"}},"credHelpers":{"x":"y"}})");
	auto w = auth::storeCredential("https://new.example:5000/v1/", "u", "p", file);
	ASSERT_TRUE(w) << w.error().message;
	struct stat st = {};
	ASSERT_EQ(::stat(file.c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600u);
	std::string text = readFile(file);
	EXPECT_NE(text.find("keep.example"), std::string::npos);
	EXPECT_NE(text.find("credHelpers"), std::string::npos);
	auto got = auth::lookupCredential("new.example:5000", file);
	ASSERT_TRUE(got && *got);
	EXPECT_EQ((*got)->username, "u");
	ASSERT_TRUE(auth::removeCredential("new.example:5000", file));
	auto gone = auth::removeCredential("new.example:5000", file);
	ASSERT_FALSE(gone);
	EXPECT_EQ(gone.error().code, Errc::NotFound);
	EXPECT_NE(readFile(file).find("keep.example"), std::string::npos);
}

TEST_F(Credentials, HelperProtocol)
{
	fs::create_directories(t_ / "bin");
	writeFile(t_ / "bin/docker-credential-unit",
		  "#!/bin/sh\nread s\n[ \"$s\" = h.example ] && "
		  "echo '{\"ServerURL\":\"h.example\",\"Username\":\"<token>\",\"Secret\":\"rt\"}' "
		  "&& exit 0\necho 'credentials not found in native keychain'; exit 1\n");
	fs::permissions(t_ / "bin/docker-credential-unit", fs::perms::owner_all);
	std::string path = std::string(std::getenv("PATH"));
	::setenv("PATH", ((t_ / "bin") + ":" + path).c_str(), 1);
	auto c = auth::runCredentialHelper("unit", "h.example");
	auto none = auth::runCredentialHelper("unit", "other.example");
	auto missing = auth::runCredentialHelper("no-such-helper-xyz", "h.example");
	::setenv("PATH", path.c_str(), 1);
	ASSERT_TRUE(c && *c) << (c ? "" : c.error().message);
	EXPECT_EQ((*c)->identityToken, "rt");
	ASSERT_TRUE(none);
	EXPECT_FALSE(*none);
	EXPECT_FALSE(missing);
	EXPECT_FALSE(auth::runCredentialHelper("../evil", "h"));
}

// Pieces of odd sizes through a small ring (it wraps thousands of times): every byte arrives,
// in order, once; after close() the reader drains the rest, then sees the end.
TEST(ByteRing, KeepsOrderAcrossWrapsAndDrainsAfterClose)
{
	docker::ByteRing ring(1000, 100);
	const size_t total = 1u << 20;
	auto byteAt = [](size_t i) { return static_cast<char>((i * 7 + i / 251) & 0xff); };
	std::thread writer([&] {
		std::vector<char> piece(777);
		for (size_t at = 0, k = 1; at < total; k = k % (piece.size() - 13) + 13) {
			size_t n = std::min(k, total - at);
			for (size_t j = 0; j < n; ++j)
				piece[j] = byteAt(at + j);
			ASSERT_TRUE(ring.write(piece.data(), n));
			at += n;
		}
		ring.close();
	});
	std::vector<char> buf(1500);
	size_t got = 0, bad = 0;
	for (size_t k = 1;; k = k % (buf.size() - 31) + 31) { // piece and read sizes stay in bounds
		size_t n = ring.read(buf.data(), k);
		if (n == 0)
			break;
		EXPECT_LE(n, k);
		for (size_t j = 0; j < n; ++j)
			bad += buf[j] != byteAt(got + j);
		got += n;
	}
	writer.join();
	EXPECT_EQ(got, total);
	EXPECT_EQ(bad, 0u);
	EXPECT_EQ(ring.read(buf.data(), buf.size()), 0u);
}

// The reader waits for a useful amount, but not past the end: a short tail is handed over.
TEST(ByteRing, ShortTailIsReadWhenTheWriterCloses)
{
	docker::ByteRing ring(4096, 1024);
	auto reader = std::async(std::launch::async, [&] {
		char buf[4096];
		return ring.read(buf, sizeof buf);
	});
	ASSERT_TRUE(ring.write("0123456789", 10));
	EXPECT_EQ(reader.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
	ring.close();
	EXPECT_EQ(reader.get(), 10u);
}

// A reader that went away (a failed copy) releases a writer blocked on a full ring.
TEST(ByteRing, CancelReleasesABlockedWriter)
{
	docker::ByteRing ring(64, 16);
	std::string full(64, 'x');
	ASSERT_TRUE(ring.write(full.data(), full.size()));
	auto writer = std::async(std::launch::async, [&] { return ring.write("more", 4); });
	EXPECT_EQ(writer.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
	ring.cancel();
	EXPECT_FALSE(writer.get());
	EXPECT_TRUE(ring.cancelled());
}
