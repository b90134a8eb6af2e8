// SPDX-License-Identifier: Apache-2.0
// ImageSource / ImageDestination over an OCI layout, shared by the oci and archive transports.
#include "tbsupport/layout_image.h"

#include <filesystem>

#include <sys/stat.h>
#include <unistd.h>

#include "tbsupport/sha256.h"

namespace tb::support {

namespace fs = std::filesystem;

Result<std::unique_ptr<LayoutSource>> LayoutSource::open(const std::string &dir,
							 std::string_view tag, std::string label)
{
	auto layout = TB_TRY(OciLayout::open(dir));
	layout.setLabel(std::move(label));
	auto top = TB_TRY(layout.resolve(tag));
	return std::make_unique<LayoutSource>(std::move(layout), std::move(top));
}

Result<std::unique_ptr<LayoutSource>> LayoutSource::open(std::shared_ptr<const FileTree> tree,
							 std::string_view tag, std::string label)
{
	auto layout = TB_TRY(OciLayout::open(std::move(tree), std::move(label)));
	auto top = TB_TRY(layout.resolve(tag));
	return std::make_unique<LayoutSource>(std::move(layout), std::move(top));
}

Result<RawManifest> LayoutSource::manifest(const std::optional<Digest> &instance) noexcept
{
	return guard("read manifest", [&]() -> Result<RawManifest> {
		if (!instance || *instance == top_.digest) {
			std::string bytes =
				TB_TRY_CTX(layout_.readBlob(top_, MaxManifestBytes), "manifest");
			return RawManifest{std::move(bytes), top_.mediaType};
		}
		// A child of an index: its size comes from the file; the caller knows its media
		// type.
		Descriptor d;
		d.digest = *instance;
		auto size = layout_.blobSize(d.digest);
		if (!size)
			return err(size.error().code, "manifest " + d.digest.str() +
							      " is missing from " +
							      layout_.where());
		d.size = *size;
		std::string bytes = TB_TRY_CTX(layout_.readBlob(d, MaxManifestBytes), "manifest");
		return RawManifest{std::move(bytes), std::string()};
	});
}

Result<std::unique_ptr<BlobReader>> LayoutSource::openBlob(const Descriptor &blob) noexcept
{
	return guard("open blob", [&] { return layout_.openBlob(blob); });
}

Result<std::unique_ptr<LayoutDestination>> LayoutDestination::create(std::string dir,
								     std::string tag)
{
	if (dir.empty())
		return err(Errc::InvalidArgument, "layout path is empty");
	if (!tag.empty())
		TB_TRY(validateLayoutTag(tag));
	while (dir.size() > 1 && dir.back() == '/')
		dir.pop_back();
	return std::unique_ptr<LayoutDestination>(
		new LayoutDestination(std::move(dir), std::move(tag)));
}

LayoutDestination::~LayoutDestination()
{
	if (!committed_)
		abandon();
}

// Fail before the first byte is written if the directory cannot become a layout.
Result<void> LayoutDestination::prepareDir()
{
	if (dirReady_)
		return {};
	std::error_code ec;
	fs::path p(dir_);
	if (!fs::exists(p, ec)) {
		fs::path top = p;
		while (top.has_parent_path() && top.parent_path() != top &&
		       !fs::exists(top.parent_path(), ec))
			top = top.parent_path();
		fs::create_directories(p, ec);
		if (ec)
			return err(Errc::Io,
				   "create layout directory " + dir_ + ": " + ec.message());
		topCreated_ = top.string();
	} else if (!fs::is_directory(p, ec)) {
		return err(Errc::InvalidArgument, dir_ + " exists and is not a directory");
	} else if (!fs::exists(p / "oci-layout", ec) && !isEmptyLayoutDir(dir_)) {
		return err(Errc::Conflict,
			   dir_ + " exists, is not empty and is not an OCI image layout");
	}
	dirReady_ = true;
	return {};
}

// Nothing becomes visible: staged temp files go, and directories we created with them.
void LayoutDestination::abandon() noexcept
{
	staged_.clear(); // removes the temp files
	if (topCreated_.empty())
		return;
	std::error_code ec;
	for (fs::path p(dir_);; p = p.parent_path()) {
		if (!fs::remove(p, ec) || p == fs::path(topCreated_) || !p.has_parent_path())
			break; // stops at the first non-empty directory
	}
}

Result<bool> LayoutDestination::hasBlob(const Descriptor &blob) noexcept
{
	return guard("check blob", [&]() -> Result<bool> {
		std::lock_guard lock(mutex_);
		if (staged_.count(blob.digest))
			return true;
		std::error_code ec;
		if (!fs::exists(dir_ + "/oci-layout", ec))
			return false;
		auto layout = TB_TRY(OciLayout::open(dir_));
		TB_TRY(holdBlobs());
		return layout.hasBlob(blob);
	});
}

Result<void> LayoutDestination::stage(const Descriptor &blob, BlobReader &data)
{
	{
		std::lock_guard lock(mutex_);
		TB_TRY(prepareDir());
	}
	auto staged = TB_TRY(stageBlob(dir_, blob, data));
	std::lock_guard lock(mutex_);
	staged_.insert_or_assign(blob.digest, std::move(staged));
	return {};
}

Result<void> LayoutDestination::putBlob(const Descriptor &blob, BlobReader &data) noexcept
{
	return guard("write blob", [&] { return stage(blob, data); });
}

// The file the core writes its own layer into: no copy from elsewhere, no second hash.
class LayoutBlobFile : public BlobFile {
public:
	LayoutBlobFile(LayoutDestination &dest, StagedBlob staged)
	    : dest_(dest), staged_(std::move(staged))
	{
	}
	int fd() const noexcept override { return staged_.fd(); }
	Result<void> adopt(const Descriptor &blob) noexcept override
	{
		return guard("adopt blob", [&]() -> Result<void> {
			if (staged_.path().empty())
				return err(Errc::InvalidArgument,
					   "blob " + blob.digest.str() + ": file already adopted");
			TB_TRY(finishStaged(staged_, blob));
			return dest_.adoptStaged(std::move(staged_), blob);
		});
	}

private:
	LayoutDestination &dest_;
	StagedBlob staged_;
};

Result<std::unique_ptr<BlobFile>> LayoutDestination::createBlobFile() noexcept
{
	return guard("create blob file", [&]() -> Result<std::unique_ptr<BlobFile>> {
		{
			std::lock_guard lock(mutex_);
			TB_TRY(prepareDir());
		}
		auto staged = TB_TRY(createStaged(dir_));
		return std::unique_ptr<BlobFile>(
			std::make_unique<LayoutBlobFile>(*this, std::move(staged)));
	});
}

Result<void> LayoutDestination::adoptStaged(StagedBlob staged, const Descriptor &blob)
{
	std::lock_guard lock(mutex_);
	staged_.insert_or_assign(blob.digest, std::move(staged));
	return {};
}

Result<void> LayoutDestination::putManifest(const RawManifest &m) noexcept
{
	return guard("write manifest", [&]() -> Result<void> {
		Descriptor d;
		d.mediaType = m.mediaType.empty() ? TB_TRY(manifestMediaType(m)) : m.mediaType;
		d.digest = Sha256::of(m.bytes);
		d.size = static_cast<int64_t>(m.bytes.size());
		StringReader reader(m.bytes);
		TB_TRY(stage(d, reader));
		manifest_ = std::move(d);
		return {};
	});
}

Result<void> LayoutDestination::holdBlobs()
{
	if (blobsLock_)
		return {};
	std::error_code ec;
	if (!fs::is_directory(dir_ + "/blobs", ec))
		return {}; // nothing stored to rely on yet; openOrCreate() makes it
	blobsLock_.emplace(TB_TRY(LayoutLock::acquire(dir_ + "/blobs", 60000, true)));
	return {};
}

Result<void> LayoutDestination::commitImpl()
{
	if (!manifest_)
		return err(Errc::InvalidArgument,
			   "commit to layout " + dir_ + " without a manifest");
	auto layout = TB_TRY(OciLayout::openOrCreate(dir_));
	TB_TRY(holdBlobs());
	// Blobs first, index last: a reader never sees a tag whose blobs are missing.
	for (auto it = staged_.begin(); it != staged_.end();) {
		TB_TRY(layout.adoptBlob(it->second, it->first));
		it = staged_.erase(it);
	}
	Descriptor entry = *manifest_;
	for (const auto &[k, v] : extra_)
		entry.annotations[k] = v;
	TB_TRY(layout.setTag(tag_, entry));
	committed_ = true;
	return {};
}

Result<void> LayoutDestination::commit() noexcept
{
	return guard("commit", [&] { return commitImpl(); });
}

} // namespace tb::support
