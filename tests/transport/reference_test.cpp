// SPDX-License-Identifier: Apache-2.0
// Reference parsing: transport prefixes, store names, layout tags, docker-archive refs.
#include <gtest/gtest.h>

#include <tb/images.h>

#include "../../plugins/transport-docker-archive/docker_archive.h"
#include "tbsupport/oci_layout.h"

using namespace tb;

namespace {

const std::vector<std::string> Loaded = {"oci", "oci-archive", "docker-archive", "my-plugin"};

ImageReference parse(const std::string &text)
{
	auto r = parseImageReference(text, Loaded);
	EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message);
	return r ? *r : ImageReference{};
}

using Cases = std::vector<std::pair<std::string, std::string>>;

// Each case's text parses to a reference whose \a field is the case's value.
void expectParsed(std::string ImageReference::*field, const Cases &cases)
{
	for (const auto &[text, want] : cases)
		EXPECT_EQ(parse(text).*field, want) << text;
}

} // namespace

TEST(Reference, TransportPrefixes)
{
	expectParsed(&ImageReference::transport, {{"oci:/srv/layout:v1", "oci"},
						  {"my-plugin:anything", "my-plugin"},
						  // Known names count even when their plugin is not
						  // loaded, so the error is the right one.
						  {"docker://quay.io/a/b:c", "docker"},
						  {"containers-storage:x", "containers-storage"}});
	expectParsed(&ImageReference::location,
		     {{"oci:/srv/layout:v1", "/srv/layout:v1"},
		      {"docker-archive:x.tar:foo/bar:v1", "x.tar:foo/bar:v1"}});
	EXPECT_FALSE(parseImageReference("oci:", Loaded));
	EXPECT_FALSE(parseImageReference("", Loaded));
}

TEST(Reference, BareNamesGoToTheStore)
{
	EXPECT_EQ(parse("mycache:v1").transport, "");
	std::string d = "sha256:" + std::string(64, '0');
	expectParsed(&ImageReference::location,
		     {{"mycache:v1", "mycache:v1"},
		      {"mycache", "mycache:latest"},
		      {"localhost/foo:bar", "localhost/foo:bar"},
		      {"localhost:5000/team/foo", "localhost:5000/team/foo:latest"},
		      {"quay.io/gkm/vector-add-cache:rocm", "quay.io/gkm/vector-add-cache:rocm"},
		      {"mycache@" + d, "mycache@" + d},
		      {"my_cache.x-y--z:v1.2-rc_3", "my_cache.x-y--z:v1.2-rc_3"}});
	// Valid for Docker, but not as an OCI ref.name: refused up front, not at commit.
	EXPECT_FALSE(parseImageReference("my__cache:v1", Loaded));
}

TEST(Reference, BadStoreNames)
{
	for (const char *bad :
	     {"Upper:v1", "a//b", "-x", "x-:v", "a:", "a:-tag", "a@sha256:12", "a..b", "x:y:z"}) {
		auto r = parseImageReference(bad, Loaded);
		EXPECT_FALSE(r) << bad;
		if (!r) {
			EXPECT_EQ(r.error().code, Errc::InvalidArgument) << bad;
			EXPECT_NE(r.error().message.find(bad), std::string::npos)
				<< r.error().message;
		}
	}
}

TEST(Reference, LayoutTags)
{
	for (const char *ok : {"v1", "mycache:v1", "localhost/foo:bar", "a--b", "a@b+c", "A.B_c-d"})
		EXPECT_TRUE(support::validateLayoutTag(ok)) << ok;
	for (const char *bad : {"", "-x", "x-", "a..b", "a b", "a/", "/a", "a//b", "é"})
		EXPECT_FALSE(support::validateLayoutTag(bad)) << bad;
	EXPECT_FALSE(support::validateLayoutTag(std::string(256, 'a')));
}

TEST(Reference, SplitPathAndTag)
{
	auto [dir, tag] = support::splitPathAndTag("/a/b:mycache:v1");
	EXPECT_EQ(dir, "/a/b");
	EXPECT_EQ(tag, "mycache:v1");
	EXPECT_EQ(support::splitPathAndTag("/a/b").second, "");
}

TEST(Reference, DockerNormalisation)
{
	using dockerarchive::normaliseDockerRef;
	EXPECT_EQ(*normaliseDockerRef("busybox"), "docker.io/library/busybox:latest");
	EXPECT_EQ(*normaliseDockerRef("interop/umoci:v1"), "docker.io/interop/umoci:v1");
	EXPECT_EQ(*normaliseDockerRef("quay.io/gkm/vector-add-cache:rocm"),
		  "quay.io/gkm/vector-add-cache:rocm");
	EXPECT_EQ(*normaliseDockerRef("localhost:5000/x"), "localhost:5000/x:latest");
	EXPECT_EQ(*normaliseDockerRef("index.docker.io/a/b:c"), "docker.io/a/b:c");
	EXPECT_FALSE(normaliseDockerRef("a@sha256:" + std::string(64, '0')));
}
