// SPDX-License-Identifier: Apache-2.0
// Managing the embedded local store: `tb rmi`, `tb tag`, `tb prune`.
#include <tb/images.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include <tb/context.h>

#include "tbsupport/oci_layout.h"
#include "tbsupport/temp_track.h"

namespace tb {

namespace {

namespace fs = std::filesystem;
using support::IndexEntry;
using support::OciLayout;

std::string refName(const Descriptor &d)
{
	auto it = d.annotations.find(std::string(support::RefNameAnnotation));
	return it != d.annotations.end() ? it->second : std::string();
}

bool isHex(std::string_view s)
{
	return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
	});
}

Result<OciLayout> openStore(Context &ctx)
{
	const std::string &dir = ctx.paths().storeDir;
	if (dir.empty())
		return err(Errc::InvalidArgument, "no store path configured ([store] path)");
	auto layout = OciLayout::open(dir);
	if (!layout && layout.error().code == Errc::NotFound)
		return err(Errc::NotFound, "the local store " + dir + " holds no images");
	return layout;
}

// Which entries \a arg names: a store name first (podman's order), then a digest or a
// unique prefix of one (at least 4 hex digits; "sha256:" optional).
Result<std::vector<size_t>> match(const std::vector<IndexEntry> &entries, std::string_view arg,
				  const std::string &store)
{
	std::vector<size_t> hits;
	if (auto name = normaliseStoreName(arg)) {
		auto at = name->find('@');
		std::string ref = at == std::string::npos ? *name : name->substr(0, at);
		std::optional<Digest> digest;
		if (at != std::string::npos)
			digest = Digest::parse(name->substr(at + 1)).value();
		for (size_t i = 0; i < entries.size(); ++i) {
			const Descriptor &d = entries[i].descriptor;
			std::string r = refName(d);
			bool sameName = at == std::string::npos
						? r == ref
						: (r == ref || r.starts_with(ref + ":"));
			if (sameName && (!digest || d.digest == *digest))
				hits.push_back(i);
		}
		if (!hits.empty())
			return hits;
	}
	std::string_view hex = arg;
	if (hex.starts_with("sha256:"))
		hex.remove_prefix(7);
	if (hex.size() >= 4 && isHex(hex)) {
		std::optional<Digest> found;
		for (size_t i = 0; i < entries.size(); ++i) {
			const Digest &d = entries[i].descriptor.digest;
			if (d.algorithm != "sha256" || !d.hex.starts_with(hex))
				continue;
			if (found && *found != d)
				return err(Errc::InvalidArgument,
					   "'" + std::string(arg) +
						   "' is the prefix of more than one image digest; "
						   "give more of it");
			found = d;
			hits.push_back(i);
		}
		if (!hits.empty())
			return hits;
	}
	return err(Errc::NotFound,
		   "image " + std::string(arg) + ": not in the local store (" + store + ")");
}

// Delete the blobs nothing uses any more. Runs under the exclusive blob lock.
Result<std::vector<std::pair<Digest, int64_t>>> unusedBlobs(const OciLayout &layout)
{
	auto used = TB_TRY(layout.referencedBlobs());
	std::vector<std::pair<Digest, int64_t>> out;
	for (auto &[d, size] : TB_TRY(layout.storedBlobs()))
		if (!used.count(d))
			out.emplace_back(d, size);
	return out;
}

int64_t removeBlobs(const OciLayout &layout, const std::vector<std::pair<Digest, int64_t>> &blobs)
{
	int64_t freed = 0;
	for (const auto &[d, size] : blobs) {
		std::error_code ec;
		if (fs::remove(layout.blobPath(d), ec))
			freed += size;
	}
	return freed;
}

} // namespace

Result<RemovalReport> removeImages(Context &ctx, const std::vector<std::string> &names, bool force)
{
	if (names.empty())
		return err(Errc::InvalidArgument, "no image named");
	auto layout = TB_TRY(openStore(ctx));
	const std::string &store = ctx.paths().storeDir;
	auto blobsLock = TB_TRY(layout.lockBlobs(true));
	RemovalReport report;
	std::set<Digest> topBefore;
	TB_TRY(layout.filterIndex([&](const std::vector<IndexEntry> &entries) {
		std::vector<bool> keep(entries.size(), true);
		for (const auto &e : entries)
			topBefore.insert(e.descriptor.digest);
		for (const auto &arg : names) {
			auto hits = match(entries, arg, store);
			if (!hits) {
				report.errors.push_back(std::move(hits).error());
				continue;
			}
			if (hits->size() > 1 && !force) {
				std::string tags;
				for (size_t i : *hits)
					tags += (tags.empty() ? "" : ", ") +
						refName(entries[i].descriptor);
				report.errors.push_back(
					{Errc::Conflict,
					 "image " + arg + " is tagged more than once (" + tags +
						 "); remove the tags by name, or use --force"});
				continue;
			}
			for (size_t i : *hits) {
				if (keep[i])
					report.untagged.push_back(
						refName(entries[i].descriptor).empty()
							? entries[i].descriptor.digest.str()
							: refName(entries[i].descriptor));
				keep[i] = false;
			}
		}
		return keep;
	}));
	if (report.untagged.empty())
		return report;
	auto unused = TB_TRY(unusedBlobs(layout));
	for (const auto &[d, size] : unused)
		if (topBefore.count(d))
			report.deleted.push_back(d);
	report.bytesFreed = removeBlobs(layout, unused);
	return report;
}

Result<Descriptor> tagImage(Context &ctx, std::string_view source, std::string_view target)
{
	auto name = TB_TRY(normaliseStoreName(target));
	if (name.find('@') != std::string::npos)
		return err(Errc::InvalidArgument,
			   "image name '" + std::string(target) + "': a tag cannot hold a digest");
	auto layout = TB_TRY(openStore(ctx));
	// Shared: an rmi or prune running now cannot take the blobs the new tag points at.
	auto blobsLock = TB_TRY(layout.lockBlobs(false));
	auto entries = TB_TRY(layout.entries());
	auto hits = TB_TRY(match(entries, source, ctx.paths().storeDir));
	Descriptor d = entries[hits.front()].descriptor;
	for (size_t i : hits)
		if (entries[i].descriptor.digest != d.digest)
			return err(Errc::InvalidArgument,
				   "image " + std::string(source) + " names more than one image");
	TB_TRY(layout.setTag(name, d));
	return d;
}

Result<PruneReport> pruneStore(Context &ctx, bool dryRun)
{
	PruneReport report;
	report.dryRun = dryRun;
	const std::string &store = ctx.paths().storeDir;
	std::error_code ec;
	if (!fs::exists(store + "/oci-layout", ec))
		return report; // nothing stored, nothing to prune
	auto layout = TB_TRY(openStore(ctx));
	auto blobsLock = TB_TRY(layout.lockBlobs(true));
	auto unused = TB_TRY(unusedBlobs(layout));
	for (const auto &[d, size] : unused)
		report.items.push_back({PrunedItem::Kind::Blob, layout.blobPath(d), size});
	auto temps = support::findStaleTemps(store, support::LayoutTempPrefix);
	for (const auto &t : temps)
		report.items.push_back({PrunedItem::Kind::TempFile, t.path, t.bytes});
	for (const auto &i : report.items)
		report.bytes += i.bytes;
	if (dryRun)
		return report;
	removeBlobs(layout, unused);
	for (const auto &t : temps)
		fs::remove_all(t.path, ec);
	return report;
}

} // namespace tb
