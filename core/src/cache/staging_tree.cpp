// SPDX-License-Identifier: Apache-2.0
// Policing tar entries into the staging dir: no escapes, no devices, no duplicates, caps.
#include "cache/staging_tree.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/core.h>

#include <tb/printable.h>

#include "cache/cache_internal.h"
#include "tbsupport/unique_fd.h"

namespace tb::cache {

using support::UniqueFd;

namespace {

constexpr std::string_view CachePrefix = "io.triton.cache";
constexpr std::string_view ManifestPath = "io.triton.manifest/manifest.json";

Unexpected<Error> corrupt(const std::string &why)
{
	return err(Errc::Corrupt, why);
}

Unexpected<Error> sysErr(const std::string &what)
{
	return err(Errc::Io, what + ": " + std::strerror(errno));
}

std::string baseName(const std::string &rel)
{
	auto slash = rel.rfind('/');
	return slash == std::string::npos ? rel : rel.substr(slash + 1);
}

bool hasTransientComponent(std::string_view rel)
{
	for (size_t pos = 0; pos <= rel.size();) {
		size_t next = std::min(rel.find('/', pos), rel.size());
		if (isTritonTransient(rel.substr(pos, next - pos)))
			return true;
		pos = next + 1;
	}
	return false;
}

// pwrite all of \a data; a short write (a filling disk, a file size limit) is continued, so a
// failure leaves the real errno.
bool writeAt(int fd, const void *data, size_t size, int64_t offset)
{
	auto p = static_cast<const char *>(data);
	while (size > 0) {
		ssize_t n = ::pwrite(fd, p, size, offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0) { // no progress and no errno: say so rather than print a stale one
			errno = EIO;
			return false;
		}
		p += n;
		size -= static_cast<size_t>(n);
		offset += n;
	}
	return true;
}

// The process umask, without the race of umask(umask(0)) against other threads.
mode_t currentUmask()
{
	if (FILE *f = std::fopen("/proc/self/status", "re")) {
		char line[256];
		unsigned mask = 0;
		bool found = false;
		while (!found && std::fgets(line, sizeof line, f))
			found = std::sscanf(line, "Umask: %o", &mask) == 1;
		std::fclose(f);
		if (found)
			return static_cast<mode_t>(mask & 0777);
	}
	mode_t m = ::umask(022);
	::umask(m);
	return m;
}

} // namespace

Result<std::string> normalizeEntryName(std::string_view raw)
{
	if (raw.empty())
		return corrupt("empty entry name");
	if (raw.front() == '/')
		return corrupt("absolute path");
	std::string out;
	size_t pos = 0;
	while (pos <= raw.size()) {
		size_t next = raw.find('/', pos);
		if (next == std::string_view::npos)
			next = raw.size();
		std::string_view c = raw.substr(pos, next - pos);
		if (c == "..")
			return corrupt("path traversal ('..')");
		if (!c.empty() && c != ".") {
			if (!out.empty())
				out += '/';
			out += c;
		}
		pos = next + 1;
	}
	if (out.empty())
		return std::string(".");
	return out;
}

StagingTree::StagingTree(int rootFd, const ExtractOptions &options)
    : rootFd_(rootFd), options_(options), umask_(currentUmask())
{
}

// As create writes them: 0755 for directories and executables, 0644 for the rest, less the
// umask; the image's own bits (a 0777 kernel dir, a group-writable .so) are never kept. The
// owner can always read and write what it extracted.
unsigned StagingTree::fileMode(unsigned imageMode) const
{
	return ((imageMode & 0111 ? 0755u : 0644u) & ~umask_) | 0600;
}

unsigned StagingTree::dirMode() const
{
	return (0755u & ~umask_) | 0700;
}

// Created with \a mode, the umask leaves it whole: no chmod needed (two syscalls in 13 of an
// extract were chmods to the mode the file or directory already had).
bool StagingTree::umaskAllows(unsigned mode) const
{
	return (mode & umask_) == 0;
}

StagingTree::~StagingTree() = default;

void StagingTree::beginLayer()
{
	seenInLayer_.clear();
	declaredBytes_ = 0;
}

void StagingTree::warn(const std::string &message) const
{
	if (options_.warn)
		options_.warn(options_.warnUser, message);
}

void StagingTree::warnSpecialBits(unsigned mode, unsigned written, const std::string &rel) const
{
	if (!(mode & (S_ISUID | S_ISGID | S_ISVTX)))
		return;
	warn(fmt::format("entry 'io.triton.cache/{}': setuid/setgid/sticky bits stripped (mode "
			 "{:04o} -> {:04o})",
			 printable(rel), mode & 07777, written & 07777));
}

Result<void> StagingTree::addEntry(struct archive *a, struct archive_entry *e, int64_t usedBefore)
{
	const char *rawName = archive_entry_pathname(e);
	std::string raw = rawName ? rawName : "";
	auto fail = [&raw](Error er) {
		return unexpected(std::move(er).wrap("entry '" + printable(raw) + "'"));
	};
	if (++entries_ > options_.limits.maxEntries)
		return fail({Errc::LimitExceeded,
			     "more than " + std::to_string(options_.limits.maxEntries) +
				     " entries (max_entries)"});
	if (static_cast<int64_t>(raw.size()) > options_.limits.maxPathLength)
		return fail({Errc::LimitExceeded,
			     "name is " + std::to_string(raw.size()) +
				     " bytes, over max_path_length " +
				     std::to_string(options_.limits.maxPathLength)});
	auto name = normalizeEntryName(raw);
	if (!name)
		return fail(std::move(name).error());
	if (baseName(*name).rfind(".wh.", 0) == 0)
		return fail({Errc::Corrupt, "whiteout entry; cache images never delete files"});
	const char *hardlink = archive_entry_hardlink(e);
	auto type = archive_entry_filetype(e);
	if (!hardlink && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
		return fail({Errc::Corrupt, type == AE_IFIFO    ? "FIFO refused"
					    : type == AE_IFSOCK ? "socket refused"
								: "device node refused"});
	// Refuse on the declared size, before writing a byte of it.
	declaredBytes_ += 512 + std::max<int64_t>(archive_entry_size(e), 0);
	if (usedBefore + declaredBytes_ > options_.limits.maxTotalBytes)
		return fail({Errc::LimitExceeded,
			     "declares " + std::to_string(archive_entry_size(e)) +
				     " bytes, over max_total_bytes " +
				     std::to_string(options_.limits.maxTotalBytes)});
	if (!seenInLayer_.insert(*name).second)
		return fail({Errc::Corrupt, "duplicate entry in one layer"});

	Result<void> r;
	if (*name == CachePrefix) {
		sawCache_ = true;
		if (type != AE_IFDIR || hardlink)
			r = corrupt("io.triton.cache is not a directory");
	} else if (name->rfind(std::string(CachePrefix) + "/", 0) == 0) {
		sawCache_ = true;
		std::string rel = name->substr(CachePrefix.size() + 1);
		std::string top = rel.substr(0, rel.find('/'));
		bool atTop = top == rel;
		if (hasTransientComponent(rel)) {
			// A half-written file of a Triton that packed a live cache: never read.
			if (transientsSkipped_++ == 0)
				firstTransient_ = printable(*name);
		} else if (!options_.allowAnyTopLevel &&
			   !(atTop && type == AE_IFLNK && !hardlink) && !isTritonCacheKey(top)) {
			// A wrong -d (a home directory) must not get .bashrc or .ssh/ from an
			// image.
			r = corrupt("'" + printable(top) +
				    "' is not a Triton cache-key directory (allow it with "
				    "--allow-any-top-level)");
		} else if (!options_.allowAnyTopLevel && atTop && (hardlink || type == AE_IFREG)) {
			r = corrupt("a file at the top of io.triton.cache/; Triton keeps files in "
				    "cache-key directories (allow it with --allow-any-top-level)");
		} else if (hardlink)
			r = makeHardlink(e, rel);
		else if (type == AE_IFDIR)
			r = makeDir(e, rel);
		else if (type == AE_IFLNK)
			r = makeSymlink(e, rel);
		else
			r = writeFile(a, e, rel);
	} else if (*name == ManifestPath && type == AE_IFREG && !hardlink) {
		r = readManifest(a, e);
	}
	// Anything else (other tools' metadata, io.vllm.cache/) is read past, never written.
	if (!r)
		return fail(std::move(r).error());
	return {};
}

// The size a header declares is checked before a byte is allocated for it: a 1 KiB layer
// may claim gigabytes.
Result<void> StagingTree::readManifest(struct archive *a, struct archive_entry *e)
{
	int64_t declared = std::max<int64_t>(archive_entry_size(e), 0);
	int64_t cap = options_.limits.maxManifestBytes;
	if (declared > cap)
		return err(
			Errc::LimitExceeded,
			fmt::format("manifest.json declares {} bytes, over max_manifest_bytes {}",
				    declared, cap));
	std::string text(static_cast<size_t>(declared), '\0');
	if (!text.empty() &&
	    archive_read_data(a, text.data(), text.size()) != static_cast<la_ssize_t>(text.size()))
		return corrupt(fmt::format("short manifest.json: {}", archiveError(a)));
	manifest_ = std::move(text);
	return {};
}

Result<int> StagingTree::parentFd(const std::string &rel)
{
	auto slash = rel.rfind('/');
	std::string parent = slash == std::string::npos ? "" : rel.substr(0, slash);
	if (parent.empty())
		return rootFd_;
	if (lastParentFd_.isValid() && parent == lastParent_)
		return lastParentFd_.get();
	UniqueFd owned; // the directory walked so far, once below the root
	int fd = rootFd_;
	size_t pos = 0;
	while (pos < parent.size()) {
		size_t next = parent.find('/', pos);
		if (next == std::string::npos)
			next = parent.size();
		std::string comp = parent.substr(pos, next - pos), prefix = parent.substr(0, next);
		UniqueFd nfd(::openat(fd, comp.c_str(),
				      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		if (!nfd.isValid() && errno == ENOENT) {
			if (::mkdirat(fd, comp.c_str(), dirMode()) != 0 && errno != EEXIST)
				return sysErr("creating '" + printable(prefix) + "'");
			kinds_[prefix] = Kind::Dir;
			if (!umaskAllows(dirMode())) // as an explicit entry gets
				::fchmodat(fd, comp.c_str(), dirMode(), 0);
			nfd.reset(::openat(fd, comp.c_str(),
					   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		}
		int saved = errno;
		if (!nfd.isValid()) {
			auto k = kinds_.find(prefix);
			if (k != kinds_.end() && k->second == Kind::Link)
				return corrupt("writes through symbolic link '" +
					       printable(prefix) + "'");
			if (saved == ELOOP || saved == ENOTDIR)
				return corrupt("parent '" + printable(prefix) +
					       "' is not a directory");
			errno = saved;
			return sysErr("opening '" + printable(prefix) + "'");
		}
		owned = std::move(nfd);
		fd = owned.get();
		pos = next + 1;
	}
	lastParentFd_ = std::move(owned);
	lastParent_ = parent;
	return fd;
}

Result<void> StagingTree::clearEarlierLayer(int dirFd, const std::string &name,
					    const std::string &rel, Kind replacement)
{
	auto it = kinds_.find(rel);
	if (it == kinds_.end())
		return {};
	if (it->second == Kind::Dir) {
		if (replacement == Kind::Dir)
			return {};
		return corrupt("replaces a directory of an earlier layer");
	}
	if (::unlinkat(dirFd, name.c_str(), 0) != 0 && errno != ENOENT)
		return sysErr("replacing '" + printable(rel) + "'");
	kinds_.erase(it);
	return {};
}

Result<void> StagingTree::writeFile(struct archive *a, struct archive_entry *e,
				    const std::string &rel)
{
	int pfd = TB_TRY(parentFd(rel));
	std::string name = baseName(rel);
	TB_TRY(clearEarlierLayer(pfd, name, rel, Kind::File));
	unsigned perm = fileMode(archive_entry_perm(e));
	warnSpecialBits(archive_entry_perm(e), perm, rel);
	UniqueFd out(::openat(pfd, name.c_str(),
			      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm));
	if (!out.isValid())
		return sysErr("creating 'io.triton.cache/" + printable(rel) + "'");
	int fd = out.get();
	kinds_[rel] = Kind::File;
	Result<void> r;
	const void *buf;
	size_t size;
	la_int64_t offset;
	int64_t end = 0; // of the data written: short of the size only with a trailing hole
	for (;;) {
		int rc = archive_read_data_block(a, &buf, &size, &offset);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK) {
			r = corrupt(std::string("reading data: ") + archiveError(a));
			break;
		}
		if (size && !writeAt(fd, buf, size, offset)) {
			r = sysErr("writing 'io.triton.cache/" + printable(rel) + "'");
			break;
		}
		end = std::max<int64_t>(end, offset + static_cast<int64_t>(size));
	}
	int64_t declared = archive_entry_size(e);
	// A syscall per file saved: most files end in data (one in 30 of extract's syscalls).
	if (r && end != declared && ::ftruncate(fd, declared) != 0) // sparse tails
		r = sysErr("sizing 'io.triton.cache/" + printable(rel) + "'");
	if (r && !umaskAllows(perm) && ::fchmod(fd, perm) != 0)
		r = sysErr("chmod 'io.triton.cache/" + printable(rel) + "'");
	if (out.close() != 0 && r)
		r = sysErr("closing 'io.triton.cache/" + printable(rel) + "'");
	TB_TRY(std::move(r));
	++cacheFiles_;
	cacheBytes_ += declared;
	return {};
}

Result<void> StagingTree::makeDir(struct archive_entry *e, const std::string &rel)
{
	int pfd = TB_TRY(parentFd(rel));
	std::string name = baseName(rel);
	TB_TRY(clearEarlierLayer(pfd, name, rel, Kind::Dir));
	unsigned perm = dirMode();
	warnSpecialBits(archive_entry_perm(e), perm, rel);
	bool made = ::mkdirat(pfd, name.c_str(), perm) == 0;
	if (!made && (errno != EEXIST || kinds_.count(rel) == 0))
		return sysErr("creating 'io.triton.cache/" + printable(rel) + "'");
	kinds_[rel] = Kind::Dir;
	if ((!made || !umaskAllows(perm)) && ::fchmodat(pfd, name.c_str(), perm, 0) != 0)
		return sysErr("chmod 'io.triton.cache/" + printable(rel) + "'");
	return {};
}

Result<void> StagingTree::makeSymlink(struct archive_entry *e, const std::string &rel)
{
	const char *t = archive_entry_symlink(e);
	std::string target = t ? t : "";
	if (rel.find('/') == std::string::npos)
		return corrupt("top-level symbolic link in io.triton.cache/");
	if (target.empty() || target.front() == '/')
		return corrupt("symbolic link to absolute path '" + printable(target) + "'");
	// Only downward links: with no "..", no chain of links can leave its directory.
	auto norm = normalizeEntryName(target);
	if (!norm)
		return corrupt("symbolic link '" + printable(target) + "' escapes its directory");
	int pfd = TB_TRY(parentFd(rel));
	std::string name = baseName(rel);
	TB_TRY(clearEarlierLayer(pfd, name, rel, Kind::Link));
	if (::symlinkat(target.c_str(), pfd, name.c_str()) != 0)
		return sysErr("creating symbolic link 'io.triton.cache/" + printable(rel) + "'");
	kinds_[rel] = Kind::Link;
	return {};
}

Result<void> StagingTree::makeHardlink(struct archive_entry *e, const std::string &rel)
{
	std::string raw = archive_entry_hardlink(e);
	auto target = normalizeEntryName(raw);
	if (!target)
		return corrupt("hard link to '" + printable(raw) + "': " + target.error().message);
	std::string prefix = std::string(CachePrefix) + "/";
	if (target->rfind(prefix, 0) != 0)
		return corrupt("hard link to '" + printable(raw) + "' outside io.triton.cache/");
	std::string trel = target->substr(prefix.size());
	auto it = kinds_.find(trel);
	if (it == kinds_.end() || it->second != Kind::File)
		return corrupt("hard link to '" + printable(raw) +
			       "', which is no file extracted before it");
	int pfd = TB_TRY(parentFd(rel));
	std::string name = baseName(rel);
	TB_TRY(clearEarlierLayer(pfd, name, rel, Kind::File));
	if (::linkat(rootFd_, trel.c_str(), pfd, name.c_str(), 0) != 0)
		return sysErr("creating hard link 'io.triton.cache/" + printable(rel) + "'");
	kinds_[rel] = Kind::File;
	++cacheFiles_;
	return {};
}

} // namespace tb::cache
