// SPDX-License-Identifier: Apache-2.0
// The `oci-archive:FILE[:TAG]` transport: a tar of an OCI image layout, read and write.
#include <memory>
#include <string>
#include <string_view>

#include <sys/stat.h>

#include <tb/plugin.h>
#include <tb/transport.h>

#include "tbsupport/layout_image.h"
#include "tbsupport/tar_dir.h"
#include "tbsupport/tar_index.h"
#include "tbsupport/transport_util.h"

namespace tb {

namespace {

using support::guard;

using Base = std::shared_ptr<const support::TarIndex>;

// Writes a layout in a temp dir (seeded with FILE's images when it exists); commit() tars it
// over FILE atomically, so FILE is never half-written. The blobs of an existing uncompressed
// FILE (\a base) are not copied to the temp dir: commit() takes them from FILE itself.
class ArchiveDestination : public ImageDestination {
public:
	ArchiveDestination(std::string file, support::TempDir dir,
			   std::unique_ptr<support::LayoutDestination> layout, Base base)
	    : file_(std::move(file)), dir_(std::move(dir)), layout_(std::move(layout)),
	      base_(std::move(base))
	{
	}
	Result<bool> hasBlob(const Descriptor &blob) noexcept override
	{
		if (base_) {
			auto size = base_->size("blobs/" + blob.digest.algorithm + "/" +
						blob.digest.hex);
			if (size && *size == blob.size)
				return true;
		}
		return layout_->hasBlob(blob);
	}
	Result<void> putBlob(const Descriptor &blob, BlobReader &data) noexcept override
	{
		return layout_->putBlob(blob, data);
	}
	Result<void> putManifest(const RawManifest &m) noexcept override
	{
		return layout_->putManifest(m);
	}
	Result<void> commit() noexcept override
	{
		return guard("commit oci-archive", [&]() -> Result<void> {
			TB_TRY(layout_->commit());
			return support::packDirectory(dir_.path() + "/layout", file_, base_.get())
				.wrap("oci-archive:" + file_);
		});
	}

private:
	std::string file_;
	support::TempDir dir_;
	std::unique_ptr<support::LayoutDestination> layout_;
	Base base_;
};

class OciArchiveTransport : public Transport {
public:
	OciArchiveTransport(Host &host, std::string tmpDir)
	    : host_(host), tmpDir_(std::move(tmpDir))
	{
	}

	Result<std::unique_ptr<ImageSource>> openSource(std::string_view location) noexcept override
	{
		return guard("oci-archive source", [&]() -> Result<std::unique_ptr<ImageSource>> {
			auto [file, tag] = support::splitPathAndTag(location);
			auto tree = TB_TRY(open(file));
			auto layout = TB_TRY(support::LayoutSource::open(std::move(tree), tag,
									 "oci-archive " + file));
			return std::unique_ptr<ImageSource>(std::move(layout));
		});
	}

	Result<std::unique_ptr<ImageDestination>>
	openDestination(std::string_view location) noexcept override
	{
		return guard("oci-archive destination",
			     [&]() -> Result<std::unique_ptr<ImageDestination>> {
				     auto [file, tag] = support::splitPathAndTag(location);
				     TB_TRY(support::checkArchiveTarget(file).wrap(
					     "oci-archive:" + std::string(location)));
				     auto dir = TB_TRY(
					     support::TempDir::create("tb-oci-archive-", tmpDir_));
				     auto base = TB_TRY(keepExisting(file, dir.path() + "/layout"));
				     auto layout =
					     TB_TRY_CTX(support::LayoutDestination::create(
								dir.path() + "/layout", tag),
							"oci-archive:" + std::string(location));
				     return std::unique_ptr<ImageDestination>(
					     std::make_unique<ArchiveDestination>(
						     file, std::move(dir), std::move(layout),
						     std::move(base)));
			     });
	}

	Result<std::vector<ImageEntry>> list(std::string_view location) noexcept override
	{
		return guard("oci-archive list", [&]() -> Result<std::vector<ImageEntry>> {
			auto [file, tag] = support::splitPathAndTag(location);
			auto tree = TB_TRY(open(file));
			auto layout = TB_TRY(
				support::OciLayout::open(std::move(tree), "oci-archive " + file));
			return support::listLayout(layout, tag);
		});
	}

private:
	// Writing a tag into an existing archive keeps its other images (skopeo would drop
	// them); a file that is not an oci-archive is refused rather than overwritten. An
	// uncompressed FILE only gives its oci-layout and index.json; a compressed one is
	// unpacked whole (it cannot be read at offsets later). Only a format error means "not
	// an oci-archive": a failed read, a limit or an unsupported entry is reported as such.
	static Result<Base> keepExisting(const std::string &file, const std::string &layoutDir)
	{
		struct stat st;
		if (::stat(file.c_str(), &st) != 0)
			return Base();
		auto fail = [&](Error e) -> Result<Base> {
			if (e.code != Errc::Corrupt && e.code != Errc::NotFound)
				return unexpected(std::move(e).wrap("oci-archive:" + file));
			return err(Errc::Conflict, file + " exists and is not an oci-archive (" +
							   e.message +
							   "); remove it or choose another name");
		};
		auto plain = support::isUncompressedTar(file);
		if (!plain)
			return fail(plain.error());
		if (*plain) {
			auto index = support::TarIndex::open(file);
			if (!index)
				return fail(index.error());
			auto layout = support::OciLayout::open(*index, "oci-archive " + file);
			if (!layout)
				return fail(layout.error());
			if (::mkdir(layoutDir.c_str(), 0755) != 0)
				return unexpected(support::errnoError("create " + layoutDir));
			for (const char *name : {"oci-layout", "index.json"}) {
				auto bytes = TB_TRY(support::readTreeFile(
					**index, name, support::MaxLayoutIndexBytes));
				TB_TRY(support::writeFileAtomic(layoutDir + "/" + name, bytes));
			}
			return Base(std::move(*index));
		}
		if (auto r = support::unpackArchive(file, layoutDir); !r)
			return fail(r.error());
		if (auto l = support::OciLayout::open(layoutDir); !l)
			return fail(l.error());
		return Base();
	}

	// Read in place when uncompressed; a compressed archive is decompressed to tmp_dir first.
	Result<std::shared_ptr<const support::FileTree>> open(const std::string &file)
	{
		return support::openTransportArchive("oci-archive", file, tmpDir_);
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
		std::make_unique<OciArchiveTransport>(host, config.getString("tmp_dir")));
}

} // namespace

} // namespace tb

TB_PLUGIN(tb::Transport, "oci-archive", "0.1.0", tb::create, tb::kSettings);
