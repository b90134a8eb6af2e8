// SPDX-License-Identifier: Apache-2.0
// The private staging directory an extract writes into: every tar entry is policed here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <tb/caches.h>

#include "tbsupport/unique_fd.h"

struct archive;
struct archive_entry;

namespace tb::cache {

/// \brief Writes the io.triton.cache/ part of layers below a directory fd, refusing anything
/// that could escape it or that a cache never holds. Errors name the entry.
class StagingTree {
public:
	StagingTree(int rootFd, const ExtractOptions &options);
	~StagingTree();
	StagingTree(const StagingTree &) = delete;
	StagingTree &operator=(const StagingTree &) = delete;

	/// \brief Entries may repeat across layers (later wins) but not within one.
	void beginLayer();
	/// \brief What the entries of this layer declared (headers included).
	int64_t declaredBytes() const { return declaredBytes_; }
	/// \brief Police and write one entry, reading its data from \a a.
	/// \param usedBefore uncompressed bytes of earlier layers (max_total_bytes is per image)
	Result<void> addEntry(struct archive *a, struct archive_entry *e, int64_t usedBefore);

	int64_t entries() const { return entries_; }
	int64_t cacheFiles() const { return cacheFiles_; }
	int64_t cacheBytes() const { return cacheBytes_; }
	bool sawCache() const { return sawCache_; }
	/// \brief Triton's temporary entries (tmp.pid_*, *.tmp.pid_*) read past, not written.
	int64_t transientsSkipped() const { return transientsSkipped_; }
	const std::string &firstTransient() const { return firstTransient_; }
	const std::optional<std::string> &manifestJson() const { return manifest_; }

private:
	enum class Kind : char { File = 'f', Dir = 'd', Link = 'l' };
	Result<int> parentFd(const std::string &rel);
	Result<void> readManifest(struct archive *a, struct archive_entry *e);
	Result<void> writeFile(struct archive *a, struct archive_entry *e, const std::string &rel);
	Result<void> makeDir(struct archive_entry *e, const std::string &rel);
	Result<void> makeSymlink(struct archive_entry *e, const std::string &rel);
	Result<void> makeHardlink(struct archive_entry *e, const std::string &rel);
	Result<void> clearEarlierLayer(int dirFd, const std::string &name, const std::string &rel,
				       Kind replacement);
	void warn(const std::string &message) const;
	void warnSpecialBits(unsigned mode, unsigned written, const std::string &rel) const;
	unsigned fileMode(unsigned imageMode) const;
	unsigned dirMode() const;
	bool umaskAllows(unsigned mode) const;

	int rootFd_;
	const ExtractOptions &options_;
	unsigned umask_;
	std::unordered_set<std::string> seenInLayer_;
	std::unordered_map<std::string, Kind> kinds_; ///< everything written, by staging path
	std::string lastParent_;
	support::UniqueFd lastParentFd_;
	int64_t entries_ = 0, cacheFiles_ = 0, cacheBytes_ = 0;
	int64_t declaredBytes_ = 0; ///< tar headers + declared sizes, this layer
	bool sawCache_ = false;
	int64_t transientsSkipped_ = 0;
	std::string firstTransient_;
	std::optional<std::string> manifest_;
};

/// \brief Clean a tar entry name: strip "./" and empty components; refuse absolute names and
/// "..". \return Errc::Corrupt naming the problem
Result<std::string> normalizeEntryName(std::string_view raw);

} // namespace tb::cache
