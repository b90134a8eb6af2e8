// SPDX-License-Identifier: Apache-2.0
// Files under a layout: fd blob readers, capped reads, atomic writes, staged blobs, flock.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <tb/oci.h>
#include <tb/result.h>
#include <tb/transport.h>

namespace tb::support {

/// \brief An Error from errno: NotFound, PermissionDenied or Io, "what: strerror".
Error errnoError(const std::string &what);

/// \brief Reads a file descriptor to its end; owns and closes it.
class FdBlobReader : public BlobReader {
public:
	explicit FdBlobReader(int fd) : fd_(fd) {}
	~FdBlobReader() override;
	FdBlobReader(const FdBlobReader &) = delete;
	FdBlobReader &operator=(const FdBlobReader &) = delete;
	Result<size_t> read(void *buffer, size_t size) noexcept override;

private:
	int fd_;
};

/// \brief An exclusive flock on a layout directory, released on destruction.
class LayoutLock {
public:
	/// \brief Wait up to \a timeoutMs for the lock.
	/// \return Errc::Conflict after the timeout, Errc::Io
	static Result<LayoutLock> acquire(const std::string &dir, int timeoutMs = 60000);
	LayoutLock(LayoutLock &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
	LayoutLock &operator=(LayoutLock &&) = delete;
	~LayoutLock();

private:
	explicit LayoutLock(int fd) : fd_(fd) {}
	int fd_;
};

/// \brief Write \a bytes to \a path atomically: temp file in the same dir, fsync, rename.
Result<void> writeFileAtomic(const std::string &path, std::string_view bytes);

/// \brief Read a whole small file, failing over \a cap bytes.
Result<std::string> readFileCapped(const std::string &path, size_t cap);

/// \brief Stream \a data into a verified, fsynced temp file ".tb-blob-*" in \a dir; nothing
/// is a blob yet. \return its path; Errc::Corrupt on mismatch (the file is removed)
Result<std::string> stageBlob(const std::string &dir, const Descriptor &d, BlobReader &data);

} // namespace tb::support
