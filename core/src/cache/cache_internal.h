// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the cache engine's source files (not installed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tb/result.h>
#include <tb/transport.h>

#include "tbsupport/blob_file.h"

namespace tb::cache {

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
