// SPDX-License-Identifier: Apache-2.0
// The members of a tar read in place (offset + size per member, served with pread), so the
// archive transports copy no blob to disk.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <tb/result.h>
#include <tb/transport.h>

#include "tbsupport/blob_file.h"
#include "tbsupport/tar_dir.h"

namespace tb::support {

/// \brief The regular-file members of an uncompressed tar (ustar, pax, GNU long names).
/// Names are cleaned like unpackArchive() does ("./" dropped; absolute and ".." refused);
/// a name that appears twice means the last entry, as `tar -x` would leave it (a later
/// link or directory of that name hides an earlier file). Links, devices and FIFOs are
/// not members. Sparse and multi-volume entries are refused.
class TarIndex : public FileTree, public std::enable_shared_from_this<TarIndex> {
public:
	struct Member {
		int64_t offset = 0; ///< of the data in the file
		int64_t size = 0;
	};
	/// \return Errc::NotFound, Errc::Corrupt (bad header, truncated member, unsafe name),
	/// Errc::Unsupported (sparse), Errc::LimitExceeded (\a limits)
	static Result<std::shared_ptr<TarIndex>> open(const std::string &file,
						      const UnpackLimits &limits = {});
	~TarIndex() override;
	TarIndex(const TarIndex &) = delete;
	TarIndex &operator=(const TarIndex &) = delete;

	Result<int64_t> size(const std::string &rel) const override;
	Result<std::unique_ptr<BlobReader>> open(const std::string &rel,
						 bool followLinks) const override;
	std::string name(const std::string &rel) const override;
	const std::map<std::string, Member> &members() const noexcept { return members_; }

private:
	friend Result<std::shared_ptr<TarIndex>> indexArchive(const std::string &file,
							      std::string_view tmpPrefix,
							      const std::string &tmpParent,
							      const UnpackLimits &limits);
	TarIndex(std::string file, UniqueFd fd) : file_(std::move(file)), fd_(std::move(fd)) {}
	/// \brief open() on an open \a fd.
	static Result<std::shared_ptr<TarIndex>> adopt(const std::string &file, UniqueFd fd,
						       const UnpackLimits &limits);
	Result<void> scan(int64_t fileSize, const UnpackLimits &limits);
	std::string file_;
	UniqueFd fd_; ///< served to readers with pread, never moved
	std::map<std::string, Member> members_;
};

/// \brief True when \a file starts with a tar header (or an end-of-archive block): it can
/// be indexed in place. False for compressed or non-tar files. \return Errc::NotFound, Io
Result<bool> isUncompressedTar(const std::string &file);

/// \brief Index the archive \a file: in place when it is an uncompressed tar; otherwise (gzip,
/// zstd, ... as libarchive detects) its tar is decompressed into an unlinked temp file under
/// \a tmpParent ("" = $TMPDIR, else /var/tmp) that lives as long as the index. Either way one
/// parser (TarIndex) reads the tar, so compression never changes what an archive holds.
Result<std::shared_ptr<TarIndex>> indexArchive(const std::string &file, std::string_view tmpPrefix,
					       const std::string &tmpParent,
					       const UnpackLimits &limits = {});

/// \brief indexArchive() as a read-only tree.
Result<std::shared_ptr<const FileTree>>
openArchiveTree(const std::string &file, std::string_view tmpPrefix, const std::string &tmpParent);

} // namespace tb::support
