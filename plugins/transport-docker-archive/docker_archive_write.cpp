// SPDX-License-Identifier: Apache-2.0
// Writing docker-archive files: an OCI layout plus manifest.json, as `docker save` >= 25 does.
#include "docker_archive.h"

#include "tbsupport/layout_image.h"
#include "tbsupport/oci_json.h"

namespace tb::dockerarchive {

namespace {

constexpr std::string_view ImageNameAnnotation = "io.containerd.image.name";

std::string blobMember(const Digest &d)
{
	return "blobs/" + d.algorithm + "/" + d.hex;
}

class Writer : public ImageDestination {
public:
	Writer(std::string file, std::string ref, support::TempDir dir,
	       std::unique_ptr<support::LayoutDestination> layout)
	    : file_(std::move(file)), ref_(std::move(ref)), dir_(std::move(dir)),
	      layout_(std::move(layout))
	{
	}

	Result<bool> hasBlob(const Descriptor &blob) noexcept override
	{
		return layout_->hasBlob(blob);
	}
	Result<void> putBlob(const Descriptor &blob, BlobReader &data) noexcept override
	{
		return layout_->putBlob(blob, data);
	}
	bool acceptsIndex() const noexcept override { return false; }

	Result<void> putManifest(const RawManifest &m) noexcept override
	{
		return support::guard("docker-archive manifest", [&]() -> Result<void> {
			RawManifest typed = m;
			if (typed.mediaType.empty())
				typed.mediaType = TB_TRY(support::manifestMediaType(m));
			if (support::isIndexType(typed.mediaType))
				return err(Errc::Unsupported,
					   "docker-archive:" + file_ +
						   ": holds single images, not an index");
			auto parsed = TB_TRY_CTX(support::parseImageManifest(typed),
						 "docker-archive:" + file_);
			TB_TRY(checkLoadable(parsed));
			parsed_ = std::move(parsed);
			return layout_->putManifest(typed);
		});
	}

	Result<void> commit() noexcept override
	{
		return support::guard("commit docker-archive", [&]() -> Result<void> {
			if (!parsed_)
				return err(Errc::InvalidArgument,
					   "docker-archive:" + file_ +
						   ": commit without a manifest");
			if (!ref_.empty())
				layout_->annotate(std::string(ImageNameAnnotation), ref_);
			TB_TRY(layout_->commit());
			ArchiveImage img;
			img.config = blobMember(parsed_->config.digest);
			if (!ref_.empty())
				img.repoTags.push_back(ref_);
			for (const auto &l : parsed_->layers)
				img.layers.push_back(blobMember(l.digest));
			std::string root = dir_.path() + "/layout";
			TB_TRY(support::writeFileAtomic(root + "/manifest.json",
							manifestJson(img)));
			return support::packDirectory(root, file_).wrap("docker-archive:" + file_);
		});
	}

private:
	// docker load and podman load only take container images: an artifact (tb's plain
	// variant, any non-image config) would be written fine and then fail to load.
	Result<void> checkLoadable(const support::ImageManifest &m) const
	{
		const std::string &cfg = m.config.mediaType;
		if (cfg == media::OciConfig || cfg == media::DockerConfig)
			return {};
		std::string what = m.artifactType.empty() ? "config type " + cfg
							  : "artifact type " + m.artifactType;
		return err(Errc::Unsupported,
			   "docker-archive:" + file_ + ": the image is an OCI artifact (" + what +
				   "), which docker load and podman load cannot load; write it "
				   "to oci-archive:FILE or oci:DIR instead");
	}

	std::string file_;
	std::string ref_;
	support::TempDir dir_;
	std::unique_ptr<support::LayoutDestination> layout_;
	std::optional<support::ImageManifest> parsed_;
};

} // namespace

Result<std::unique_ptr<ImageDestination>> openWriter(const std::string &file, std::string_view ref,
						     const std::string &tmpDir)
{
	std::string normal, tag;
	if (!ref.empty()) {
		normal = TB_TRY_CTX(normaliseDockerRef(ref), "docker-archive:" + file);
		tag = normal.substr(normal.rfind(':') + 1);
	}
	auto dir = TB_TRY(support::TempDir::create("tb-docker-archive-", tmpDir));
	auto layout = TB_TRY_CTX(support::LayoutDestination::create(dir.path() + "/layout", tag),
				 "docker-archive:" + file);
	return std::unique_ptr<ImageDestination>(std::make_unique<Writer>(
		file, std::move(normal), std::move(dir), std::move(layout)));
}

} // namespace tb::dockerarchive
