// SPDX-License-Identifier: Apache-2.0
// HostTree: one host root held open while a probe runs, for cheap lookups inside it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>

#include <tb/result.h>

#include "tbsupport/unique_fd.h"

namespace tb::support {

/// \brief A host root ("/" or a --host-root tree) held open by descriptor for one probe.
///
/// Resolving a host path inside it is one openat2(RESOLVE_IN_ROOT) (plus a readlink of
/// /proc/self/fd when the path holds a symlink) instead of an lstat() per path component
/// (resolveInRoot()). Where openat2 or /proc is unavailable, and for every lookup the
/// kernel refuses, it falls back to resolveInRoot(), so results and error messages are the
/// same. Files are opened relative to the root's descriptor, which is what opening
/// path(absolute) does, minus the walk down to the root. It caches nothing: each call asks
/// the kernel, so a second probe sees a host that changed in between.
class HostTree {
public:
	/// \brief This machine's root, not held open: lookups walk component by component.
	HostTree() = default;
	/// \param root host root ("" or "/" = this machine's root)
	explicit HostTree(std::string root);

	const std::string &root() const noexcept { return root_; }
	/// \brief The path of host file \a absolute below the root (underRoot()).
	std::string path(std::string_view absolute) const;

	/// \brief resolveInRoot(root(), absolute): the same result and the same errors.
	Result<std::string> resolve(std::string_view absolute) const;
	/// \brief resolve() without the error: nullopt where resolve() fails.
	std::optional<std::string> find(std::string_view absolute) const;
	/// \brief True where resolve() succeeds; skips working out the final path.
	bool resolves(std::string_view absolute) const;

	/// \name The host_fs.h readers of path(absolute)
	/// \{
	/// \param shortReadIsEnd see readFileAt()
	Result<std::string> readFile(std::string_view absolute, size_t maxBytes = 1 << 20,
				     bool shortReadIsEnd = false) const;
	std::optional<std::string> readLine(std::string_view absolute) const;
	std::optional<int64_t> readInt(std::string_view absolute) const;
	/// \brief readInt() of a sysfs attribute (or a regular file): one read() where it fits.
	std::optional<int64_t> readAttributeInt(std::string_view absolute) const;
	/// \brief readAttributeInt() of find(absolute): symlinks on the way are taken inside the
	/// root, without working out where they lead (one openat2 where the kernel has it).
	std::optional<int64_t> readAttributeIntInRoot(std::string_view absolute) const;
	std::optional<std::string> readLink(std::string_view absolute) const;
	std::vector<std::string> listDir(std::string_view absolute) const;
	bool isDirectory(std::string_view absolute) const;
	/// \brief stat() (\a follow) or lstat(); 0, or -1 with errno set.
	int stat(std::string_view absolute, struct stat &st, bool follow = true) const;
	/// \}

	/// \brief False when lookups go the component-by-component way (no openat2, no /proc,
	/// or the root could not be opened). For tests.
	bool kernelResolve() const noexcept { return fast_; }
	/// \brief Use the component-by-component lookup from now on. For tests.
	void disableKernelResolve() noexcept { fast_ = false; }

private:
	// The directory descriptor and path to hand an *at() call for \a absolute: the root's
	// descriptor and the path below it, or AT_FDCWD and path(absolute).
	int at(std::string_view absolute, std::string &rel) const;
	// openat2() below the root: an O_PATH descriptor, or -errno (-ENOSYS: not available).
	int openBelow(std::string_view absolute, uint64_t resolve, int flags = O_PATH) const;
	// The host path of an O_PATH descriptor from openBelow(); nullopt when it is not below
	// the root as /proc/self/fd shows it (another mount namespace, a deleted directory).
	std::optional<std::string> hostPathOf(int fd) const;
	// find() by the kernel: a path, NotFound, or nullopt where only the walk can tell.
	std::optional<Result<std::string>> kernelFind(std::string_view absolute) const;

	std::string root_ = "/";
	UniqueFd dir_;
	bool realRoot_ = true;
	std::string prefix_; ///< the root as the kernel names it, "" for "/"
	mutable bool fast_ = false;
};

} // namespace tb::support
