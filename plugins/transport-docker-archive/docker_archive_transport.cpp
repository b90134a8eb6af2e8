// SPDX-License-Identifier: Apache-2.0
// The `docker-archive:FILE[:REF]` transport (`docker save` / `docker load` files).
#include <memory>
#include <string>
#include <string_view>

#include <tb/plugin.h>
#include <tb/transport.h>

#include "docker_archive.h"
#include "tbsupport/layout_image.h"
#include "tbsupport/sha256.h"
#include "tbsupport/transport_util.h"

namespace tb {

namespace {

using support::guard;

class DockerArchiveTransport : public Transport {
public:
	DockerArchiveTransport(Host &host, std::string tmpDir)
	    : host_(host), tmpDir_(std::move(tmpDir))
	{
	}

	Result<std::unique_ptr<ImageSource>> openSource(std::string_view location) noexcept override
	{
		return guard("docker-archive source",
			     [&]() -> Result<std::unique_ptr<ImageSource>> {
				     auto [file, ref] = support::splitPathAndTag(location);
				     auto tree = TB_TRY(open(file));
				     return dockerarchive::openArchive(std::move(tree), file, ref);
			     });
	}

	Result<std::unique_ptr<ImageDestination>>
	openDestination(std::string_view location) noexcept override
	{
		return guard("docker-archive destination",
			     [&]() -> Result<std::unique_ptr<ImageDestination>> {
				     auto [file, ref] = support::splitPathAndTag(location);
				     TB_TRY(support::checkArchiveTarget(file).wrap(
					     "docker-archive:" + std::string(location)));
				     return dockerarchive::openWriter(file, ref, tmpDir_);
			     });
	}

	Result<std::vector<ImageEntry>> list(std::string_view location) noexcept override
	{
		return guard("docker-archive list", [&]() -> Result<std::vector<ImageEntry>> {
			auto [file, ignored] = support::splitPathAndTag(location);
			auto tree = TB_TRY(open(file));
			auto images = TB_TRY(dockerarchive::readManifestJson(*tree, file));
			std::vector<ImageEntry> out;
			// One entry per tag; an untagged image is listed once, without a name.
			for (const auto &img : images) {
				auto src = TB_TRY(dockerarchive::openImage(tree, file, img));
				auto m = TB_TRY(src->manifest(std::nullopt));
				Descriptor d{m.mediaType,
					     support::Sha256::of(m.bytes),
					     static_cast<int64_t>(m.bytes.size()),
					     {},
					     {},
					     {}};
				if (img.repoTags.empty())
					out.push_back(ImageEntry{std::string(), d});
				for (const auto &tag : img.repoTags)
					out.push_back(ImageEntry{tag, d});
			}
			return out;
		});
	}

private:
	// Read in place when uncompressed; a compressed archive is decompressed to tmp_dir first.
	Result<std::shared_ptr<const support::FileTree>> open(const std::string &file)
	{
		return support::openTransportArchive("docker-archive", file, tmpDir_);
	}

	Host &host_;
	std::string tmpDir_;
};

// Declared for `tb config validate/init` and docs/config.md; the core checks the section.
const Setting kKeys[] = {
	{"tmp_dir", SettingType::String, "\"\"",
	 "where compressed archives are unpacked; \"\" = the system temporary directory"},
};
constexpr PluginSettings kSettings = declareSettings(kKeys);

Result<std::unique_ptr<Transport>> create(Host &host, const ConfigView &config)
{
	support::warnUnknownKeys(host, config, {"tmp_dir"});
	return std::unique_ptr<Transport>(
		std::make_unique<DockerArchiveTransport>(host, config.getString("tmp_dir")));
}

} // namespace

} // namespace tb

TB_PLUGIN(tb::Transport, "docker-archive", "0.1.0", tb::create, tb::kSettings);
