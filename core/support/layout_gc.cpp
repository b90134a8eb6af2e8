// SPDX-License-Identifier: Apache-2.0
// Managing a layout's images: editing index.json, the blob lock, which blobs are in use.
#include "tbsupport/oci_layout.h"

#include <filesystem>
#include <map>

#include <boost/json.hpp>

namespace tb::support {

namespace json = boost::json;
namespace fs = std::filesystem;

Result<LayoutLock> OciLayout::lockBlobs(bool exclusive, int timeoutMs) const
{
	TB_TRY(writable());
	auto lock = LayoutLock::acquire(dir_ + "/blobs", timeoutMs, !exclusive);
	if (!lock && lock.error().code == Errc::Conflict)
		return err(Errc::Conflict,
			   where() + " is busy: another tb is writing to it (waited " +
				   std::to_string(timeoutMs / 1000) + " s)");
	return lock;
}

Result<void> OciLayout::filterIndex(
	const std::function<std::vector<bool>(const std::vector<IndexEntry> &)> &keep) const
{
	TB_TRY(writable());
	auto lock = TB_TRY(LayoutLock::acquire(dir_));
	std::string path = dir_ + "/index.json";
	std::string bytes = TB_TRY(readFileCapped(path, MaxLayoutIndexBytes));
	auto parsed = parseImageIndex(RawManifest{bytes, std::string(media::OciIndex)},
				      MaxLayoutIndexBytes);
	if (!parsed)
		return unexpected(std::move(parsed).error().wrap(path));
	boost::system::error_code ec;
	json::value index = json::parse(bytes, ec);
	json::array *list = nullptr;
	if (!ec && index.is_object())
		if (json::value *m = index.as_object().if_contains("manifests"))
			list = m->if_array();
	if (!list || list->size() != parsed->manifests.size())
		return err(Errc::Corrupt, path + ": 'manifests' is not an array of descriptors");
	std::vector<bool> stays = keep(parsed->manifests);
	json::array kept;
	for (size_t i = 0; i < list->size(); ++i)
		if (i >= stays.size() || stays[i])
			kept.push_back(std::move((*list)[i]));
	if (kept.size() == list->size())
		return {};
	*list = std::move(kept);
	return writeIndex(path, index);
}

Result<std::set<Digest>> OciLayout::referencedBlobs() const
{
	std::set<Digest> used;
	std::vector<std::pair<Descriptor, std::string>> todo; // manifest, which image needs it
	for (auto &e : TB_TRY(entries())) {
		auto it = e.descriptor.annotations.find(std::string(RefNameAnnotation));
		std::string name = it != e.descriptor.annotations.end() ? it->second
									: e.descriptor.digest.str();
		todo.emplace_back(std::move(e.descriptor), std::move(name));
	}
	while (!todo.empty()) {
		// Not a structured binding: clang 14 cannot capture one in the lambda below.
		Descriptor d = std::move(todo.back().first);
		std::string name = std::move(todo.back().second);
		todo.pop_back();
		if (!used.insert(d.digest).second)
			continue; // seen: another tag of it, or a child shared by two indexes
		auto fail = [&name, &d](const Error &e) {
			return err(Errc::Corrupt,
				   "image " + name + ": manifest " + d.digest.str() +
					   " cannot be read, so the blobs it uses are "
					   "unknown: " +
					   e.message);
		};
		auto bytes = readBlob(d, MaxManifestBytes);
		if (!bytes)
			return fail(bytes.error());
		RawManifest raw{std::move(*bytes), d.mediaType};
		if (raw.mediaType.empty()) {
			auto type = manifestMediaType(raw);
			if (!type)
				return fail(type.error());
			raw.mediaType = *type;
		}
		if (isIndexType(raw.mediaType)) {
			auto index = parseImageIndex(raw);
			if (!index)
				return fail(index.error());
			for (auto &child : index->manifests)
				todo.emplace_back(std::move(child.descriptor), name);
			continue;
		}
		auto m = parseImageManifest(raw);
		if (!m)
			return fail(m.error());
		used.insert(m->config.digest);
		for (const auto &l : m->layers)
			used.insert(l.digest);
	}
	return used;
}

Result<std::vector<std::pair<Digest, int64_t>>> OciLayout::storedBlobs() const
{
	TB_TRY(writable());
	std::vector<std::pair<Digest, int64_t>> out;
	std::error_code ec;
	std::string dir = dir_ + "/blobs/sha256";
	for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
		auto d = Digest::parse("sha256:" + it->path().filename().string());
		if (!d || !it->is_regular_file(ec))
			continue; // not a blob name: not ours to judge
		out.emplace_back(std::move(*d), static_cast<int64_t>(it->file_size(ec)));
	}
	if (ec && ec != std::errc::no_such_file_or_directory)
		return err(Errc::Io, "list " + dir + ": " + ec.message());
	return out;
}

} // namespace tb::support
