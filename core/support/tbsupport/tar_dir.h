// SPDX-License-Identifier: Apache-2.0
// Archive transports' plumbing: private temp dirs, unpacking a tar into one, packing one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <tb/result.h>

#include "tbsupport/temp_track.h"
#include "tbsupport/unique_fd.h"

namespace tb::support {

/// \brief A private (0700) directory removed with everything in it on destruction (and on
/// SIGINT/SIGTERM); locked while it exists, so only a dead owner's is ever reclaimed.
class TempDir {
public:
	/// \brief Create "<parent>/<prefix><pid>-XXXXXX"; \a parent "" = $TMPDIR, else
	/// /var/tmp. Stale "<prefix>*" siblings of dead processes are removed first.
	static Result<TempDir> create(std::string_view prefix, const std::string &parent = {});
	TempDir(TempDir &&o) noexcept
	    : path_(std::move(o.path_)), fd_(std::move(o.fd_)), track_(std::move(o.track_))
	{
		o.path_.clear();
	}
	TempDir &operator=(TempDir &&) = delete;
	~TempDir();
	const std::string &path() const noexcept { return path_; }

private:
	TempDir(std::string path, UniqueFd fd, TempTrack track)
	    : path_(std::move(path)), fd_(std::move(fd)), track_(std::move(track))
	{
	}
	std::string path_;
	UniqueFd fd_; ///< holds the lock
	TempTrack track_;
};

/// \brief Normalise a tar member name: "./" and trailing "/" dropped; "" for the root;
/// nullopt for an unsafe name (absolute, an empty, "." or ".." component).
std::optional<std::string> cleanArchiveName(std::string_view name);

/// \brief Limits for unpacking an image archive (not a layer: only the transport's container).
struct UnpackLimits {
	int64_t maxEntries = 1'000'000;
	int64_t maxPathLength = 4096;
};

/// \brief Unpack the members of the tar \a archive (any compression libarchive detects) into
/// the empty directory \a dest (created if missing): the regular files indexArchive() finds,
/// with their parent directories. Links, devices and FIFOs are no members (docker-archive's
/// legacy layer.tar symlinks); absolute and ".." names are refused.
/// \return Errc::Corrupt naming the archive and entry, Errc::NotFound, Errc::Io
Result<void> unpackArchive(const std::string &archive, const std::string &dest,
			   const UnpackLimits &limits = {});

/// \brief Check, before any work, that an archive can be written at \a file: a name is
/// given, its directory exists, and it is not a directory itself.
Result<void> checkArchiveTarget(const std::string &file);

class TarIndex;

/// \brief Write every regular file and directory under \a dir (sorted, uid/gid 0, mtime 0,
/// modes 0644/0755, names without "./") as a tar to \a file, atomically (temp file + rename).
/// Names starting with ".tb-" (our temp files) are left out. With \a base, its members that
/// \a dir does not have are copied in from that archive (which may be \a file itself).
Result<void> packDirectory(const std::string &dir, const std::string &file,
			   const TarIndex *base = nullptr);

} // namespace tb::support
