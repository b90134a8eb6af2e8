// SPDX-License-Identifier: Apache-2.0
// HostTree's kernel lookups: openat2(RESOLVE_IN_ROOT), symlinks read in their directory, the
// symlinked top directories of merged-/usr hosts, /proc for where a symlink chain ended.
#include "tbsupport/host_tree.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif

namespace tb::support {

namespace {

#if !defined(RESOLVE_NO_SYMLINKS)
constexpr uint64_t RESOLVE_NO_SYMLINKS = 0; // no openat2: openBelow() says ENOSYS anyway
#endif

// What /proc/self/fd says \a fd is: an absolute path, or nullopt.
std::optional<std::string> fdPath(int fd)
{
	char link[32];
	std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	char buf[4096];
	ssize_t n = ::readlink(link, buf, sizeof buf);
	if (n <= 0 || static_cast<size_t>(n) >= sizeof buf || buf[0] != '/')
		return std::nullopt;
	std::string_view p(buf, static_cast<size_t>(n));
	constexpr std::string_view kDeleted = " (deleted)";
	if (p.size() >= kDeleted.size() && p.substr(p.size() - kDeleted.size()) == kDeleted)
		return std::nullopt;
	return std::string(p);
}

// \a absolute with "." and ".." taken out the way resolveInRoot() does where no component
// is a symlink ("/a/./b/../c" -> "/a/c", ".." stops at "/").
std::string lexicallyNormal(std::string_view absolute)
{
	std::string out;
	size_t i = 0;
	while (i < absolute.size()) {
		size_t j = absolute.find('/', i);
		if (j == std::string_view::npos)
			j = absolute.size();
		std::string_view comp = absolute.substr(i, j - i);
		i = j + 1;
		if (comp.empty() || comp == ".")
			continue;
		if (comp == "..") {
			size_t s = out.rfind('/');
			out.resize(s == std::string::npos ? 0 : s);
			continue;
		}
		out += '/';
		out += comp;
	}
	return out.empty() ? "/" : out;
}

// A symlink target that a lexical join follows the way the kernel does, from a directory
// without symlinks: "."/".." only before its first name, no "." or ".." or trailing "/"
// after it (those would need to know whether what comes before is a directory or link).
bool plainBelowDotDots(std::string_view target)
{
	size_t i = 0;
	while (i < target.size()) {
		size_t j = std::min(target.find('/', i), target.size());
		std::string_view comp = target.substr(i, j - i);
		if (!comp.empty() && comp != "." && comp != "..")
			break;
		i = j + 1;
	}
	std::string_view rest = i < target.size() ? target.substr(i) : std::string_view();
	return rest.find("/.") == std::string_view::npos && !rest.starts_with(".") &&
	       !rest.ends_with("/") && rest.find("//") == std::string_view::npos;
}

} // namespace

std::optional<std::string> HostTree::hostPathOf(int fd) const
{
	if (!prefix_) {
		auto kernelName = fdPath(dir_.get());
		if (!kernelName)
			return std::nullopt; // no /proc: every symlink lookup falls back to the
					     // walk
		prefix_ = *kernelName == "/" ? "" : std::move(*kernelName);
	}
	const std::string &prefix = *prefix_;
	auto p = fdPath(fd);
	if (!p || p->compare(0, prefix.size(), prefix) != 0)
		return std::nullopt;
	if (p->size() == prefix.size())
		return std::string("/");
	if ((*p)[prefix.size()] != '/' && !prefix.empty())
		return std::nullopt;
	return p->substr(prefix.size());
}

std::optional<Result<std::string>> HostTree::kernelFind(std::string_view absolute, Expect expect,
							UniqueFd *keep, bool learn) const
{
	if (!fast_)
		return std::nullopt;
	std::string through;
	if (throughTop(absolute, through, false))
		absolute = through;
	if (expect == Expect::Symlink)
		if (auto r = findInPlainDir(absolute, keep, learn))
			return r;
	// Most paths hold no symlink: then the answer is the path itself, without asking /proc.
	if (expect == Expect::Plain) {
		int fd = openBelow(absolute, RESOLVE_NO_SYMLINKS);
		if (fd >= 0) {
			if (keep)
				keep->reset(fd);
			else
				::close(fd);
			return lexicallyNormal(absolute);
		}
		if (fd == -ENOENT) // a missing component before any symlink: the walk stops there
			return err(Errc::NotFound, "");
		if (fd != -ELOOP || !fast_)
			return std::nullopt;
		if (learn && throughTop(absolute, through, true))
			return kernelFind(through, expect, keep, false);
	}
	return followFind(absolute, keep);
}

bool HostTree::throughTop(std::string_view absolute, std::string &out, bool learn) const
{
	size_t b = absolute.find_first_not_of('/');
	if (b == std::string_view::npos)
		return false; // the root itself
	size_t e = std::min(absolute.find('/', b), absolute.size());
	std::string_view top = absolute.substr(b, e - b);
	if (top == "." || top == "..")
		return false;
	auto it = std::find_if(tops_.begin(), tops_.end(),
			       [&](const auto &t) { return t.first == top; });
	if (it == tops_.end()) {
		if (!learn)
			return false;
		tops_.emplace_back(std::string(top), whereTopLeads(top));
		it = std::prev(tops_.end());
	}
	if (it->second.empty())
		return false;
	std::string rest(absolute.substr(e));
	out = it->second == "/" ? rest : it->second + rest;
	return true;
}

std::string HostTree::whereTopLeads(std::string_view top) const
{
	char buf[4096];
	ssize_t n = ::readlinkat(dir_.get(), std::string(top).c_str(), buf, sizeof buf);
	if (n <= 0 || static_cast<size_t>(n) >= sizeof buf)
		return ""; // no symlink (or none this way can follow)
	std::string_view target(buf, static_cast<size_t>(n));
	if (!plainBelowDotDots(target))
		return "";
	// A relative target starts at the root, where ".." stays.
	std::string to = lexicallyNormal("/" + std::string(target));
	int fd = openBelow(to, RESOLVE_NO_SYMLINKS, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return "";
	::close(fd);
	return to;
}

std::optional<Result<std::string>> HostTree::followFind(std::string_view absolute,
							UniqueFd *keep) const
{
	int fd = openBelow(absolute, 0);
	if (fd == -ENOENT)
		return err(Errc::NotFound, "");
	if (fd < 0)
		return std::nullopt;
	UniqueFd owned(fd);
	if (auto p = hostPathOf(fd)) {
		if (keep)
			*keep = std::move(owned);
		return std::move(*p);
	}
	return std::nullopt;
}

std::optional<Result<std::string>> HostTree::openFound(const std::string &path,
						       UniqueFd *keep) const
{
	int fd = openBelow(path, RESOLVE_NO_SYMLINKS);
	if (fd >= 0) {
		if (keep)
			keep->reset(fd);
		else
			::close(fd);
		return path;
	}
	if (fd == -ENOENT)
		return err(Errc::NotFound, "");
	if (fd == -ELOOP && fast_)
		return followFind(path, keep);
	return std::nullopt;
}

std::optional<Result<std::string>> HostTree::findInPlainDir(std::string_view absolute,
							    UniqueFd *keep, bool learn) const
{
	std::string through;
	switch (holdParent(absolute, learn, through)) {
	case PlainLookup::No:
		return std::nullopt;
	case PlainLookup::Redirected:
		return findInPlainDir(through, keep, false);
	case PlainLookup::Held:
		break;
	}
	size_t slash = absolute.rfind('/');
	std::string_view parent = absolute.substr(0, slash);
	std::string name(absolute.substr(slash + 1));
	char buf[4096];
	ssize_t n = ::readlinkat(lastDir_->fd.get(), name.c_str(), buf, sizeof buf);
	if (n < 0 && errno == ENOENT)
		return err(Errc::NotFound, "");
	if (n < 0 && errno == EINVAL) // there, and no symlink
		return openFound(std::string(absolute), keep);
	if (n <= 0 || static_cast<size_t>(n) >= sizeof buf)
		return std::nullopt;
	// The directory holds no symlink, so ".." at the start of the target climb it as they
	// read; past them the target must be plain too, as the lookup without symlinks checks.
	std::string_view target(buf, static_cast<size_t>(n));
	if (!plainBelowDotDots(target))
		return std::nullopt;
	std::string joined = target.front() == '/'
				     ? std::string(target)
				     : std::string(parent) + "/" + std::string(target);
	return openFound(lexicallyNormal(joined), keep);
}

HostTree::PlainLookup HostTree::holdParent(std::string_view absolute, bool learn,
					   std::string &through) const
{
	size_t slash = absolute.rfind('/');
	if (absolute.empty() || absolute.front() != '/' || slash == 0 ||
	    slash + 1 == absolute.size() || absolute.find("/.") != std::string_view::npos ||
	    absolute.find("//") != std::string_view::npos)
		return PlainLookup::No;
	int e = plainDir(absolute.substr(0, slash));
	if (e == 0)
		return PlainLookup::Held;
	if (e == -ELOOP && learn && throughTop(absolute, through, true))
		return PlainLookup::Redirected;
	return PlainLookup::No;
}

int HostTree::plainDir(std::string_view parent) const
{
	if (lastDir_ && lastDir_->path == parent)
		return 0;
	if (lastMiss_ && lastMiss_->first == parent)
		return lastMiss_->second;
	int fd = openBelow(parent, RESOLVE_NO_SYMLINKS, O_PATH | O_DIRECTORY);
	if (fd < 0) { // the directory held so far stays open: the next lookup may be there
		lastMiss_.emplace(std::string(parent), fd);
		return fd;
	}
	lastDir_.emplace();
	lastDir_->path = std::string(parent);
	lastDir_->fd.reset(fd);
	return 0;
}

std::optional<bool> HostTree::inHeldDir(std::string_view absolute) const
{
	size_t slash = absolute.rfind('/');
	if (!lastDir_ || slash == std::string_view::npos || slash + 1 == absolute.size() ||
	    absolute.substr(0, slash) != lastDir_->path)
		return std::nullopt;
	std::string name(absolute.substr(slash + 1));
	if (name == "." || name == "..")
		return std::nullopt;
	struct stat st;
	if (::fstatat(lastDir_->fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISLNK(st.st_mode) ? std::nullopt : std::optional<bool>(true);
	return errno == ENOENT ? std::optional<bool>(false) : std::nullopt;
}

bool HostTree::searchDir(std::string_view dir) const
{
	if (fast_) {
		std::string d(dir), through;
		if (throughTop(d, through, false))
			d = std::move(through);
		int e = plainDir(d);
		if (e == -ELOOP && throughTop(d, through, true)) {
			d = std::move(through);
			e = plainDir(d);
		}
		if (e == 0)
			return true;
		if (e == -ENOENT)
			return false;
	}
	return resolves(dir);
}

std::optional<Result<std::string>> HostTree::statInPlainDir(std::string_view absolute,
							    struct stat &st, bool learn) const
{
	std::string through;
	switch (holdParent(absolute, learn, through)) {
	case PlainLookup::No:
		return std::nullopt;
	case PlainLookup::Redirected:
		return statInPlainDir(through, st, false);
	case PlainLookup::Held:
		break;
	}
	std::string name(absolute.substr(absolute.rfind('/') + 1));
	if (::fstatat(lastDir_->fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? std::optional<Result<std::string>>(err(Errc::NotFound, ""))
				       : std::nullopt;
	return std::string(absolute);
}

std::optional<std::string> HostTree::findStat(std::string_view absolute, struct stat &st) const
{
	Expect expect = Expect::Plain;
	std::string through;
	if (fast_) {
		if (throughTop(absolute, through, false))
			absolute = through;
		if (auto r = statInPlainDir(absolute, st, true)) {
			if (!*r)
				return std::nullopt;
			if (!S_ISLNK(st.st_mode))
				return std::move(**r);
			expect = Expect::Symlink; // where it leads, then what is there
		}
	}
	UniqueFd fd;
	auto real = find(absolute, expect, fd);
	if (!real)
		return std::nullopt;
	if ((fd.isValid() ? ::fstat(fd.get(), &st) : stat(*real, st)) != 0)
		return std::nullopt;
	return real;
}

} // namespace tb::support
