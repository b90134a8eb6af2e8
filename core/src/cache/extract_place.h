// SPDX-License-Identifier: Apache-2.0
// After verification: rewrite __grp__ child paths and rename staged entries into place.
#pragma once

#include <string>
#include <vector>

#include <tb/caches.h>

namespace tb::cache {

/// \brief Entries of io.triton.manifest/manifest.json; a bad manifest is only warned about.
std::vector<CacheEntry> entriesFromManifest(const std::string &json, const ExtractOptions &options);

/// \brief Point every `__grp__*.json` child path at \a dest/<KEY>/<file>, where Triton will
/// look for it. \return the number of files changed
Result<int64_t> rewriteGroups(const std::string &staging, const std::string &dest);

/// \brief Move each top-level staged entry into \a dest: new ones by rename (no replace),
/// identical ones left alone, different ones updated file by file (each file replaced
/// atomically; files only the destination has are kept).
Result<void> placeEntries(int stagingFd, int destFd, const std::string &staging,
			  const std::string &dest, ExtractReport &report);

/// \brief Same names, types, file bytes and link targets (modes and times ignored).
bool sameTree(const std::string &a, const std::string &b);

} // namespace tb::cache
