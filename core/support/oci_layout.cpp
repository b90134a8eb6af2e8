// SPDX-License-Identifier: Apache-2.0
// An OCI image layout directory: verified blob reads, atomic blob writes, locked index updates.
#include "tbsupport/oci_layout.h"

#include <cerrno>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "tbsupport/sha256.h"

namespace tb::support {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view LayoutFileContent = "{\"imageLayoutVersion\":\"1.0.0\"}";
constexpr std::string_view EmptyIndex = "{\"schemaVersion\":2,\"mediaType\":\"application/"
					"vnd.oci.image.index.v1+json\",\"manifests\":[]}";

std::string hexOf(const Digest &d)
{
	return d.algorithm + ":" + d.hex.substr(0, 12);
}

} // namespace

Result<void> OciLayout::writeIndex(const std::string &path, const boost::json::value &index)
{
	std::string text = json::serialize(index);
	// Readers refuse an index.json over the cap: never write one.
	if (text.size() > MaxLayoutIndexBytes)
		return err(Errc::LimitExceeded,
			   path + " would grow to " + std::to_string(text.size()) +
				   " bytes, over the " + std::to_string(MaxLayoutIndexBytes) +
				   " byte limit; remove images (tb rmi) first");
	return writeFileAtomic(path, text);
}

// The ref.name grammar of the OCI annotations spec (what skopeo's oci: transport checks):
// components of alphanumerics joined by one of -._:@+ or "--", separated by '/'.
Result<void> validateLayoutTag(std::string_view tag)
{
	auto bad = [&](std::string why) {
		return err(Errc::InvalidArgument, "tag '" + std::string(tag) + "': " + why);
	};
	if (tag.empty() || tag.size() > 255)
		return bad("must be 1 to 255 characters");
	auto alnum = [](char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	};
	size_t start = 0;
	while (start <= tag.size()) {
		size_t slash = tag.find('/', start);
		std::string_view comp = tag.substr(
			start, slash == std::string_view::npos ? tag.npos : slash - start);
		if (comp.empty() || !alnum(comp.front()) || !alnum(comp.back()))
			return bad("each '/'-separated part must start and end with a letter or "
				   "digit");
		for (size_t i = 0; i < comp.size();) {
			if (alnum(comp[i])) {
				++i;
				continue;
			}
			if (comp.substr(i, 2) == "--" && i + 2 < comp.size() &&
			    alnum(comp[i + 2])) {
				i += 2;
				continue;
			}
			if (std::string_view("-._:@+").find(comp[i]) == std::string_view::npos)
				return bad("invalid character '" + std::string(1, comp[i]) + "'");
			if (!alnum(comp[i + 1]))
				return bad("separators must stand between letters or digits");
			++i;
		}
		if (slash == std::string_view::npos)
			break;
		start = slash + 1;
	}
	return {};
}

std::pair<std::string, std::string> splitPathAndTag(std::string_view location)
{
	auto colon = location.find(':');
	if (colon == std::string_view::npos)
		return {std::string(location), std::string()};
	return {std::string(location.substr(0, colon)), std::string(location.substr(colon + 1))};
}

bool isEmptyLayoutDir(const std::string &dir)
{
	std::error_code ec;
	for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
	     it.increment(ec))
		if (!it->path().filename().string().starts_with(".tb-"))
			return false;
	return !ec;
}

// \a what names the layout: "DIR" or the archive's label.
Result<void> OciLayout::checkLayoutFile(const FileTree &tree, const std::string &what)
{
	auto text = readTreeFile(tree, "oci-layout", 4096, true);
	if (!text) {
		if (text.error().code == Errc::NotFound)
			return err(Errc::NotFound,
				   what + " is not an OCI image layout (no oci-layout file)");
		return unexpected(std::move(text).error());
	}
	boost::system::error_code ec;
	json::value v = json::parse(*text, ec);
	const json::value *ver =
		(!ec && v.is_object()) ? v.as_object().if_contains("imageLayoutVersion") : nullptr;
	if (!ver || !ver->is_string() || !ver->as_string().starts_with("1."))
		return err(Errc::Corrupt, tree.name("oci-layout") +
						  ": no supported imageLayoutVersion (want 1.x)");
	return {};
}

Result<OciLayout> OciLayout::open(std::string dir)
{
	while (dir.size() > 1 && dir.back() == '/')
		dir.pop_back();
	auto tree = std::make_shared<DirTree>(dir);
	TB_TRY(checkLayoutFile(*tree, dir));
	return OciLayout(std::move(dir), std::move(tree));
}

Result<OciLayout> OciLayout::open(std::shared_ptr<const FileTree> tree, std::string label)
{
	TB_TRY(checkLayoutFile(*tree, label));
	OciLayout layout(std::string(), std::move(tree));
	layout.setLabel(std::move(label));
	return layout;
}

Result<void> OciLayout::writable() const
{
	if (dir_.empty())
		return err(Errc::Unsupported, where() + " is read only");
	return {};
}

Result<OciLayout> OciLayout::openOrCreate(std::string dir)
{
	while (dir.size() > 1 && dir.back() == '/')
		dir.pop_back();
	std::error_code ec;
	fs::create_directories(dir, ec);
	if (ec)
		return err(Errc::Io, "create layout directory " + dir + ": " + ec.message());
	auto lock = TB_TRY(LayoutLock::acquire(dir));
	// What killed writers left (staged blobs, index rewrites): each write reclaims it.
	reclaimStaleTemps(dir, LayoutTempPrefix);
	if (!fs::exists(dir + "/oci-layout", ec)) {
		if (!isEmptyLayoutDir(dir))
			return err(Errc::Conflict,
				   dir + " exists, is not empty and is not an OCI image layout");
		TB_TRY(writeFileAtomic(dir + "/oci-layout", LayoutFileContent));
	}
	fs::create_directories(dir + "/blobs/sha256", ec);
	if (ec)
		return err(Errc::Io, "create " + dir + "/blobs/sha256: " + ec.message());
	if (!fs::exists(dir + "/index.json", ec))
		TB_TRY(writeFileAtomic(dir + "/index.json", EmptyIndex));
	return open(std::move(dir));
}

std::string OciLayout::blobPath(const Digest &d) const
{
	return dir_ + "/blobs/" + d.algorithm + "/" + d.hex;
}

namespace {

std::string blobRel(const Digest &d)
{
	return "blobs/" + d.algorithm + "/" + d.hex;
}

} // namespace

Result<int64_t> OciLayout::blobSize(const Digest &d) const
{
	auto size = tree_->size(blobRel(d));
	if (!size && size.error().code == Errc::NotFound)
		return err(Errc::NotFound, "blob " + d.str() + " is missing from " + where());
	return size;
}

Result<std::vector<IndexEntry>> OciLayout::entries() const
{
	std::string bytes = TB_TRY(readTreeFile(*tree_, "index.json", MaxLayoutIndexBytes, true));
	auto index = parseImageIndex(RawManifest{std::move(bytes), std::string(media::OciIndex)},
				     MaxLayoutIndexBytes);
	if (!index)
		return unexpected(std::move(index).error().wrap(where() + ": index.json"));
	return std::move(index->manifests);
}

Result<Descriptor> OciLayout::resolve(std::string_view tag) const
{
	auto all = TB_TRY(entries());
	if (tag.empty()) {
		if (all.size() == 1)
			return all.front().descriptor;
		if (all.empty())
			return err(Errc::NotFound, where() + " holds no image");
		std::string names;
		for (const auto &e : all) {
			auto it = e.descriptor.annotations.find(std::string(RefNameAnnotation));
			names += names.empty() ? "" : ", ";
			names += it != e.descriptor.annotations.end() ? it->second
								      : hexOf(e.descriptor.digest);
		}
		return err(Errc::InvalidArgument, where() + " holds " + std::to_string(all.size()) +
							  " images (" + names +
							  "); name one as DIR:TAG");
	}
	std::string name(tag);
	std::optional<Digest> digest;
	if (auto at = tag.find('@'); at != std::string_view::npos) {
		digest = TB_TRY_CTX(Digest::parse(tag.substr(at + 1)),
				    "reference '" + std::string(tag) + "'");
		name = std::string(tag.substr(0, at));
	}
	const IndexEntry *found = nullptr;
	for (const auto &e : all) {
		auto it = e.descriptor.annotations.find(std::string(RefNameAnnotation));
		std::string ref = it != e.descriptor.annotations.end() ? it->second : std::string();
		bool match = digest ? (e.descriptor.digest == *digest &&
				       (name.empty() || ref == name || ref.starts_with(name + ":")))
				    : ref == name;
		if (!match)
			continue;
		if (found && !(digest && found->descriptor.digest == e.descriptor.digest))
			return err(Errc::Corrupt,
				   where() + ": tag '" + std::string(tag) + "' is ambiguous");
		found = &e;
	}
	if (!found)
		return err(Errc::NotFound, "no image '" + std::string(tag) + "' in " + where());
	return found->descriptor;
}

Result<bool> OciLayout::hasBlob(const Descriptor &d) const
{
	auto size = tree_->size(blobRel(d.digest));
	if (!size && size.error().code == Errc::NotFound)
		return false;
	return TB_TRY(std::move(size)) == d.size;
}

Result<std::unique_ptr<BlobReader>> OciLayout::openBlob(const Descriptor &d) const
{
	int64_t size = TB_TRY(blobSize(d.digest));
	if (size != d.size)
		return err(Errc::Corrupt, "blob " + d.digest.str() + " in " + where() + " is " +
						  std::to_string(size) +
						  " bytes, its descriptor says " +
						  std::to_string(d.size));
	return tree_->open(blobRel(d.digest));
}

Result<std::string> OciLayout::readBlob(const Descriptor &d, size_t cap) const
{
	if (d.size < 0 || static_cast<uint64_t>(d.size) > cap)
		return err(Errc::LimitExceeded,
			   "blob " + d.digest.str() + " is " + std::to_string(d.size) +
				   " bytes, over the " + std::to_string(cap) + " byte limit");
	auto reader = TB_TRY(openBlob(d));
	std::string out(static_cast<size_t>(d.size), '\0');
	size_t got = 0;
	while (got < out.size()) {
		size_t n = TB_TRY(reader->read(out.data() + got, out.size() - got));
		if (n == 0)
			break;
		got += n;
	}
	if (got != out.size())
		return err(Errc::Corrupt,
			   "blob " + d.digest.str() + " in " + where() + " is truncated");
	if (d.digest.algorithm == "sha256" && Sha256::of(out) != d.digest)
		return err(Errc::Corrupt, "blob " + d.digest.str() + " in " + where() +
						  ": digest mismatch (content is " +
						  Sha256::of(out).str() + ")");
	return out;
}

Result<void> OciLayout::adoptBlob(StagedBlob &staged, const Digest &d) const
{
	TB_TRY(writable());
	std::string dir = dir_ + "/blobs/" + d.algorithm;
	std::error_code ec;
	fs::create_directories(dir, ec);
	if (::rename(staged.path().c_str(), blobPath(d).c_str()) != 0)
		return unexpected(errnoError("rename into " + blobPath(d)));
	staged.adopted();
	if (UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); dfd.isValid())
		::fsync(dfd.get());
	return {};
}

Result<void> OciLayout::putBlob(const Descriptor &d, BlobReader &data) const
{
	TB_TRY(writable());
	auto staged = TB_TRY(stageBlob(dir_, d, data));
	return adoptBlob(staged, d.digest);
}

Result<void> OciLayout::putBlobBytes(const Descriptor &d, std::string_view bytes) const
{
	StringReader reader(bytes);
	return putBlob(d, reader);
}

Result<void> OciLayout::setTag(std::string_view tag, const Descriptor &manifest) const
{
	TB_TRY(writable());
	if (!tag.empty())
		TB_TRY(validateLayoutTag(tag));
	auto lock = TB_TRY(LayoutLock::acquire(dir_));
	std::string path = dir_ + "/index.json";
	std::string bytes = TB_TRY(readFileCapped(path, MaxLayoutIndexBytes));
	// Edit the JSON itself so fields and entries we do not model survive the rewrite.
	boost::system::error_code ec;
	json::value index = json::parse(bytes, ec);
	if (ec || !index.is_object())
		return err(Errc::Corrupt, path + " is not a JSON object");
	json::value &list = index.as_object()["manifests"];
	if (list.is_null())
		list = json::array();
	if (!list.is_array())
		return err(Errc::Corrupt, path + ": 'manifests' is not an array");
	json::array kept;
	for (auto &e : list.as_array()) {
		std::string ref, digest;
		if (const json::object *o = e.if_object()) {
			if (const json::value *a = o->if_contains("annotations");
			    a && a->is_object())
				if (const json::value *r =
					    a->as_object().if_contains(RefNameAnnotation);
				    r && r->is_string())
					ref = std::string(r->as_string());
			if (const json::value *dg = o->if_contains("digest"); dg && dg->is_string())
				digest = std::string(dg->as_string());
		}
		bool replace =
			tag.empty() ? (ref.empty() && digest == manifest.digest.str()) : ref == tag;
		if (!replace)
			kept.push_back(std::move(e));
	}
	Descriptor entry = manifest;
	if (!tag.empty())
		entry.annotations[std::string(RefNameAnnotation)] = std::string(tag);
	json::value added = json::parse(descriptorJson(entry), ec);
	if (ec)
		return err(Errc::Internal,
			   "descriptor for " + manifest.digest.str() + " does not serialise");
	kept.push_back(std::move(added));
	list = std::move(kept);
	return writeIndex(path, index);
}

} // namespace tb::support
