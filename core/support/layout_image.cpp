// SPDX-License-Identifier: Apache-2.0
// ImageSource / ImageDestination over an OCI layout, shared by the oci and archive transports.
#include "tbsupport/layout_image.h"

#include <filesystem>

#include <sys/stat.h>

#include "tbsupport/sha256.h"

namespace tb::support {

namespace fs = std::filesystem;

Result<std::unique_ptr<LayoutSource>> LayoutSource::open(const std::string &dir, std::string_view tag)
{
	auto layout = TB_TRY(OciLayout::open(dir));
	auto top = TB_TRY(layout.resolve(tag));
	return std::make_unique<LayoutSource>(std::move(layout), std::move(top));
}

Result<RawManifest> LayoutSource::manifest(const std::optional<Digest> &instance) noexcept
{
	return guard("read manifest", [&]() -> Result<RawManifest> {
		if (!instance || *instance == top_.digest) {
			std::string bytes = TB_TRY_CTX(layout_.readBlob(top_, MaxManifestBytes), "manifest");
			return RawManifest{std::move(bytes), top_.mediaType};
		}
		// A child of an index: its size comes from the file; the caller knows its media type.
		Descriptor d;
		d.digest = *instance;
		struct stat st;
		if (::stat(layout_.blobPath(d.digest).c_str(), &st) != 0)
			return err(Errc::NotFound, "manifest " + d.digest.str() + " is missing from layout " + layout_.dir());
		d.size = st.st_size;
		std::string bytes = TB_TRY_CTX(layout_.readBlob(d, MaxManifestBytes), "manifest");
		return RawManifest{std::move(bytes), std::string()};
	});
}

Result<std::unique_ptr<BlobReader>> LayoutSource::openBlob(const Descriptor &blob) noexcept
{
	return guard("open blob", [&] { return layout_.openBlob(blob); });
}

Result<std::unique_ptr<LayoutDestination>> LayoutDestination::create(std::string dir, std::string tag)
{
	if (dir.empty())
		return err(Errc::InvalidArgument, "layout path is empty");
	if (!tag.empty())
		TB_TRY(validateLayoutTag(tag));
	while (dir.size() > 1 && dir.back() == '/')
		dir.pop_back();
	return std::unique_ptr<LayoutDestination>(new LayoutDestination(std::move(dir), std::move(tag)));
}

LayoutDestination::~LayoutDestination()
{
	if (!committed_)
		abandon();
}

Result<const OciLayout *> LayoutDestination::layout()
{
	if (layout_)
		return &*layout_;
	std::error_code ec;
	createdDir_ = !fs::exists(dir_, ec);
	createdLayout_ = !fs::exists(dir_ + "/oci-layout", ec);
	layout_ = TB_TRY(OciLayout::openOrCreate(dir_));
	return &*layout_;
}

// A failed write must not leave a new, empty layout behind; an existing one keeps its index
// (and may keep verified, unreferenced blobs: deleting them could race with another writer).
void LayoutDestination::abandon() noexcept
{
	if (!layout_ || !createdLayout_)
		return;
	try {
		auto lock = LayoutLock::acquire(dir_, 5000);
		if (!lock)
			return;
		auto entries = layout_->entries();
		if (!entries || !entries->empty())
			return;
		std::error_code ec;
		if (createdDir_) {
			fs::remove_all(dir_, ec);
			return;
		}
		for (const auto &name : {"oci-layout", "index.json", "blobs"})
			fs::remove_all(dir_ + "/" + name, ec);
	} catch (...) {
		// best effort: the index was never written, so nothing is visible anyway
	}
}

Result<bool> LayoutDestination::hasBlob(const Descriptor &blob) noexcept
{
	return guard("check blob", [&]() -> Result<bool> {
		std::error_code ec;
		if (!layout_ && !fs::exists(dir_ + "/oci-layout", ec))
			return false;
		const OciLayout *l = TB_TRY(layout());
		return l->hasBlob(blob);
	});
}

Result<void> LayoutDestination::putBlobImpl(const Descriptor &blob, BlobReader &data)
{
	const OciLayout *l = TB_TRY(layout());
	return l->putBlob(blob, data);
}

Result<void> LayoutDestination::putBlob(const Descriptor &blob, BlobReader &data) noexcept
{
	return guard("write blob", [&] { return putBlobImpl(blob, data); });
}

Result<void> LayoutDestination::putManifestImpl(const RawManifest &m)
{
	Descriptor d;
	d.mediaType = m.mediaType.empty() ? TB_TRY(manifestMediaType(m)) : m.mediaType;
	d.digest = Sha256::of(m.bytes);
	d.size = static_cast<int64_t>(m.bytes.size());
	const OciLayout *l = TB_TRY(layout());
	TB_TRY(l->putBlobBytes(d, m.bytes));
	manifest_ = std::move(d);
	return {};
}

Result<void> LayoutDestination::putManifest(const RawManifest &m) noexcept
{
	return guard("write manifest", [&] { return putManifestImpl(m); });
}

Result<void> LayoutDestination::commit() noexcept
{
	return guard("commit", [&]() -> Result<void> {
		if (!manifest_)
			return err(Errc::InvalidArgument, "commit to layout " + dir_ + " without a manifest");
		const OciLayout *l = TB_TRY(layout());
		Descriptor entry = *manifest_;
		for (const auto &[k, v] : extra_)
			entry.annotations[k] = v;
		TB_TRY(l->setTag(tag_, entry));
		committed_ = true;
		return {};
	});
}

} // namespace tb::support
