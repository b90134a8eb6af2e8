// SPDX-License-Identifier: Apache-2.0
// Files under a layout: fd blob readers, capped reads, atomic writes, staged blobs, flock,
// read-only directory trees.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

#include <tb/oci.h>
#include <tb/result.h>
#include <tb/transport.h>

#include "tbsupport/temp_track.h"
#include "tbsupport/unique_fd.h"

namespace tb::support {

/// \brief An Error from errno: NotFound, PermissionDenied or Io, "what: strerror".
Error errnoError(const std::string &what);

/// \brief Reads a file descriptor to its end; owns and closes it.
class FdBlobReader : public BlobReader {
public:
	explicit FdBlobReader(UniqueFd fd) : fd_(std::move(fd)) {}
	explicit FdBlobReader(int fd) : fd_(fd) {}
	Result<size_t> read(void *buffer, size_t size) noexcept override;

private:
	UniqueFd fd_;
};

/// \brief Reads a string as a blob (the caller keeps the bytes alive).
class StringReader : public BlobReader {
public:
	explicit StringReader(std::string_view data) : rest_(data) {}
	Result<size_t> read(void *buffer, size_t size) noexcept override;

private:
	std::string_view rest_;
};

/// \brief Append \a r up to its end to \a out. \return false, having stopped early, when the
/// whole would be over \a max bytes (callers name the object in their own message)
Result<bool> readAll(BlobReader &r, std::string &out, size_t max);

/// \brief An exclusive flock on a layout directory, released on destruction.
class LayoutLock {
public:
	/// \brief Wait up to \a timeoutMs for the lock (\a shared: LOCK_SH).
	/// \return Errc::Conflict after the timeout, Errc::Io
	static Result<LayoutLock> acquire(const std::string &dir, int timeoutMs = 60000,
					  bool shared = false);
	LayoutLock(LayoutLock &&o) noexcept = default;
	LayoutLock &operator=(LayoutLock &&) = delete;

private:
	explicit LayoutLock(UniqueFd fd) : fd_(std::move(fd)) {}
	UniqueFd fd_; ///< closing it drops the flock
};

/// \brief Write \a bytes to \a path atomically: temp file in the same dir (removed on failure
/// and on a fatal signal), fsync, rename, fsync of the dir. A reader sees the old file or the
/// new one, never half. \a mode: exactly these permissions (a secret's 0600, a CDI spec's 0644
/// whatever the umask); by default shared data's 0644 minus the umask.
Result<void> writeFileAtomic(const std::string &path, std::string_view bytes,
			     std::optional<mode_t> mode = std::nullopt);

/// \brief Read a whole small file, failing over \a cap bytes.
Result<std::string> readFileCapped(const std::string &path, size_t cap);

/// \brief A verified temp file ".tb-blob-<pid>-*", removed on destruction unless adopted.
/// It stays open and locked, so no other tb takes it for a dead writer's leftover.
class StagedBlob {
public:
	StagedBlob(std::string path, UniqueFd fd, TempTrack track)
	    : path_(std::move(path)), fd_(std::move(fd)), track_(std::move(track))
	{
	}
	StagedBlob(StagedBlob &&o) noexcept
	    : path_(std::move(o.path_)), fd_(std::move(o.fd_)), track_(std::move(o.track_))
	{
		o.path_.clear();
	}
	StagedBlob &operator=(StagedBlob &&o) noexcept;
	~StagedBlob();
	const std::string &path() const noexcept { return path_; }
	/// \brief The open file (read/write), -1 once adopted.
	int fd() const noexcept { return fd_.get(); }
	/// \brief The file was renamed into place: nothing to remove any more.
	void adopted() noexcept;

private:
	std::string path_;
	UniqueFd fd_; ///< held open: its flock tells a live writer's temp from a dead one's
	TempTrack track_;
};

/// \brief Stream \a data into a verified, fsynced temp file ".tb-blob-<pid>-*" in \a dir;
/// nothing is a blob yet. \return it; Errc::Corrupt on mismatch (the file is removed)
Result<StagedBlob> stageBlob(const std::string &dir, const Descriptor &d, BlobReader &data);

/// \brief An empty temp file ".tb-blob-<pid>-*" in \a dir for a blob its caller writes and
/// hashes itself; finishStaged() then makes it what stageBlob() returns.
Result<StagedBlob> createStaged(const std::string &dir);

/// \brief Check that \a staged (from createStaged()) holds \a d's size and flush it to disk
/// like stageBlob(); its digest is the writer's word. \return Errc::Corrupt (wrong size), Io
Result<void> finishStaged(const StagedBlob &staged, const Descriptor &d);

/// \brief Regular files by relative path ("blobs/sha256/<hex>", "index.json").
class FileTree {
public:
	virtual ~FileTree() = default;
	/// \return the size of the regular file \a rel; Errc::NotFound when there is none
	virtual Result<int64_t> size(const std::string &rel) const = 0;
	/// \brief Open the regular file \a rel. \a followLinks only matters for directories
	/// (blobs are opened with O_NOFOLLOW; a tar's links are never members).
	virtual Result<std::unique_ptr<BlobReader>> open(const std::string &rel,
							 bool followLinks = false) const = 0;
	/// \brief How an error names \a rel ("DIR/index.json", "archive FILE: index.json").
	virtual std::string name(const std::string &rel) const = 0;
};

/// \brief A directory on disk.
class DirTree : public FileTree {
public:
	explicit DirTree(std::string root) : root_(std::move(root)) {}
	Result<int64_t> size(const std::string &rel) const override;
	Result<std::unique_ptr<BlobReader>> open(const std::string &rel,
						 bool followLinks) const override;
	std::string name(const std::string &rel) const override { return root_ + "/" + rel; }
	const std::string &root() const noexcept { return root_; }

private:
	std::string root_;
};

/// \brief Read the whole regular file \a rel of \a tree, failing over \a cap bytes.
Result<std::string> readTreeFile(const FileTree &tree, const std::string &rel, size_t cap,
				 bool followLinks = false);

} // namespace tb::support
