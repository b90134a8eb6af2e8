// SPDX-License-Identifier: Apache-2.0
// Small file-system readers for sysfs/procfs/devfs trees below a host root (no exceptions).
#include "tbsupport/host_fs.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tbsupport/unique_fd.h"

namespace tb::support {

namespace {

std::vector<std::string_view> splitPath(std::string_view p)
{
	std::vector<std::string_view> out;
	size_t i = 0;
	while (i < p.size()) {
		size_t j = p.find('/', i);
		if (j == std::string_view::npos)
			j = p.size();
		if (j > i)
			out.push_back(p.substr(i, j - i));
		i = j + 1;
	}
	return out;
}

} // namespace

std::string underRoot(const std::string &root, std::string_view absolute)
{
	// hostPath() of <tb/host.h>, without copying the root twice on the way.
	std::string_view r = root.empty() ? std::string_view("/") : std::string_view(root);
	while (r.size() > 1 && r.back() == '/')
		r.remove_suffix(1);
	if (r == "/")
		return std::string(absolute);
	std::string out;
	out.reserve(r.size() + absolute.size() + 1);
	out += r;
	if (absolute.empty() || absolute.front() != '/')
		out += '/';
	out += absolute;
	return out;
}

bool isRealRoot(std::string_view root) noexcept
{
	return root.find_first_not_of('/') == std::string_view::npos;
}

Result<std::string> readFile(const std::string &path, size_t maxBytes)
{
	return readFileAt(AT_FDCWD, path.c_str(), path, maxBytes);
}

namespace {

// The readers below, naming their file with \a name() only when they fail: a name made
// under a host root costs an allocation or three, and most reads succeed.
template<typename Name>
Result<std::string> readFdNamed(int fd, const Name &name, size_t maxBytes, bool shortReadIsEnd)
{
	std::string out;
	char buf[8192];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err(Errc::Io, "cannot read " + name() + ": " + std::strerror(errno));
		if (n == 0)
			break;
		if (out.size() + static_cast<size_t>(n) > maxBytes) {
			return err(Errc::LimitExceeded, "cannot read " + name() + ": larger than " +
								std::to_string(maxBytes) +
								" bytes");
		}
		out.append(buf, static_cast<size_t>(n));
		if (shortReadIsEnd && static_cast<size_t>(n) < sizeof buf)
			break;
	}
	return out;
}

template<typename Name>
Result<std::string> readFileAtNamed(int dirFd, const char *rel, const Name &name, size_t maxBytes,
				    bool shortReadIsEnd)
{
	UniqueFd fd(::openat(dirFd, rel, O_RDONLY | O_CLOEXEC));
	if (!fd.isValid()) {
		int e = errno;
		Errc c = e == ENOENT || e == ENOTDIR ? Errc::NotFound
			 : e == EACCES               ? Errc::PermissionDenied
						     : Errc::Io;
		return err(c, "cannot open " + name() + ": " + std::strerror(e));
	}
	return readFdNamed(fd.get(), name, maxBytes, shortReadIsEnd);
}

} // namespace

Result<std::string> readFileAt(int dirFd, const char *rel, const std::string &path, size_t maxBytes,
			       bool shortReadIsEnd)
{
	return readFileAtNamed(
		dirFd, rel, [&] { return path; }, maxBytes, shortReadIsEnd);
}

Result<std::string> readFd(int fd, const std::string &path, size_t maxBytes, bool shortReadIsEnd)
{
	return readFdNamed(
		fd, [&] { return path; }, maxBytes, shortReadIsEnd);
}

Result<std::string> readFileAtUnder(int dirFd, const char *rel, const std::string &root,
				    std::string_view absolute, size_t maxBytes, bool shortReadIsEnd)
{
	return readFileAtNamed(
		dirFd, rel, [&] { return underRoot(root, absolute); }, maxBytes, shortReadIsEnd);
}

Result<std::string> readFdUnder(int fd, const std::string &root, std::string_view absolute,
				size_t maxBytes, bool shortReadIsEnd)
{
	return readFdNamed(
		fd, [&] { return underRoot(root, absolute); }, maxBytes, shortReadIsEnd);
}

std::string_view trim(std::string_view s)
{
	const char *ws = " \t\r\n";
	size_t b = s.find_first_not_of(ws);
	if (b == std::string_view::npos)
		return {};
	size_t e = s.find_last_not_of(ws);
	return s.substr(b, e - b + 1);
}

std::string asciiLower(std::string_view s)
{
	std::string out(s);
	for (char &c : out)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return out;
}

std::optional<std::string> readLine(const std::string &path)
{
	return firstLine(readFile(path, 64 * 1024));
}

std::optional<std::string> firstLine(const Result<std::string> &r)
{
	if (!r)
		return std::nullopt;
	std::string_view v = *r;
	size_t nl = v.find('\n');
	if (nl != std::string_view::npos)
		v = v.substr(0, nl);
	return std::string(trim(v));
}

std::optional<int64_t> parseInt(std::string_view text)
{
	text = trim(text);
	if (text.empty())
		return std::nullopt;
	bool neg = false;
	if (text.front() == '-') {
		neg = true;
		text.remove_prefix(1);
	}
	int base = 10;
	if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text.remove_prefix(2);
	}
	if (text.empty() || text.size() > 20)
		return std::nullopt;
	uint64_t v = 0;
	for (char ch : text) {
		int d;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return std::nullopt;
		if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
			return std::nullopt;
		v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
	}
	if (v > static_cast<uint64_t>(INT64_MAX))
		return std::nullopt;
	return neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

std::optional<int64_t> readInt(const std::string &path)
{
	auto line = readLine(path);
	if (!line)
		return std::nullopt;
	return parseInt(*line);
}

bool exists(const std::string &path)
{
	struct stat st;
	return ::stat(path.c_str(), &st) == 0;
}

bool isDirectory(const std::string &path)
{
	struct stat st;
	return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isSymlink(const std::string &path)
{
	struct stat st;
	return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

std::vector<std::string> listDir(const std::string &path)
{
	return listDirAt(AT_FDCWD, path.c_str());
}

namespace {

// getdents64 straight into a buffer: no fstat() and no DIR allocation as opendir() has.
// \a add(entry, fd of the directory).
template<typename Add>
void eachEntryAt(int dirFd, const char *rel, Add &&add)
{
	UniqueFd fd(::openat(dirFd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!fd.isValid())
		return;
	alignas(struct dirent64) char buf[16384];
	for (;;) {
		ssize_t n = ::getdents64(fd.get(), buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			auto *e = reinterpret_cast<struct dirent64 *>(buf + off);
			off += e->d_reclen;
			if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0)
				continue;
			add(e, fd.get());
		}
	}
}

} // namespace

std::vector<std::string> listDirAt(int dirFd, const char *rel)
{
	std::vector<std::string> out;
	eachEntryAt(dirFd, rel,
		    [&](const struct dirent64 *e, int) { out.emplace_back(e->d_name); });
	std::sort(out.begin(), out.end());
	return out;
}

std::vector<DirEntry> listDirEntriesAt(int dirFd, const char *rel)
{
	std::vector<DirEntry> out;
	eachEntryAt(dirFd, rel, [&](const struct dirent64 *e, int) {
		out.push_back({e->d_name, e->d_type});
	});
	std::sort(out.begin(), out.end());
	return out;
}

std::map<std::string, std::string> listLinksAt(int dirFd, const char *rel)
{
	std::map<std::string, std::string> out;
	eachEntryAt(dirFd, rel, [&](const struct dirent64 *e, int fd) {
		if (e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
			return;
		char target[4096];
		ssize_t len = ::readlinkat(fd, e->d_name, target, sizeof target);
		if (len > 0 && static_cast<size_t>(len) < sizeof target)
			out.emplace(e->d_name, std::string(target, static_cast<size_t>(len)));
	});
	return out;
}

std::optional<std::string> readLink(const std::string &path)
{
	char buf[4096];
	ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
	if (n < 0 || static_cast<size_t>(n) >= sizeof buf)
		return std::nullopt;
	return std::string(buf, static_cast<size_t>(n));
}

std::string_view baseName(std::string_view path)
{
	while (path.size() > 1 && path.back() == '/')
		path.remove_suffix(1);
	size_t s = path.rfind('/');
	return s == std::string_view::npos ? path : path.substr(s + 1);
}

std::string_view dirName(std::string_view path)
{
	size_t s = path.rfind('/');
	if (s == std::string_view::npos)
		return ".";
	if (s == 0)
		return "/";
	return path.substr(0, s);
}

Result<std::string> resolveInRoot(const std::string &root, std::string_view absolute,
				  std::vector<std::string> *chain)
{
	std::string pending(absolute);
	if (pending.empty() || pending.front() != '/')
		pending.insert(0, "/");
	int links = 0;
	for (;;) {
		if (chain)
			chain->push_back(pending);
		auto parts = splitPath(pending);
		std::string cur;
		bool restarted = false;
		for (size_t i = 0; i < parts.size() && !restarted; ++i) {
			std::string_view comp = parts[i];
			if (comp == ".")
				continue;
			if (comp == "..") {
				size_t s = cur.rfind('/');
				cur.resize(s == std::string::npos ? 0 : s);
				continue;
			}
			std::string next = cur + "/" + std::string(comp);
			std::string full = underRoot(root, next);
			struct stat st;
			if (::lstat(full.c_str(), &st) != 0)
				return err(Errc::NotFound, "cannot resolve " +
								   std::string(absolute) + ": " +
								   next + " does not exist");
			if (!S_ISLNK(st.st_mode)) {
				cur = std::move(next);
				continue;
			}
			if (++links > 40)
				return err(Errc::LimitExceeded,
					   "cannot resolve " + std::string(absolute) +
						   ": too many symbolic links");
			auto target = readLink(full);
			if (!target)
				return err(Errc::Io, "cannot read link " + next);
			std::string base = !target->empty() && target->front() == '/'
						   ? *target
						   : cur + "/" + *target;
			for (size_t k = i + 1; k < parts.size(); ++k)
				base += "/" + std::string(parts[k]);
			pending = std::move(base);
			restarted = true;
		}
		if (restarted)
			continue;
		std::string final = cur.empty() ? "/" : cur;
		if (chain && chain->back() != final)
			chain->push_back(final);
		return final;
	}
}

} // namespace tb::support
