// SPDX-License-Identifier: Apache-2.0
// HostTree: host-root lookups through openat2(RESOLVE_IN_ROOT) (host_tree_lookup.cpp),
// resolveInRoot() as fallback; readers relative to the root held open.
#include "tbsupport/host_tree.h"

#include <cerrno>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif

#include "tbsupport/host_fs.h"

namespace tb::support {

namespace {

#if defined(SYS_openat2) && defined(RESOLVE_IN_ROOT)
constexpr bool kHaveOpenat2 = true;
#else
constexpr bool kHaveOpenat2 = false;
#endif

} // namespace

HostTree::HostTree(std::string root)
    : root_(root.empty() ? "/" : std::move(root)), realRoot_(isRealRoot(root_))
{
	if (!kHaveOpenat2)
		return;
	dir_.reset(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
	// The root's name in /proc is asked for when a lookup first needs it (hostPathOf()).
	fast_ = dir_.isValid();
}

std::string HostTree::path(std::string_view absolute) const
{
	return underRoot(root_, absolute);
}

void HostTree::AtPath::assign(std::string_view s)
{
	if (s.size() < sizeof small_) {
		s.copy(small_, s.size());
		small_[s.size()] = '\0';
		big_.reset();
	} else {
		big_.emplace(s);
	}
}

int HostTree::at(std::string_view absolute, AtPath &rel) const
{
	if (realRoot_ || !dir_.isValid()) {
		rel.assign(path(absolute));
		return AT_FDCWD;
	}
	size_t b = absolute.find_first_not_of('/');
	rel.assign(b == std::string_view::npos ? std::string_view(".") : absolute.substr(b));
	return dir_.get();
}

int HostTree::openBelow(std::string_view absolute, uint64_t resolve, int flags) const
{
#if defined(SYS_openat2) && defined(RESOLVE_IN_ROOT)
	size_t b = absolute.find_first_not_of('/');
	AtPath rel;
	rel.assign(b == std::string_view::npos ? std::string_view(".") : absolute.substr(b));
	struct open_how how = {};
	how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve;
	long fd = ::syscall(SYS_openat2, dir_.get(), rel.c_str(), &how, sizeof how);
	if (fd >= 0)
		return static_cast<int>(fd);
	int e = errno;
	// Not there (old kernel), filtered by seccomp, or a struct it does not know.
	if (e == ENOSYS || e == EPERM || e == E2BIG)
		fast_ = false;
	return -e;
#else
	(void)absolute;
	(void)resolve;
	(void)flags;
	return -ENOSYS;
#endif
}

Result<std::string> HostTree::resolve(std::string_view absolute, Expect expect) const
{
	auto k = kernelFind(absolute, expect);
	if (k && *k)
		return std::move(**k);
	// Also where the kernel said no: the walk names the missing component, it does not.
	return resolveInRoot(root_, absolute);
}

std::optional<std::string> HostTree::find(std::string_view absolute) const
{
	if (auto k = kernelFind(absolute, Expect::Plain))
		return *k ? std::optional<std::string>(std::move(**k)) : std::nullopt;
	auto r = resolveInRoot(root_, absolute);
	return r ? std::optional<std::string>(std::move(*r)) : std::nullopt;
}

std::optional<std::string> HostTree::find(std::string_view absolute, Expect expect,
					  UniqueFd &fd) const
{
	fd.reset();
	if (auto k = kernelFind(absolute, expect, &fd))
		return *k ? std::optional<std::string>(std::move(**k)) : std::nullopt;
	auto r = resolveInRoot(root_, absolute);
	return r ? std::optional<std::string>(std::move(*r)) : std::nullopt;
}

bool HostTree::resolves(std::string_view absolute) const
{
	std::string through;
	if (fast_) {
		if (throughTop(absolute, through, false))
			absolute = through;
		if (auto there = inHeldDir(absolute))
			return *there;
		int fd = openBelow(absolute, 0);
		if (fd >= 0) {
			::close(fd);
			return true;
		}
		if (fd == -ENOENT)
			return false;
	}
	return resolveInRoot(root_, absolute).has_value();
}

Result<std::string> HostTree::readFile(std::string_view absolute, size_t maxBytes,
				       bool shortReadIsEnd) const
{
	AtPath rel;
	int dir = at(absolute, rel);
	return readFileAtUnder(dir, rel.c_str(), root_, absolute, maxBytes, shortReadIsEnd);
}

std::optional<std::string> HostTree::readLine(std::string_view absolute) const
{
	return firstLine(readFile(absolute, 64 * 1024));
}

std::optional<int64_t> HostTree::readInt(std::string_view absolute) const
{
	auto line = readLine(absolute);
	return line ? parseInt(*line) : std::nullopt;
}

std::optional<int64_t> HostTree::readAttributeInt(std::string_view absolute) const
{
	auto line = firstLine(readFile(absolute, 64 * 1024, true));
	return line ? parseInt(*line) : std::nullopt;
}

std::optional<int64_t> HostTree::readAttributeIntInRoot(std::string_view absolute) const
{
	if (fast_) {
		int fd = openBelow(absolute, 0, O_RDONLY);
		if (fd >= 0) {
			UniqueFd owned(fd);
			auto line = firstLine(readFdUnder(fd, root_, absolute, 64 * 1024, true));
			return line ? parseInt(*line) : std::nullopt;
		}
		if (fd == -ENOENT)
			return std::nullopt;
	}
	auto real = find(absolute);
	return real ? readAttributeInt(*real) : std::nullopt;
}

std::optional<std::string> HostTree::readLink(std::string_view absolute) const
{
	AtPath rel;
	int dir = at(absolute, rel);
	char buf[4096];
	ssize_t n = ::readlinkat(dir, rel.c_str(), buf, sizeof buf);
	if (n < 0 || static_cast<size_t>(n) >= sizeof buf)
		return std::nullopt;
	return std::string(buf, static_cast<size_t>(n));
}

std::vector<std::string> HostTree::listDir(std::string_view absolute) const
{
	AtPath rel;
	int dir = at(absolute, rel);
	return listDirAt(dir, rel.c_str());
}

std::vector<DirEntry> HostTree::listDirEntries(std::string_view absolute) const
{
	AtPath rel;
	int dir = at(absolute, rel);
	return listDirEntriesAt(dir, rel.c_str());
}

int HostTree::stat(std::string_view absolute, struct stat &st, bool follow) const
{
	AtPath rel;
	int dir = at(absolute, rel);
	return ::fstatat(dir, rel.c_str(), &st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
}

bool HostTree::isDirectory(std::string_view absolute) const
{
	struct stat st;
	return stat(absolute, st) == 0 && S_ISDIR(st.st_mode);
}

} // namespace tb::support
