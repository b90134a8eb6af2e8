// SPDX-License-Identifier: Apache-2.0
// Archive transports' plumbing: private temp dirs, unpacking a tar into one, packing one.
#include "tbsupport/tar_dir.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tbsupport/blob_file.h"
#include "tbsupport/tar_index.h"
#include "tbsupport/temp_track.h"

namespace tb::support {

namespace fs = std::filesystem;

namespace {

struct WriteArchive {
	archive *a = archive_write_new();
	~WriteArchive() { archive_write_free(a); }
};

struct Entry {
	archive_entry *e = archive_entry_new();
	~Entry() { archive_entry_free(e); }
};

// mkdir -p below \a root; \a rel is already clean, and we never create symlinks, so nothing
// can lead outside \a root.
Result<void> makeDirs(const std::string &root, const std::string &rel)
{
	std::string path = root;
	size_t start = 0;
	while (start < rel.size()) {
		size_t slash = rel.find('/', start);
		path += "/" + rel.substr(start, slash == std::string::npos ? std::string::npos
									   : slash - start);
		if (::mkdir(path.c_str(), 0755) != 0) {
			if (errno != EEXIST)
				return err(Errc::Io, "create directory " + path + ": " +
							     std::strerror(errno));
			struct stat st;
			if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
				return err(Errc::Corrupt,
					   "create directory " + path + ": a file is in the way");
		}
		if (slash == std::string::npos)
			break;
		start = slash + 1;
	}
	return {};
}

Result<void> writeMember(BlobReader &in, const std::string &target, const std::string &what)
{
	UniqueFd out(::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			    0644));
	if (!out.isValid())
		return err(Errc::Io, what + ": create " + target + ": " + std::strerror(errno));
	std::vector<char> buf(1 << 20);
	for (;;) {
		size_t n = TB_TRY(in.read(buf.data(), buf.size()));
		if (n == 0)
			break;
		for (size_t done = 0; done < n;) {
			ssize_t w = ::write(out.get(), buf.data() + done, n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return err(Errc::Io, what + ": write " + target + ": " +
							     std::strerror(errno));
			done += static_cast<size_t>(w);
		}
	}
	if (out.close() != 0)
		return err(Errc::Io, what + ": close " + target + ": " + std::strerror(errno));
	return {};
}

std::string defaultTempParent()
{
	const char *t = std::getenv("TMPDIR");
	return t && *t ? std::string(t) : std::string("/var/tmp");
}

} // namespace

std::optional<std::string> cleanArchiveName(std::string_view name)
{
	while (name.starts_with("./"))
		name.remove_prefix(2);
	while (!name.empty() && name.back() == '/')
		name.remove_suffix(1);
	if (name == ".")
		return std::string();
	if (name.starts_with("/"))
		return std::nullopt;
	size_t start = 0;
	while (start <= name.size() && !name.empty()) {
		size_t slash = name.find('/', start);
		std::string_view comp = name.substr(
			start, slash == std::string_view::npos ? name.npos : slash - start);
		if (comp.empty() || comp == "." || comp == "..")
			return std::nullopt;
		if (slash == std::string_view::npos)
			break;
		start = slash + 1;
	}
	return std::string(name);
}

Result<TempDir> TempDir::create(std::string_view prefix, const std::string &parent)
{
	std::string dir = parent.empty() ? defaultTempParent() : parent;
	reclaimStaleTemps(dir, prefix);
	std::string pattern = tempTemplate(dir, prefix);
	TempTrack track;
	if (createTracked(pattern, track, true) < 0)
		return err(Errc::Io,
			   "create temporary directory " + pattern + ": " + std::strerror(errno));
	UniqueFd fd(::open(pattern.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (fd.isValid())
		lockTemp(fd.get());
	return TempDir(std::move(pattern), std::move(fd), std::move(track));
}

TempDir::~TempDir()
{
	if (!path_.empty()) {
		std::error_code ec;
		fs::remove_all(path_, ec);
	}
}

Result<void> unpackArchive(const std::string &file, const std::string &dest,
			   const UnpackLimits &limits)
{
	if (::mkdir(dest.c_str(), 0700) != 0 && errno != EEXIST)
		return err(Errc::Io, "create directory " + dest + ": " + std::strerror(errno));
	// The same members, by the same rules, as reading the archive in place (TarIndex).
	auto index = TB_TRY(indexArchive(file, ".tb-unpack-", dest, limits));
	for (const auto &[rel, member] : index->members()) {
		if (auto slash = rel.rfind('/'); slash != std::string::npos)
			TB_TRY(makeDirs(dest, rel.substr(0, slash)));
		auto in = TB_TRY(index->open(rel, false));
		TB_TRY(writeMember(*in, dest + "/" + rel, index->name(rel)));
	}
	return {};
}

Result<void> checkArchiveTarget(const std::string &file)
{
	if (file.empty())
		return err(Errc::InvalidArgument, "no archive file name");
	std::string parent = fs::path(file).parent_path().string();
	struct stat st;
	if (!parent.empty() && (::stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
		return err(Errc::NotFound, "directory " + parent + " does not exist");
	if (::stat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
		return err(Errc::InvalidArgument, file + " is a directory");
	return {};
}

namespace {

struct PackItem {
	std::string rel;
	bool isDir = false;
	const TarIndex::Member *base = nullptr; ///< data comes from the base archive
	bool operator<(const PackItem &o) const { return rel < o.rel; }
};

// Members of \a base that \a dir does not replace, with their parent directories.
void addBaseMembers(std::vector<PackItem> &items, const TarIndex &base)
{
	std::set<std::string> dirs, files;
	for (const auto &i : items)
		(i.isDir ? dirs : files).insert(i.rel);
	for (const auto &[name, member] : base.members()) {
		if (name.starts_with(".tb-") || files.count(name) || dirs.count(name))
			continue;
		bool blocked = false;
		std::vector<std::string> parents;
		for (size_t s = name.find('/'); s != std::string::npos; s = name.find('/', s + 1)) {
			std::string parent = name.substr(0, s);
			blocked = blocked || files.count(parent);
			if (!dirs.count(parent))
				parents.push_back(parent);
		}
		if (blocked)
			continue; // a file of the new layout is in the way: it wins
		for (auto &d : parents)
			if (dirs.insert(d).second)
				items.push_back(PackItem{std::move(d), true, nullptr});
		items.push_back(PackItem{name, false, &member});
	}
}

} // namespace

Result<void> packDirectory(const std::string &dir, const std::string &file, const TarIndex *base)
{
	std::vector<PackItem> items;
	std::error_code ec;
	for (auto it = fs::recursive_directory_iterator(dir, ec);
	     !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
		std::string rel = fs::relative(it->path(), dir, ec).generic_string();
		if (rel.starts_with(".tb-")) {
			if (it->is_directory(ec))
				it.disable_recursion_pending();
			continue;
		}
		if (it->is_symlink(ec))
			continue;
		if (it->is_directory(ec))
			items.push_back(PackItem{rel, true, nullptr});
		else if (it->is_regular_file(ec))
			items.push_back(PackItem{rel, false, nullptr});
	}
	if (ec)
		return err(Errc::Io, "walk " + dir + ": " + ec.message());
	if (base)
		addBaseMembers(items, *base);
	std::sort(items.begin(), items.end());

	std::string parent = fs::path(file).parent_path().string();
	if (parent.empty())
		parent = ".";
	std::string tmpPrefix = ".tb-" + fs::path(file).filename().string() + "-";
	reclaimStaleTemps(parent, tmpPrefix);
	std::string tmp = tempTemplate(parent, tmpPrefix);
	TempTrack track;
	UniqueFd out(createTracked(tmp, track, false));
	if (!out.isValid())
		return err(Errc::Io,
			   "create temporary file next to " + file + ": " + std::strerror(errno));
	lockTemp(out.get());
	struct Unlink {
		std::string path;
		TempTrack track;
		~Unlink()
		{
			if (!path.empty())
				::unlink(path.c_str());
		}
	} cleanup{tmp, std::move(track)};
	mode_t mask = ::umask(0);
	::umask(mask);
	::fchmod(out.get(), 0644 & ~mask);

	WriteArchive w;
	archive_write_set_format_pax_restricted(w.a);
	if (archive_write_open_fd(w.a, out.get()) != ARCHIVE_OK)
		return err(Errc::Io, "write archive " + file + ": " + archive_error_string(w.a));
	std::vector<char> buf(1 << 20);
	for (const auto &[rel, isDir, fromBase] : items) {
		Entry e;
		archive_entry_set_pathname(e.e, isDir ? (rel + "/").c_str() : rel.c_str());
		archive_entry_set_filetype(e.e, isDir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(e.e, isDir ? 0755 : 0644);
		archive_entry_set_mtime(e.e, 0, 0);
		archive_entry_set_uid(e.e, 0);
		archive_entry_set_gid(e.e, 0);
		std::unique_ptr<BlobReader> in;
		std::string path; // the file of dir read; none for a member of base
		if (fromBase) {
			in = TB_TRY(base->open(rel, false));
			archive_entry_set_size(e.e, fromBase->size);
		} else if (!isDir) {
			path = dir + "/" + rel;
			UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
			struct stat st;
			if (!fd.isValid() || ::fstat(fd.get(), &st) != 0)
				return unexpected(errnoError("read " + path));
			in = std::make_unique<FdBlobReader>(std::move(fd));
			archive_entry_set_size(e.e, st.st_size);
		}
		if (archive_write_header(w.a, e.e) != ARCHIVE_OK)
			return err(Errc::Io,
				   "write archive " + file + ": " + archive_error_string(w.a));
		while (in) {
			auto got = in->read(buf.data(), buf.size());
			// A base member's reader already names it: "archive FILE: rel: ...".
			if (!got)
				return unexpected(
					path.empty() ? std::move(got).error()
						     : std::move(got).error().wrap("read " + path));
			size_t n = *got;
			if (n == 0)
				break;
			if (archive_write_data(w.a, buf.data(), n) != static_cast<la_ssize_t>(n))
				return err(Errc::Io, "write archive " + file + ": " +
							     archive_error_string(w.a));
		}
	}
	if (archive_write_close(w.a) != ARCHIVE_OK)
		return err(Errc::Io, "write archive " + file + ": " + archive_error_string(w.a));
	if (::fsync(out.get()) != 0 || out.close() != 0)
		return err(Errc::Io, "fsync " + tmp + ": " + std::strerror(errno));
	if (::rename(tmp.c_str(), file.c_str()) != 0)
		return err(Errc::Io, "rename into " + file + ": " + std::strerror(errno));
	cleanup.path.clear();
	cleanup.track.reset();
	return {};
}

} // namespace tb::support
