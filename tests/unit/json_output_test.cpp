// SPDX-License-Identifier: Apache-2.0
// The --json documents of `tb images`, `tb inspect` and `tb prune` as libtb renders them,
// through the public API only: keys, JSON types, nulls where skopeo prints them.
#include <gtest/gtest.h>

#include <tb/json_output.h>
#include <tb/plugin.h>

namespace tb {
namespace {

Digest digestOf(char c)
{
	return Digest{"sha256", std::string(64, c)};
}

Descriptor descriptor(std::string mediaType, char c, int64_t size)
{
	Descriptor d;
	d.mediaType = std::move(mediaType);
	d.digest = digestOf(c);
	d.size = size;
	return d;
}

TEST(ImageListJson, OneObjectPerImage)
{
	EXPECT_EQ(imageListJson({}), "[]");
	ImageSummary a;
	a.name = "cache:v1";
	a.digest = digestOf('a');
	a.mediaType = "application/vnd.oci.image.manifest.v1+json";
	a.size = 1234;
	a.variant = "compat";
	a.targets = {{"cuda", "75", 32}};
	a.entryCount = 2;
	ImageSummary b;
	b.name = "broken:v1";
	b.error = "manifest: truncated";
	EXPECT_EQ(imageListJson({a, b}),
		  "[{\"name\":\"cache:v1\",\"digest\":\"sha256:" + std::string(64, 'a') +
			  "\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
			  "\"size\":1234,\"variant\":\"compat\",\"targets\":[{\"backend\":\"cuda\","
			  "\"arch\":\"75\",\"warp_size\":32}],\"entryCount\":2},"
			  "{\"name\":\"broken:v1\",\"digest\":\":\",\"mediaType\":\"\",\"size\":0,"
			  "\"variant\":\"\",\"targets\":[],\"error\":\"manifest: truncated\"}]");
}

TEST(ImageInspectionJson, SkopeoKeysThenTbs)
{
	ImageInspection i;
	i.name = "oci:/l:v1";
	i.digest = digestOf('b');
	i.mediaType = "application/vnd.oci.image.manifest.v1+json";
	i.config = descriptor("application/vnd.oci.image.config.v1+json", 'c', 10);
	Descriptor layer = descriptor("application/vnd.oci.image.layer.v1.tar+gzip", 'd', 20);
	layer.annotations["org.opencontainers.image.title"] = "x";
	i.layers = {layer};
	i.os = "linux";
	i.architecture = "amd64";
	i.size = 30;
	std::string json = imageInspectionJson(i);
	// Go's nil values: no Created, no Labels, no Env; no cache format bid.
	for (const char *null :
	     {"\"Created\":null", "\"Labels\":null", "\"Env\":null", "\"Cache\":null"})
		EXPECT_NE(json.find(null), std::string::npos) << null << " in " << json;
	EXPECT_EQ(json.rfind("{\"Name\":\"oci:/l:v1\",\"Digest\":\"sha256:", 0), 0u) << json;
	EXPECT_NE(json.find("\"Layers\":[\"sha256:" + std::string(64, 'd') + "\"]"),
		  std::string::npos);
	EXPECT_NE(json.find("\"Annotations\":{\"org.opencontainers.image.title\":\"x\"}"),
		  std::string::npos);
	EXPECT_EQ(json.find("IndexDigest"), std::string::npos);

	i.variant = "compat";
	i.targets = {{"hip", "gfx90a", 64}};
	i.entryCount = 1;
	i.env = std::vector<std::string>{"PATH=/bin"};
	i.indexDigest = digestOf('e');
	json = imageInspectionJson(i);
	EXPECT_NE(json.find("\"Cache\":{\"Variant\":\"compat\",\"Targets\":[{\"backend\":\"hip\","
			    "\"arch\":\"gfx90a\",\"warp_size\":64}],\"EntryCount\":1}"),
		  std::string::npos)
		<< json;
	EXPECT_NE(json.find("\"Env\":[\"PATH=/bin\"]"), std::string::npos);
	EXPECT_NE(json.find("\"IndexDigest\":\"sha256:" + std::string(64, 'e') + "\""),
		  std::string::npos);
}

TEST(PruneReportJson, ItemsAndTotal)
{
	PruneReport r;
	r.dryRun = true;
	r.bytes = 7;
	r.items = {{PrunedItem::Kind::Blob, "/s/blobs/sha256/aa", 5},
		   {PrunedItem::Kind::TempFile, "/s/.tb-blob-1-x", 2}};
	EXPECT_EQ(pruneReportJson(r),
		  "{\"dryRun\":true,\"bytes\":7,\"items\":[{\"kind\":\"blob\",\"path\":"
		  "\"/s/blobs/sha256/aa\",\"bytes\":5},{\"kind\":\"temp\",\"path\":"
		  "\"/s/.tb-blob-1-x\",\"bytes\":2}]}");
	EXPECT_EQ(prunedItemKindName(PrunedItem::Kind::TempFile), "temp");
}

// Names and paths come from spec files anyone may drop into a spec dir: a quote, a backslash
// or a control character must not break the document (the hand-made quoting did).
TEST(CdiListingJson, EscapesWhatSpecFilesCarry)
{
	EXPECT_EQ(cdiListingJson({}), "{\n  \"devices\": [],\n  \"errors\": []\n}\n");
	CdiListing l;
	l.devices = {{"vendor.com/gpu=a\"b\\c", "/etc/cdi/x.json", ""},
		     {"vendor.com/gpu=line\nbreak\x01", "/etc/cdi/y.json", "also defined in z"}};
	l.errors = {"/etc/cdi/broken.json: not valid JSON"};
	EXPECT_EQ(cdiListingJson(l),
		  "{\n  \"devices\": [\n    {\"name\": \"vendor.com/gpu=a\\\"b\\\\c\", \"file\": "
		  "\"/etc/cdi/x.json\", \"conflict\": null},\n    {\"name\": "
		  "\"vendor.com/gpu=line\\nbreak\\u0001\", \"file\": \"/etc/cdi/y.json\", "
		  "\"conflict\": \"also defined in z\"}\n  ],\n  \"errors\": [\"/etc/cdi/"
		  "broken.json: not valid JSON\"]\n}\n");
}

TEST(PluginListJson, EveryFieldOfEveryPlugin)
{
	EXPECT_EQ(pluginListJson({}), "{\"plugins\":[]}");
	PluginInfo p;
	p.kind = "transport";
	p.name = "oci";
	p.uri = "transport.oci";
	p.version = "0.1.0";
	p.apiVersion = "2.2";
	p.status = PluginStatus::Untrusted;
	p.reason = "directory /tmp is writable by others\n";
	p.path = "/tmp/tb-transport-oci.so";
	EXPECT_EQ(pluginListJson({p}),
		  "{\"plugins\":[{\"kind\":\"transport\",\"name\":\"oci\",\"uri\":"
		  "\"transport.oci\",\"version\":\"0.1.0\",\"apiVersion\":\"2.2\",\"status\":\"" +
			  std::string(pluginStatusName(PluginStatus::Untrusted)) +
			  "\",\"reason\":\"directory /tmp is writable by others\\n\",\"path\":"
			  "\"/tmp/tb-transport-oci.so\"}]}");
}

TEST(VersionJson, CoreVersionAbiAndEveryKind)
{
	std::string v = versionJson();
	EXPECT_EQ(v.rfind("{\"version\":\"" + std::string(version()) + "\",\"pluginAbiVersion\":" +
				  std::to_string(TB_PLUGIN_ABI_VERSION) + ",",
			  0),
		  0u)
		<< v;
	for (const auto &k : pluginKinds())
		EXPECT_NE(v.find("\"" + k.name + "\":\"" + std::to_string(k.versionMajor) + "." +
				 std::to_string(k.versionMinor) + "\""),
			  std::string::npos)
			<< k.name << " in " << v;
}

} // namespace
} // namespace tb
