// SPDX-License-Identifier: Apache-2.0
// Test helpers for the transport tests: temp dirs, generated images, layouts, subprocesses.
#include "helpers.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <archive.h>
#include <archive_entry.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tbsupport/oci_json.h"
#include "tbsupport/oci_layout.h"
#include "tbsupport/sha256.h"

namespace tb::test {

namespace fs = std::filesystem;

namespace {

std::string makeTar(const std::string &name, const std::string &content)
{
	std::string out(content.size() + 64 * 1024, '\0');
	size_t used = 0;
	archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_open_memory(a, out.data(), out.size(), &used);
	archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name.c_str());
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
	archive_write_header(a, e);
	archive_write_data(a, content.data(), content.size());
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	out.resize(used);
	return out;
}

Descriptor describe(std::string_view mediaType, const std::string &bytes)
{
	return Descriptor{std::string(mediaType),
			  support::Sha256::of(bytes),
			  static_cast<int64_t>(bytes.size()),
			  {},
			  {},
			  {}};
}

} // namespace

TmpDir::TmpDir()
{
	const char *base = std::getenv("TMPDIR");
	std::string pattern =
		std::string(base && *base ? base : "/tmp") + "/tb-transport-test-XXXXXX";
	if (!::mkdtemp(pattern.data()))
		throw std::runtime_error("mkdtemp failed");
	path_ = pattern;
}

TmpDir::~TmpDir()
{
	std::error_code ec;
	fs::remove_all(path_, ec);
}

std::string readFile(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

void writeFile(const std::string &path, const std::string &bytes)
{
	fs::create_directories(fs::path(path).parent_path());
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	out << bytes;
}

TestImage makeImage(const std::string &seed, const std::vector<size_t> &sizes,
		    const std::map<std::string, std::string> &labels)
{
	TestImage img;
	std::string diffIds;
	for (size_t i = 0; i < sizes.size(); ++i) {
		std::string content;
		uint32_t x = static_cast<uint32_t>(std::hash<std::string>{}(seed)) +
			     static_cast<uint32_t>(i);
		for (size_t k = 0; k < sizes[i]; ++k) {
			x = x * 1664525u + 1013904223u;
			content.push_back(static_cast<char>(x >> 24));
		}
		std::string tar = makeTar("file" + std::to_string(i), content);
		img.layerDescs.push_back(describe(media::OciLayerTar, tar));
		diffIds += (i ? "," : "") + std::string("\"") + img.layerDescs.back().digest.str() +
			   "\"";
		img.layers.push_back(std::move(tar));
	}
	std::string lab;
	for (const auto &[k, v] : labels)
		lab += (lab.empty() ? "" : ",") + std::string("\"") + k + "\":\"" + v + "\"";
	img.config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{" + lab +
		     "}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}";
	img.configDesc = describe(media::OciConfig, img.config);
	std::string layers;
	for (const auto &d : img.layerDescs)
		layers += (layers.empty() ? "" : ",") + support::descriptorJson(d);
	img.manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(media::OciManifest) +
		       "\",\"config\":" + support::descriptorJson(img.configDesc) +
		       ",\"layers\":[" + layers + "]}";
	img.manifestDesc = describe(media::OciManifest, img.manifest);
	return img;
}

void writeLayout(const std::string &dir, const std::string &tag, const TestImage &image)
{
	auto layout = support::OciLayout::openOrCreate(dir);
	if (!layout)
		throw std::runtime_error(layout.error().message);
	for (size_t i = 0; i < image.layers.size(); ++i)
		if (!layout->putBlobBytes(image.layerDescs[i], image.layers[i]))
			throw std::runtime_error("put layer");
	if (!layout->putBlobBytes(image.configDesc, image.config) ||
	    !layout->putBlobBytes(image.manifestDesc, image.manifest) ||
	    !layout->setTag(tag, image.manifestDesc))
		throw std::runtime_error("write layout");
}

std::map<std::string, std::string> snapshot(const std::string &dir)
{
	std::map<std::string, std::string> out;
	std::error_code ec;
	if (!fs::exists(dir, ec))
		return out;
	for (const auto &e : fs::recursive_directory_iterator(dir)) {
		std::string rel = fs::relative(e.path(), dir).string();
		out[rel] =
			e.is_regular_file() ? support::Sha256::of(readFile(e.path())).str() : "dir";
	}
	return out;
}

bool haveProgram(const std::string &program)
{
	const char *path = std::getenv("PATH");
	std::stringstream ss(path ? path : "");
	std::string dir;
	while (std::getline(ss, dir, ':'))
		if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0)
			return true;
	return false;
}

std::string storeConfig(const std::string &storeDir)
{
	return "version = 1\n[store]\npath = \"" + storeDir + "\"\n";
}

std::unique_ptr<Context> makeContext(const TmpDir &tmp, const std::string &storeDir)
{
	std::string cfg = tmp / "nvbind.toml";
	writeFile(cfg, storeConfig(storeDir));
	ContextOptions o;
	o.configFile = cfg;
	auto ctx = Context::create(o);
	if (!ctx)
		throw std::runtime_error("context: " + ctx.error().message);
	return std::move(*ctx);
}

std::string fixtureArchive()
{
	const char *d = std::getenv("TB_TEST_DATA");
	return std::string(d ? d : "tests/data") +
	       "/caches/gkm-vector-add-cache-rocm.docker-archive.tar";
}

boost::json::object jsonObject(const std::string &text, const std::string &context)
{
	boost::system::error_code ec;
	auto v = boost::json::parse(text, ec);
	EXPECT_FALSE(ec) << text << context;
	return !ec && v.is_object() ? v.as_object() : boost::json::object{};
}

void CliTest::SetUp()
{
	const char *exe = std::getenv("TB_EXE");
	ASSERT_NE(exe, nullptr) << "TB_EXE not set";
	tb_ = exe;
	writeFile(tmp_ / "nvbind.toml", defaultConfig());
	writeFile(tmp_ / "policy.json", "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
}

CmdResult CliTest::tb(std::vector<std::string> args)
{
	args.insert(args.begin(), {tb_, "--config", tmp_ / "nvbind.toml"});
	return run(args);
}

CmdResult CliTest::skopeo(std::vector<std::string> args)
{
	args.insert(args.begin(), {"skopeo", "--policy", tmp_ / "policy.json"});
	return run(args);
}

} // namespace tb::test
