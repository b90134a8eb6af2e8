// SPDX-License-Identifier: Apache-2.0
// Reading docker-archive files: manifest.json, image selection, manifest synthesis.
#include "docker_archive.h"

#include <algorithm>
#include <map>

#include <boost/json.hpp>

#include "tbsupport/layout_image.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/sha256.h"
#include "tbsupport/tar_index.h"

namespace tb::dockerarchive {

namespace json = boost::json;

namespace {

bool isDomain(std::string_view first)
{
	return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
	       std::any_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// A path named in manifest.json, as a member of the archive.
Result<std::string> memberName(const support::FileTree &tree, const std::string &name,
			       const std::string &file)
{
	auto clean = support::cleanArchiveName(name);
	if (!clean || clean->empty())
		return err(Errc::Corrupt, "docker-archive " + file +
						  ": manifest.json names unsafe path '" + name +
						  "'");
	if (!tree.size(*clean))
		return err(Errc::Corrupt, "docker-archive " + file + ": '" + name +
						  "' is missing from the archive");
	return *clean;
}

struct FileDigest {
	Digest digest;
	int64_t size = 0;
	std::string mediaType; ///< by magic bytes: gzip, zstd, else plain tar
};

Result<FileDigest> hashMember(const support::FileTree &tree, const std::string &rel, bool sniff)
{
	auto reader = TB_TRY(tree.open(rel));
	support::Sha256 hash;
	std::vector<unsigned char> buf(1 << 20);
	FileDigest out;
	unsigned char magic[4] = {0, 0, 0, 0};
	for (;;) {
		size_t n = TB_TRY_CTX(reader->read(buf.data(), buf.size()), tree.name(rel));
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

using Tree = std::shared_ptr<const support::FileTree>;

// An archive without an OCI layout: a Docker schema2 manifest made up over its files.
class SynthSource : public ImageSource {
public:
	SynthSource(Tree tree, std::string file, std::string manifest,
		    std::map<Digest, std::string> blobs)
	    : tree_(std::move(tree)), file_(std::move(file)), manifest_(std::move(manifest)),
	      blobs_(std::move(blobs))
	{
	}

	Result<RawManifest> manifest(const std::optional<Digest> &instance) noexcept override
	{
		return support::guard("docker-archive manifest", [&]() -> Result<RawManifest> {
			if (instance && *instance != support::Sha256::of(manifest_))
				return err(Errc::NotFound, "docker-archive " + file_ +
								   ": no manifest " +
								   instance->str());
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
							   " is not in docker-archive " + file_);
				return tree_->open(it->second);
			});
	}

private:
	Tree tree_;
	std::string file_;
	std::string manifest_;
	std::map<Digest, std::string> blobs_;
};

Result<std::unique_ptr<ImageSource>> synthesise(Tree tree, const std::string &file,
						const ArchiveImage &img)
{
	std::map<Digest, std::string> blobs;
	std::string configName = TB_TRY(memberName(*tree, img.config, file));
	FileDigest config = TB_TRY(hashMember(*tree, configName, false));
	blobs[config.digest] = configName;
	Descriptor cd{std::string(media::DockerConfig), config.digest, config.size, {}, {}, {}};
	std::string m = "{\"schemaVersion\":2,\"mediaType\":\"" +
			std::string(media::DockerManifest) +
			"\",\"config\":" + support::descriptorJson(cd) + ",\"layers\":[";
	bool first = true;
	for (const auto &layer : img.layers) {
		std::string name = TB_TRY(memberName(*tree, layer, file));
		FileDigest fdg = TB_TRY(hashMember(*tree, name, true));
		blobs[fdg.digest] = name;
		m += (first ? "" : ",") + support::descriptorJson(Descriptor{
						  fdg.mediaType, fdg.digest, fdg.size, {}, {}, {}});
		first = false;
	}
	m += "]}";
	return std::unique_ptr<ImageSource>(std::make_unique<SynthSource>(
		std::move(tree), file, std::move(m), std::move(blobs)));
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

Result<std::unique_ptr<ImageSource>> openImage(std::shared_ptr<const support::FileTree> tree,
					       const std::string &file, const ArchiveImage &img)
{
	std::string ctx = "docker-archive " + file;
	std::string_view cfg = img.config;
	if (cfg.starts_with("blobs/sha256/") && tree->size("oci-layout")) {
		auto digest = Digest::parse("sha256:" + std::string(cfg.substr(13)));
		auto layout = support::OciLayout::open(tree, ctx);
		if (digest && layout) {
			auto found = TB_TRY_CTX(findInLayout(*layout, *digest), ctx);
			if (found)
				return std::unique_ptr<ImageSource>(
					std::make_unique<support::LayoutSource>(std::move(*layout),
										*found));
		}
	}
	return synthesise(std::move(tree), file, img);
}

Result<std::vector<ArchiveImage>> readManifestJson(const support::FileTree &tree,
						   const std::string &file)
{
	std::string ctx = "docker-archive " + file;
	std::string bytes = TB_TRY_CTX(
		support::readTreeFile(tree, "manifest.json", support::MaxManifestBytes), ctx);
	return TB_TRY_CTX(parseManifestJson(bytes), ctx);
}

Result<std::unique_ptr<ImageSource>> openArchive(std::shared_ptr<const support::FileTree> tree,
						 const std::string &file, std::string_view ref)
{
	std::string ctx = "docker-archive " + file;
	auto images = TB_TRY(readManifestJson(*tree, file));
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
	return openImage(std::move(tree), file, *chosen);
}

} // namespace tb::dockerarchive
