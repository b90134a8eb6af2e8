// SPDX-License-Identifier: Apache-2.0
// Small file-system readers for sysfs/procfs/devfs trees below a host root (no exceptions).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tb/result.h>

namespace tb::support {

/// \brief Read a whole (small) file. sysfs files report size 0, so this reads until EOF.
/// \return Errc::NotFound when missing, Errc::LimitExceeded beyond \a maxBytes, Errc::Io else
Result<std::string> readFile(const std::string &path, size_t maxBytes = 1 << 20);
/// \brief readFile() of \a rel opened relative to the directory \a dirFd (or AT_FDCWD);
/// messages name \a path.
/// \param shortReadIsEnd stop after a read() that did not fill the buffer instead of asking
/// once more for EOF: only for a regular file (a short read is its end), a sysfs attribute
/// (produced whole by one read of up to a page), or a procfs file of one record (single_open(),
/// a sysctl); never for other procfs files, whose reads may stop between records
Result<std::string> readFileAt(int dirFd, const char *rel, const std::string &path,
			       size_t maxBytes = 1 << 20, bool shortReadIsEnd = false);
/// \brief The rest of the open file \a fd, as readFileAt() reads it; messages name \a path.
Result<std::string> readFd(int fd, const std::string &path, size_t maxBytes, bool shortReadIsEnd);
/// \brief readFileAt() and readFd() whose messages name underRoot(root, absolute), a name
/// only made for a message.
Result<std::string> readFileAtUnder(int dirFd, const char *rel, const std::string &root,
				    std::string_view absolute, size_t maxBytes,
				    bool shortReadIsEnd);
Result<std::string> readFdUnder(int fd, const std::string &root, std::string_view absolute,
				size_t maxBytes, bool shortReadIsEnd);
/// \brief First line of a file without trailing whitespace ("0x10de\n" -> "0x10de").
std::optional<std::string> readLine(const std::string &path);
/// \brief The first line of file contents \a r, trimmed; nullopt when \a r is an error.
std::optional<std::string> firstLine(const Result<std::string> &r);
/// \brief Parse "0x10de", "4318" or "-1" as a signed integer; nullopt when not a number.
std::optional<int64_t> parseInt(std::string_view text);
/// \brief Read a file holding one number (hex with 0x or decimal).
std::optional<int64_t> readInt(const std::string &path);

bool exists(const std::string &path); ///< follows symlinks
bool isDirectory(const std::string &path);
bool isSymlink(const std::string &path);
/// \brief Entry names of a directory, sorted; empty when it does not exist.
std::vector<std::string> listDir(const std::string &path);
/// \brief listDir() of \a rel relative to the directory \a dirFd (or AT_FDCWD).
std::vector<std::string> listDirAt(int dirFd, const char *rel);
/// \brief A directory entry: its name and type as the directory lists it (DT_REG, DT_LNK ...;
/// DT_UNKNOWN where the file system does not say: then only an lstat() tells).
struct DirEntry {
	std::string name;
	unsigned char type;
	bool operator<(const DirEntry &o) const { return name < o.name; }
};
/// \brief listDirAt() with each entry's type, sorted by name.
std::vector<DirEntry> listDirEntriesAt(int dirFd, const char *rel);
/// \brief The symlinks of a directory and where each points (readlinkat), by name.
std::map<std::string, std::string> listLinksAt(int dirFd, const char *rel);
/// \brief Target of a symlink as stored, or nullopt.
std::optional<std::string> readLink(const std::string &path);
/// \brief Last path component ("/a/b/nvidia" -> "nvidia").
std::string_view baseName(std::string_view path);
std::string_view dirName(std::string_view path);
std::string_view trim(std::string_view s);
/// \brief \a s with ASCII letters lowered (header names, schemes, vendor strings).
std::string asciiLower(std::string_view s);

/// \brief The path of the host file \a absolute under the host root \a root ("" = /).
std::string underRoot(const std::string &root, std::string_view absolute);
/// \brief True when the host root \a root is this machine's own "/" ("", "/", "//"...).
bool isRealRoot(std::string_view root) noexcept;

/// \brief Follow the symlink chain of the host path \a absolute inside \a root, re-rooting
/// absolute link targets under \a root (like a chroot lookup); never escapes \a root.
/// \param chain receives every host path visited, the final file last (may be null)
/// \return the final host path (without the root prefix); Errc::NotFound when it does not
/// exist, Errc::LimitExceeded on a loop
Result<std::string> resolveInRoot(const std::string &root, std::string_view absolute,
				  std::vector<std::string> *chain = nullptr);

/// \brief Lines "Key: value" (sep ':') or "key value" (sep ' ') into a map; keys and
/// values trimmed, the first separator splits, lines without one are ignored.
std::map<std::string, std::string> parseKeyValues(std::string_view text, char sep);
/// \brief The value parseKeyValues() gives \a key (its first line), without building the map.
std::optional<std::string_view> keyValue(std::string_view text, char sep, std::string_view key);

} // namespace tb::support
