// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the cache engine's source files (not installed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tb/result.h>
#include <tb/transport.h>

#include "tbsupport/blob_file.h"

struct archive;

namespace tb::cache {

/// \brief archive_error_string(), which is NULL when nothing recorded an error.
std::string archiveError(struct archive *a);

/// \brief UTF-8 character handling on this thread while it lives (uselocale, C.UTF-8):
/// libarchive converts entry names between the locale and the UTF-8 of pax headers, and in
/// the "C" locale of a program that never called setlocale it refuses every non-ASCII name.
/// Forcing UTF-8 also makes a layer's bytes independent of the user's locale.
class Utf8Locale {
public:
	Utf8Locale();
	~Utf8Locale();
	Utf8Locale(const Utf8Locale &) = delete;
	Utf8Locale &operator=(const Utf8Locale &) = delete;

private:
	void *locale_ = nullptr; ///< locale_t
	void *previous_ = nullptr;
};

/// \brief A BlobReader over an open file descriptor from its current offset (not owned).
class FdReader : public BlobReader {
public:
	explicit FdReader(int fd) : fd_(fd) {}
	Result<size_t> read(void *buffer, size_t size) noexcept override;

private:
	int fd_;
};

/// \brief Write all of \a data to \a fd.
Result<void> writeAll(int fd, const void *data, size_t size);

/// \brief \a dir, else $TMPDIR, else /tmp.
std::string tempDirectory(const std::string &dir);

/// \brief An anonymous temporary file in \a dir (O_TMPFILE, else mkstemp + unlink).
Result<int> openTempFile(const std::string &dir);

/// \brief Parse "2024-05-01T12:00:00Z", offsets, fractions, or a decimal Unix time.
Result<int64_t> parseTimestamp(std::string_view text);
/// \brief RFC 3339 UTC, seconds precision.
std::string formatTimestamp(int64_t seconds);

/// \brief Triton's temporary names: dirs "tmp.pid_<pid>_<uuid>" and files
/// "<name>.tmp.pid_<pid>_<uuid>" (a kernel called "tmp" writes "tmp.json": not transient).
bool isTritonTransient(std::string_view name) noexcept;

/// \brief Read a whole blob into memory, verifying digest and size, failing over \a cap.
Result<std::string> readSmallBlob(ImageSource &source, const Descriptor &d, size_t cap);

} // namespace tb::cache
