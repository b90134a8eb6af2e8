// SPDX-License-Identifier: Apache-2.0
// A container's writable view of a shared, read-only kernel cache dir.
#pragma once

#include <string>

#include <tb/result.h>

namespace tb::run {

/// Overlay: an overlayfs mount over the shared dir (needs CAP_SYS_ADMIN); constant time,
/// writes land in a per-run upper dir. Copy: a per-run copy of the tree; time grows with the
/// file count. Auto: overlay when the kernel lets us mount it, else copy. The figures behind
/// the choice are in docs/benchmarks.md ("Kernel cache view").
enum class CacheViewKind { Auto, Overlay, Copy };

/// \brief A per-run view; remove() (or the destructor) unmounts and deletes it.
class CacheView {
public:
	CacheView() = default;
	CacheView(CacheView &&o) noexcept;
	CacheView &operator=(CacheView &&o) noexcept;
	~CacheView() { remove(); }

	std::string path; ///< the dir to mount into the container
	CacheViewKind kind = CacheViewKind::Copy;
	std::string root; ///< per-run dir holding everything of the view

	void remove() noexcept;
};

/// \brief Make a writable view of \a shared under \a runDir (created; must not exist).
/// \return Errc::Unsupported when \a kind is Overlay and the mount is refused
Result<CacheView> makeCacheView(const std::string &shared, const std::string &runDir,
				CacheViewKind kind);

} // namespace tb::run
