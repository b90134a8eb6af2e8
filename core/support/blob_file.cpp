// SPDX-License-Identifier: Apache-2.0
// Files under a layout: fd blob readers, capped reads, atomic writes, staged blobs, flock,
// read-only directory trees.
#include "tbsupport/blob_file.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tbsupport/sha256.h"
#include "tbsupport/temp_track.h"

namespace tb::support {

namespace fs = std::filesystem;

Error errnoError(const std::string &what)
{
	int e = errno;
	Errc code = e == ENOENT                   ? Errc::NotFound
		    : (e == EACCES || e == EPERM) ? Errc::PermissionDenied
						  : Errc::Io;
	return Error{code, what + ": " + std::strerror(e)};
}

namespace {

// A temp file that is unlinked unless release()d; locked and listed for the signal
// cleanup while it exists (tbsupport/temp_track.h).
struct TempFile {
	std::string path;
	UniqueFd fd;
	TempTrack track;
	~TempFile()
	{
		fd.reset();
		if (!path.empty())
			::unlink(path.c_str());
	}
	void release()
	{
		path.clear();
		track.reset();
	}
};

Result<void> makeTemp(TempFile &t, const std::string &dir, std::string_view prefix)
{
	std::string pattern = tempTemplate(dir, prefix);
	UniqueFd fd(createTracked(pattern, t.track, false));
	if (!fd.isValid())
		return unexpected(errnoError("create temporary file in " + dir));
	t.path = pattern;
	lockTemp(fd.get());
	// Blobs and index files are shared data: readable like skopeo's (0644 minus umask).
	// umask() can only be read by setting it: one thread at a time (parallel blob copies).
	static std::mutex umaskMutex;
	mode_t mask;
	{
		std::lock_guard lock(umaskMutex);
		mask = ::umask(0);
		::umask(mask);
	}
	::fchmod(fd.get(), 0644 & ~mask);
	t.fd = std::move(fd);
	return {};
}

Result<void> writeAll(int fd, const char *p, size_t n, const std::string &what)
{
	while (n > 0) {
		ssize_t w = ::write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return unexpected(errnoError("write " + what));
		p += w;
		n -= static_cast<size_t>(w);
	}
	return {};
}

// fsync the file, rename it over \a target, fsync the directory.
Result<void> commitTemp(TempFile &t, const std::string &target, const std::string &dir)
{
	if (::fsync(t.fd.get()) != 0)
		return unexpected(errnoError("fsync " + t.path));
	if (t.fd.close() != 0)
		return unexpected(errnoError("close " + t.path));
	if (::rename(t.path.c_str(), target.c_str()) != 0)
		return unexpected(errnoError("rename into " + target));
	t.release();
	if (UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); dfd.isValid())
		::fsync(dfd.get());
	return {};
}

} // namespace

Result<size_t> FdBlobReader::read(void *buffer, size_t size) noexcept
{
	for (;;) {
		ssize_t n = ::read(fd_.get(), buffer, size);
		if (n >= 0)
			return static_cast<size_t>(n);
		if (errno != EINTR)
			return unexpected(errnoError("read blob"));
	}
}

Result<size_t> StringReader::read(void *buffer, size_t size) noexcept
{
	size_t n = std::min(size, rest_.size());
	std::memcpy(buffer, rest_.data(), n);
	rest_.remove_prefix(n);
	return n;
}

Result<bool> readAll(BlobReader &r, std::string &out, size_t max)
{
	char buf[65536];
	for (;;) {
		size_t n = TB_TRY(r.read(buf, sizeof buf));
		if (n == 0)
			return true;
		if (out.size() + n > max)
			return false;
		out.append(buf, n);
	}
}

Result<std::string> readFileCapped(const std::string &path, size_t cap)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return unexpected(errnoError("open " + path));
	FdBlobReader r(fd);
	std::string out;
	if (!TB_TRY_CTX(readAll(r, out, cap), path))
		return err(Errc::LimitExceeded,
			   path + ": larger than " + std::to_string(cap) + " bytes");
	return out;
}

Result<void> writeFileAtomic(const std::string &path, std::string_view bytes,
			     std::optional<mode_t> mode)
{
	std::string dir = fs::path(path).parent_path().string();
	if (dir.empty())
		dir = ".";
	TempFile t;
	TB_TRY(makeTemp(t, dir, ".tb-" + fs::path(path).filename().string() + "-"));
	if (mode && ::fchmod(t.fd.get(), *mode) != 0)
		return unexpected(errnoError("chmod " + t.path));
	TB_TRY(writeAll(t.fd.get(), bytes.data(), bytes.size(), t.path));
	return commitTemp(t, path, dir);
}

Result<LayoutLock> LayoutLock::acquire(const std::string &dir, int timeoutMs, bool shared)
{
	UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!fd.isValid())
		return unexpected(errnoError("open layout " + dir + " for locking"));
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
	while (::flock(fd.get(), (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return unexpected(errnoError("lock layout " + dir));
		if (std::chrono::steady_clock::now() > deadline) {
			return err(Errc::Conflict, "lock layout " + dir +
							   ": still held by another writer after " +
							   std::to_string(timeoutMs / 1000) + " s");
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	return LayoutLock(std::move(fd));
}

StagedBlob::~StagedBlob()
{
	fd_.reset();
	if (!path_.empty())
		::unlink(path_.c_str());
}

StagedBlob &StagedBlob::operator=(StagedBlob &&o) noexcept
{
	if (this != &o) {
		fd_.reset();
		if (!path_.empty())
			::unlink(path_.c_str());
		path_ = std::move(o.path_);
		fd_ = std::move(o.fd_);
		track_ = std::move(o.track_);
		o.path_.clear();
	}
	return *this;
}

void StagedBlob::adopted() noexcept
{
	path_.clear();
	track_.reset();
	fd_.reset();
}

Result<StagedBlob> stageBlob(const std::string &dir, const Descriptor &d, BlobReader &data)
{
	if (d.digest.algorithm != "sha256")
		return err(Errc::Unsupported,
			   "blob " + d.digest.str() + ": only sha256 blobs can be written");
	TempFile t;
	// Temp files live in the layout root, not in blobs/: tools walking blobs/ never see them.
	TB_TRY(makeTemp(t, dir, ".tb-blob-"));
	Sha256 hash;
	std::vector<char> buf(1 << 20);
	int64_t total = 0;
	for (;;) {
		size_t n = TB_TRY_CTX(data.read(buf.data(), buf.size()), "blob " + d.digest.str());
		if (n == 0)
			break;
		total += static_cast<int64_t>(n);
		if (total > d.size)
			return err(Errc::Corrupt, "blob " + d.digest.str() + ": more than the " +
							  std::to_string(d.size) +
							  " bytes its descriptor says");
		hash.update(buf.data(), n);
		TB_TRY(writeAll(t.fd.get(), buf.data(), n, t.path));
	}
	if (total != d.size)
		return err(Errc::Corrupt, "blob " + d.digest.str() + ": truncated at " +
						  std::to_string(total) + " of " +
						  std::to_string(d.size) + " bytes");
	Digest got = hash.finish();
	if (got != d.digest)
		return err(Errc::Corrupt, "blob " + d.digest.str() +
						  ": digest mismatch (content is " + got.str() +
						  ")");
	if (::fsync(t.fd.get()) != 0)
		return unexpected(errnoError("fsync " + t.path));
	// The fd stays open, and with it the lock that tells it from a dead writer's.
	StagedBlob staged(std::move(t.path), std::move(t.fd), std::move(t.track));
	t.path.clear();
	return staged;
}

Result<StagedBlob> createStaged(const std::string &dir)
{
	TempFile t;
	TB_TRY(makeTemp(t, dir, ".tb-blob-"));
	StagedBlob staged(std::move(t.path), std::move(t.fd), std::move(t.track));
	t.path.clear();
	return staged;
}

Result<void> finishStaged(const StagedBlob &staged, const Descriptor &d)
{
	if (d.digest.algorithm != "sha256")
		return err(Errc::Unsupported,
			   "blob " + d.digest.str() + ": only sha256 blobs can be written");
	struct stat st;
	if (::fstat(staged.fd(), &st) != 0)
		return unexpected(errnoError("stat " + staged.path()));
	if (st.st_size != d.size)
		return err(Errc::Corrupt,
			   "blob " + d.digest.str() + ": " + std::to_string(st.st_size) +
				   " bytes written, its descriptor says " + std::to_string(d.size));
	if (::fsync(staged.fd()) != 0)
		return unexpected(errnoError("fsync " + staged.path()));
	return {};
}

Result<int64_t> DirTree::size(const std::string &rel) const
{
	struct stat st;
	if (::lstat((root_ + "/" + rel).c_str(), &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return err(Errc::NotFound, name(rel) + " is missing");
		// EIO, ELOOP, EACCES...: the file may well be there; copy must not re-upload it.
		return unexpected(errnoError("stat " + name(rel)));
	}
	// Not a regular file (a symlink, a directory): no blob by that name.
	if (!S_ISREG(st.st_mode))
		return err(Errc::NotFound, name(rel) + " is missing");
	return static_cast<int64_t>(st.st_size);
}

Result<std::unique_ptr<BlobReader>> DirTree::open(const std::string &rel, bool followLinks) const
{
	std::string path = root_ + "/" + rel;
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return unexpected(errnoError("open " + path));
	return std::unique_ptr<BlobReader>(std::make_unique<FdBlobReader>(fd));
}

Result<std::string> readTreeFile(const FileTree &tree, const std::string &rel, size_t cap,
				 bool followLinks)
{
	auto reader = TB_TRY(tree.open(rel, followLinks));
	std::string out;
	if (!TB_TRY_CTX(readAll(*reader, out, cap), tree.name(rel)))
		return err(Errc::LimitExceeded,
			   tree.name(rel) + ": larger than " + std::to_string(cap) + " bytes");
	return out;
}

} // namespace tb::support
