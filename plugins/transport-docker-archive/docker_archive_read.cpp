// SPDX-License-Identifier: Apache-2.0
// Reading docker-archive files: manifest.json, image selection, manifest synthesis.
#include "docker_archive.h"

#include <algorithm>
#include <map>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "tbsupport/layout_image.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/sha256.h"

namespace tb::dockerarchive {

namespace json = boost::json;

namespace {

bool isDomain(std::string_view first)
{
	return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
	       std::any_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// A path named in manifest.json, resolved inside the unpacked archive.
Result<std::string> memberPath(const std::string &dir, const std::string &name,
			       const std::string &file)
{
	std::string_view n = name;
	while (n.starts_with("./"))
		n.remove_prefix(2);
	bool bad = n.empty() || n.starts_with("/") || n == ".." || n.starts_with("../") ||
		   n.find("/../") != std::string_view::npos || n.ends_with("/..");
	if (bad)
		return err(Errc::Corrupt, "docker-archive " + file +
						  ": manifest.json names unsafe path '" + name +
						  "'");
	std::string path = dir + "/" + std::string(n);
	struct stat st;
	if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
		return err(Errc::Corrupt, "docker-archive " + file + ": '" + name +
						  "' is missing from the archive");
	return path;
}

struct FileDigest {
	Digest digest;
	int64_t size = 0;
	std::string mediaType; ///< by magic bytes: gzip, zstd, else plain tar
};

Result<FileDigest> hashFile(const std::string &path, bool sniff)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err(Errc::Io, "open " + path);
	support::FdBlobReader reader(fd);
	support::Sha256 hash;
	std::vector<unsigned char> buf(1 << 20);
	FileDigest out;
	unsigned char magic[4] = {0, 0, 0, 0};
	for (;;) {
		size_t n = TB_TRY_CTX(reader.read(buf.data(), buf.size()), path);
		if (n == 0)
			break;
		if (out.size == 0)
			std::copy_n(buf.begin(), std::min<size_t>(n, 4), magic);
		hash.update(buf.data(), n);
		out.size += static_cast<int64_t>(n);
	}
	out.digest = hash.finish();
	if (sniff) {
		if (magic[0] == 0x1f && magic[1] == 0x8b)
			out.mediaType = std::string(media::DockerLayerGzip);
		else if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
			 magic[3] == 0xfd)
			out.mediaType =
				std::string(media::OciLayerZstd); // schema2 has no zstd type
		else
			out.mediaType = std::string(media::DockerLayerTar);
	}
	return out;
}

// An archive without an OCI layout: a Docker schema2 manifest made up over its files.
class SynthSource : public ImageSource {
public:
	SynthSource(support::TempDir dir, std::string manifest, std::map<Digest, std::string> blobs)
	    : dir_(std::move(dir)), manifest_(std::move(manifest)), blobs_(std::move(blobs))
	{
	}

	Result<RawManifest> manifest(const std::optional<Digest> &instance) noexcept override
	{
		return support::guard("docker-archive manifest", [&]() -> Result<RawManifest> {
			if (instance && *instance != support::Sha256::of(manifest_))
				return err(Errc::NotFound,
					   "docker-archive: no manifest " + instance->str());
			return RawManifest{manifest_, std::string(media::DockerManifest)};
		});
	}

	Result<std::unique_ptr<BlobReader>> openBlob(const Descriptor &blob) noexcept override
	{
		return support::guard(
			"docker-archive blob", [&]() -> Result<std::unique_ptr<BlobReader>> {
				auto it = blobs_.find(blob.digest);
				if (it == blobs_.end())
					return err(Errc::NotFound,
						   "blob " + blob.digest.str() +
							   " is not in the docker-archive");
				int fd = ::open(it->second.c_str(),
						O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
				if (fd < 0)
					return err(Errc::Io, "open " + it->second);
				return std::unique_ptr<BlobReader>(
					std::make_unique<support::FdBlobReader>(fd));
			});
	}

private:
	support::TempDir dir_;
	std::string manifest_;
	std::map<Digest, std::string> blobs_;
};

Result<std::unique_ptr<ImageSource>> synthesise(support::TempDir dir, const std::string &file,
						const ArchiveImage &img)
{
	std::map<Digest, std::string> blobs;
	std::string configPath = TB_TRY(memberPath(dir.path(), img.config, file));
	FileDigest config = TB_TRY(hashFile(configPath, false));
	blobs[config.digest] = configPath;
	Descriptor cd{std::string(media::DockerConfig), config.digest, config.size, {}, {}, {}};
	std::string m = "{\"schemaVersion\":2,\"mediaType\":\"" +
			std::string(media::DockerManifest) +
			"\",\"config\":" + support::descriptorJson(cd) + ",\"layers\":[";
	bool first = true;
	for (const auto &layer : img.layers) {
		std::string path = TB_TRY(memberPath(dir.path(), layer, file));
		FileDigest fdg = TB_TRY(hashFile(path, true));
		blobs[fdg.digest] = path;
		m += (first ? "" : ",") + support::descriptorJson(Descriptor{
						  fdg.mediaType, fdg.digest, fdg.size, {}, {}, {}});
		first = false;
	}
	m += "]}";
	return std::unique_ptr<ImageSource>(
		std::make_unique<SynthSource>(std::move(dir), std::move(m), std::move(blobs)));
}

// Docker >= 25 and tb write an OCI layout too: find the manifest whose config is \a config.
Result<std::optional<Descriptor>> findInLayout(const support::OciLayout &layout,
					       const Digest &config)
{
	auto matches = [&](const Descriptor &d) -> Result<bool> {
		if (!support::isImageManifestType(d.mediaType))
			return false;
		std::string bytes = TB_TRY(layout.readBlob(d, support::MaxManifestBytes));
		auto m = support::parseImageManifest(RawManifest{std::move(bytes), d.mediaType});
		return m && m->config.digest == config;
	};
	for (const auto &e : TB_TRY(layout.entries())) {
		if (TB_TRY(matches(e.descriptor)))
			return std::optional<Descriptor>(e.descriptor);
		if (!support::isIndexType(e.descriptor.mediaType))
			continue;
		std::string bytes =
			TB_TRY(layout.readBlob(e.descriptor, support::MaxManifestBytes));
		auto index = support::parseImageIndex(
			RawManifest{std::move(bytes), e.descriptor.mediaType});
		if (!index)
			continue;
		for (const auto &c : index->manifests)
			if (TB_TRY(matches(c.descriptor)))
				return std::optional<Descriptor>(c.descriptor);
	}
	return std::optional<Descriptor>();
}

// Keeps the unpacked archive alive under a LayoutSource.
class LayoutBacked : public ImageSource {
public:
	LayoutBacked(support::TempDir dir, std::unique_ptr<support::LayoutSource> src)
	    : dir_(std::move(dir)), src_(std::move(src))
	{
	}
	Result<RawManifest> manifest(const std::optional<Digest> &i) noexcept override
	{
		return src_->manifest(i);
	}
	Result<std::unique_ptr<BlobReader>> openBlob(const Descriptor &b) noexcept override
	{
		return src_->openBlob(b);
	}

private:
	support::TempDir dir_;
	std::unique_ptr<support::LayoutSource> src_;
};

} // namespace

Result<std::string> normaliseDockerRef(std::string_view ref)
{
	if (ref.empty())
		return err(Errc::InvalidArgument, "empty image reference");
	if (ref.find('@') != std::string_view::npos)
		return err(Errc::InvalidArgument,
			   "reference '" + std::string(ref) +
				   "': docker-archive takes name:tag, not a digest");
	std::string name(ref);
	std::string tag = "latest";
	auto slash = name.rfind('/');
	auto colon = name.rfind(':');
	if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
		tag = name.substr(colon + 1);
		name.resize(colon);
	}
	if (name.empty() || tag.empty())
		return err(Errc::InvalidArgument,
			   "reference '" + std::string(ref) + "': empty name or tag");
	auto first = name.find('/');
	if (first == std::string::npos || !isDomain(std::string_view(name).substr(0, first)))
		name = "docker.io/" + std::string(first == std::string::npos ? "library/" : "") +
		       name;
	if (name.starts_with("index.docker.io/"))
		name = "docker.io/" + name.substr(16);
	return name + ":" + tag;
}

Result<std::vector<ArchiveImage>> parseManifestJson(std::string_view bytes)
{
	boost::system::error_code ec;
	json::value v = json::parse(json::string_view(bytes.data(), bytes.size()), ec);
	if (ec || !v.is_array())
		return err(Errc::Corrupt, "manifest.json is not a JSON array");
	std::vector<ArchiveImage> out;
	for (const auto &e : v.as_array()) {
		const json::object *o = e.if_object();
		const json::value *cfg = o ? o->if_contains("Config") : nullptr;
		const json::value *layers = o ? o->if_contains("Layers") : nullptr;
		if (!cfg || !cfg->is_string() || !layers || !layers->is_array())
			return err(Errc::Corrupt, "manifest.json entry lacks Config or Layers");
		ArchiveImage img;
		img.config = std::string(cfg->as_string());
		for (const auto &l : layers->as_array()) {
			if (!l.is_string())
				return err(Errc::Corrupt,
					   "manifest.json: a Layers item is not a string");
			img.layers.emplace_back(l.as_string());
		}
		if (const json::value *tags = o->if_contains("RepoTags"); tags && tags->is_array())
			for (const auto &t : tags->as_array())
				if (t.is_string())
					img.repoTags.emplace_back(t.as_string());
		out.push_back(std::move(img));
	}
	return out;
}

std::string manifestJson(const ArchiveImage &image)
{
	json::array tags, layers;
	for (const auto &t : image.repoTags)
		tags.emplace_back(t);
	for (const auto &l : image.layers)
		layers.emplace_back(l);
	json::array top;
	top.push_back(
		json::object{{"Config", image.config}, {"RepoTags", tags}, {"Layers", layers}});
	return json::serialize(top);
}

Result<std::unique_ptr<ImageSource>> openImage(support::TempDir dir, const std::string &file,
					       const ArchiveImage &img)
{
	std::string ctx = "docker-archive " + file;
	std::string_view cfg = img.config;
	struct stat st;
	if (cfg.starts_with("blobs/sha256/") &&
	    ::stat((dir.path() + "/oci-layout").c_str(), &st) == 0) {
		auto digest = Digest::parse("sha256:" + std::string(cfg.substr(13)));
		auto layout = support::OciLayout::open(dir.path());
		if (digest && layout) {
			layout->setLabel("docker-archive " + file);
			auto found = TB_TRY_CTX(findInLayout(*layout, *digest), ctx);
			if (found) {
				auto src = std::make_unique<support::LayoutSource>(
					std::move(*layout), *found);
				return std::unique_ptr<ImageSource>(std::make_unique<LayoutBacked>(
					std::move(dir), std::move(src)));
			}
		}
	}
	return synthesise(std::move(dir), file, img);
}

Result<std::unique_ptr<ImageSource>> openUnpacked(support::TempDir dir, const std::string &file,
						  std::string_view ref)
{
	std::string ctx = "docker-archive " + file;
	std::string bytes = TB_TRY_CTX(
		support::readFileCapped(dir.path() + "/manifest.json", support::MaxManifestBytes),
		ctx);
	auto images = TB_TRY_CTX(parseManifestJson(bytes), ctx);
	const ArchiveImage *chosen = nullptr;
	std::string all;
	for (const auto &img : images)
		for (const auto &t : img.repoTags)
			all += (all.empty() ? "" : ", ") + t;
	if (ref.empty()) {
		if (images.size() != 1)
			return err(Errc::InvalidArgument,
				   ctx + " holds " + std::to_string(images.size()) + " images (" +
					   all + "); name one as FILE:REF");
		chosen = &images.front();
	} else {
		std::string want = TB_TRY_CTX(normaliseDockerRef(ref), ctx);
		for (const auto &img : images)
			for (const auto &t : img.repoTags) {
				auto n = normaliseDockerRef(t);
				if (n && *n == want)
					chosen = &img;
			}
		if (!chosen)
			return err(Errc::NotFound, ctx + ": no image '" + std::string(ref) +
							   "' (has: " + all + ")");
	}
	return openImage(std::move(dir), file, *chosen);
}

} // namespace tb::dockerarchive
