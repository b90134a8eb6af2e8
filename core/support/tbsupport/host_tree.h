// SPDX-License-Identifier: Apache-2.0
// HostTree: one host root held open while a probe runs, for cheap lookups inside it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>

#include <tb/result.h>

#include "tbsupport/host_fs.h"
#include "tbsupport/unique_fd.h"

namespace tb::support {

/// \brief A host root ("/" or a --host-root tree) held open by descriptor for one probe.
///
/// Resolving a host path inside it is one openat2(RESOLVE_IN_ROOT) instead of an lstat() per
/// path component (resolveInRoot()): one that allows no symlink for a plain path; a readlinkat
/// in the (symlink-free) directory of a path expected to end in a symlink; a readlink of
/// /proc/self/fd only where a chain goes through further symlinks. Where openat2 or /proc is
/// unavailable, and for every lookup the kernel refuses, it falls back to resolveInRoot(), so
/// results and error messages are the same. Files are opened relative to the root's
/// descriptor, which is what opening path(absolute) does, minus the walk down to the root.
/// What it keeps between calls only saves lookups (the last directory a symlink was read in,
/// held open; where the root's symlinked top directories such as /lib lead); every answer
/// still comes from the kernel, and a second probe, with a HostTree of its own, sees a host
/// that changed in between. One probe's: not for several threads at once.
class HostTree {
public:
	/// \brief This machine's root, not held open: lookups walk component by component.
	HostTree() = default;
	/// \param root host root ("" or "/" = this machine's root)
	explicit HostTree(std::string root);

	const std::string &root() const noexcept { return root_; }
	/// \brief The path of host file \a absolute below the root (underRoot()).
	std::string path(std::string_view absolute) const;

	/// \brief How a lookup goes about it; the answer is the same either way.
	enum class Expect {
		Plain,   ///< most paths hold no symlink: first try the lookup that allows none
		Symlink, ///< a symlink on the way is likely (a sysfs device link, a SONAME link)
	};

	/// \brief resolveInRoot(root(), absolute): the same result and the same errors.
	Result<std::string> resolve(std::string_view absolute, Expect expect = Expect::Plain) const;
	/// \brief resolve() without the error: nullopt where resolve() fails.
	std::optional<std::string> find(std::string_view absolute) const;
	/// \brief find(), and in \a fd a descriptor (O_PATH) of what it found where the kernel
	/// looked it up, to read below it with the *At() readers (invalid otherwise: read by path).
	std::optional<std::string> find(std::string_view absolute, Expect expect,
					UniqueFd &fd) const;
	/// \brief find(), and in \a st the stat() of what it found: for a path in a directory
	/// without symlinks, one fstatat() there (the directory is held open for the next).
	std::optional<std::string> findStat(std::string_view absolute, struct stat &st) const;
	/// \brief True where resolve() succeeds; skips working out the final path.
	bool resolves(std::string_view absolute) const;
	/// \brief resolves() of a directory a search is about to look in: held open, when it
	/// holds no symlink on its way, so that lookups of its entries (resolves(), findStat())
	/// take one fstatat() each.
	bool searchDir(std::string_view dir) const;

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
	std::vector<DirEntry> listDirEntries(std::string_view absolute) const;
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
	// A path for an *at() call, NUL-terminated: on the stack when short, as most are.
	class AtPath {
	public:
		void assign(std::string_view s);
		const char *c_str() const noexcept { return big_ ? big_->c_str() : small_; }

	private:
		char small_[256];
		std::optional<std::string> big_;
	};

	// The directory descriptor and path to hand an *at() call for \a absolute: the root's
	// descriptor and the path below it, or AT_FDCWD and path(absolute).
	int at(std::string_view absolute, AtPath &rel) const;
	// openat2() below the root: an O_PATH descriptor, or -errno (-ENOSYS: not available).
	int openBelow(std::string_view absolute, uint64_t resolve, int flags = O_PATH) const;
	// The host path of an O_PATH descriptor from openBelow(); nullopt when it is not below
	// the root as /proc/self/fd shows it (another mount namespace, a deleted directory).
	std::optional<std::string> hostPathOf(int fd) const;
	// find() by the kernel: a path, NotFound, or nullopt where only the walk can tell; \a keep
	// (when given) receives the O_PATH descriptor of the path found.
	// \a learn: may ask whether a top directory is a symlink (once per lookup).
	std::optional<Result<std::string>> kernelFind(std::string_view absolute, Expect expect,
						      UniqueFd *keep = nullptr,
						      bool learn = true) const;
	// \a absolute with its top directory ("/lib") replaced by where that symlink leads
	// ("/usr/lib"), where it is one that leads to a directory without symlinks; \a learn:
	// ask the kernel about a top not asked about before.
	bool throughTop(std::string_view absolute, std::string &out, bool learn) const;
	// Where symlink \a top of the root leads, when to a directory without symlinks; else "".
	std::string whereTopLeads(std::string_view top) const;
	// kernelFind() by one openat2 that follows symlinks, and /proc for where it ended.
	std::optional<Result<std::string>> followFind(std::string_view absolute,
						      UniqueFd *keep) const;
	// kernelFind() of the last component of \a absolute read in its directory, when that
	// directory holds no symlink on its way: nullopt where this way cannot tell.
	std::optional<Result<std::string>> findInPlainDir(std::string_view absolute, UniqueFd *keep,
							  bool learn) const;
	// lastDir_ made the directory \a parent, opened if it is another: 0 when it holds no
	// symlink on its way and is open, else the -errno of opening it (-ELOOP: a symlink),
	// and lastDir_ stays what it was.
	int plainDir(std::string_view parent) const;
	// How the fast lookups of a plain "/dir/name" (no ".", "..", empty or trailing component)
	// go: Held, lastDir_ is its directory; Redirected, its directory is below a symlinked top
	// directory and \a through is the same path from where that leads (learnt when \a learn);
	// No, they cannot tell.
	enum class PlainLookup { Held, Redirected, No };
	PlainLookup holdParent(std::string_view absolute, bool learn, std::string &through) const;
	// Whether \a absolute resolves, told by one fstatat() when it is an entry of lastDir_
	// and no symlink; nullopt otherwise.
	std::optional<bool> inHeldDir(std::string_view absolute) const;
	// The entry of findInPlainDir() found by one fstatat() in its directory (\a st: lstat()
	// of it, maybe a symlink): its path, NotFound, or nullopt where this way cannot tell.
	std::optional<Result<std::string>> statInPlainDir(std::string_view absolute,
							  struct stat &st, bool learn) const;
	// kernelFind() of a path that holds no symlink, else of where the symlinks lead.
	std::optional<Result<std::string>> openFound(const std::string &path, UniqueFd *keep) const;

	std::string root_ = "/";
	UniqueFd dir_;
	bool realRoot_ = true;
	mutable std::optional<std::string> prefix_; ///< the root as the kernel names it, "" for "/"
	mutable bool fast_ = false;
	/// The last directory findInPlainDir() looked in (the entries of one directory are
	/// usually asked for in a row), held open when it holds no symlink on its way.
	struct PlainDir {
		std::string path;
		UniqueFd fd;
	};
	mutable std::optional<PlainDir> lastDir_;
	/// The last directory plainDir() could not hold open, and why (-errno).
	mutable std::optional<std::pair<std::string, int>> lastMiss_;
	/// Top directories asked about, and where each leads ("" = not a symlink this way
	/// follows): on merged-/usr hosts "/lib" and "/bin" lead to "/usr/lib" and "/usr/bin".
	mutable std::vector<std::pair<std::string, std::string>> tops_;
};

} // namespace tb::support
