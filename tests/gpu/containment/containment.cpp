// SPDX-License-Identifier: Apache-2.0
// LD_PRELOAD interposer for the containment test: logs every path the process hands to libc's
// file functions as "in PATH" (below TB_CONTAINMENT_ROOT) or "out PATH" (a host directory such
// as /sys, /proc, /dev, /usr, /etc, /lib outside it) to TB_CONTAINMENT_LOG. Paths elsewhere
// (the build tree, /tmp) are not logged. The dynamic loader's own opens (ld.so.cache, shared
// objects) bypass libc and are never seen; dlopen() of a bare library name is logged as "out",
// because the system search path is outside the root.
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

constexpr const char *kWatched[] = {"/sys", "/proc",  "/dev",   "/usr",           "/etc",
				    "/lib", "/lib32", "/lib64", "/bin",           "/sbin",
				    "/run", "/var",   "/opt",   "/tmp/nvidia-mps"};
// Opened by libc or the loader on their own behalf, never by a probe.
// GnuTLS reads its config when it is loaded (libcurl pulls it in through librtmp).
constexpr const char *kIgnored[] = {"/etc/ld.so.cache", "/etc/ld.so.preload", "/dev/null",
				    "/etc/gnutls/config"};

thread_local bool tInside = false; // our own work must not be logged

bool under(const char *path, const char *dir)
{
	size_t n = std::strlen(dir);
	return std::strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

// Lexical normalisation ("//", ".", ".."), no symlinks: the kernel resolves those.
void normalise(const char *in, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (const char *p = in; *p;) {
		while (*p == '/')
			++p;
		const char *e = p;
		while (*e && *e != '/')
			++e;
		size_t n = static_cast<size_t>(e - p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			// nothing
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				--len;
			if (len > 0)
				--len;
		} else if (len + n + 2 < size) {
			out[len++] = '/';
			std::memcpy(out + len, p, n);
			len += n;
		}
		out[len] = '\0';
		p = e;
	}
	if (len == 0 && size > 1) {
		out[0] = '/';
		out[1] = '\0';
	}
}

void logLine(const char *kind, const char *path)
{
	const char *log = std::getenv("TB_CONTAINMENT_LOG");
	if (!log)
		return;
	int fd = static_cast<int>(::syscall(SYS_openat, AT_FDCWD, log,
					    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
	if (fd < 0)
		return;
	char line[2 * PATH_MAX];
	int n = std::snprintf(line, sizeof line, "%s %s\n", kind, path);
	if (n > 0)
		::syscall(SYS_write, fd, line, static_cast<size_t>(n) < sizeof line ? n : 0);
	::syscall(SYS_close, fd);
}

void record(int dirfd, const char *path)
{
	if (!path || tInside)
		return;
	tInside = true;
	int saved = errno;
	char joined[2 * PATH_MAX] = {};
	if (path[0] == '/') {
		std::snprintf(joined, sizeof joined, "%s", path);
	} else {
		char base[PATH_MAX] = {};
		if (dirfd == AT_FDCWD) {
			if (::syscall(SYS_getcwd, base, sizeof base) < 0)
				base[0] = '\0';
		} else {
			char link[64];
			std::snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
			long n = ::syscall(SYS_readlinkat, AT_FDCWD, link, base, sizeof base - 1);
			base[n > 0 ? n : 0] = '\0';
		}
		std::snprintf(joined, sizeof joined, "%s/%s", base, path);
	}
	char norm[2 * PATH_MAX];
	normalise(joined, norm, sizeof norm);
	const char *root = std::getenv("TB_CONTAINMENT_ROOT");
	char rootNorm[2 * PATH_MAX] = {};
	if (root)
		normalise(root, rootNorm, sizeof rootNorm);
	// A link in /proc/self/fd names a file this process already opened (and was seen
	// opening): it tells nothing about the host.
	bool ignored = under(norm, "/proc/self/fd");
	for (const char *i : kIgnored)
		ignored = ignored || std::strcmp(norm, i) == 0;
	if (root && std::strcmp(rootNorm, "/") != 0 && under(norm, rootNorm)) {
		logLine("in", norm);
	} else if (!ignored) {
		for (const char *w : kWatched)
			if (under(norm, w)) {
				logLine("out", norm);
				break;
			}
	}
	errno = saved;
	tInside = false;
}

template<typename F>
F next(const char *name)
{
	return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

mode_t modeArg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

} // namespace

// Own C++ names bound to the libc symbol names with asm labels: the libc headers' declarations
// (noexcept, _FILE_OFFSET_BITS=64 redirects) then never clash with these definitions.
#define TB_DECL(ret, name, params)                                                                 \
	extern "C" __attribute__((visibility("default"))) ret tbw_##name params __asm__(#name);    \
	ret tbw_##name params

#define TB_WRAP_OPEN(name)                                                                         \
	TB_DECL(int, name, (const char *p, int flags, ...))                                        \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, flags);                                                               \
		mode_t m = modeArg(flags, ap);                                                     \
		va_end(ap);                                                                        \
		record(AT_FDCWD, p);                                                               \
		static auto real = next<int (*)(const char *, int, ...)>(#name);                   \
		return real(p, flags, m);                                                          \
	}
#define TB_WRAP_OPENAT(name)                                                                       \
	TB_DECL(int, name, (int d, const char *p, int flags, ...))                                 \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, flags);                                                               \
		mode_t m = modeArg(flags, ap);                                                     \
		va_end(ap);                                                                        \
		record(d, p);                                                                      \
		static auto real = next<int (*)(int, const char *, int, ...)>(#name);              \
		return real(d, p, flags, m);                                                       \
	}
#define TB_WRAP_PATH(ret, name, params, args)                                                      \
	TB_DECL(ret, name, params)                                                                 \
	{                                                                                          \
		record(AT_FDCWD, p);                                                               \
		static auto real = next<ret(*) params>(#name);                                     \
		return real args;                                                                  \
	}
#define TB_WRAP_AT(ret, name, params, args)                                                        \
	TB_DECL(ret, name, params)                                                                 \
	{                                                                                          \
		record(d, p);                                                                      \
		static auto real = next<ret(*) params>(#name);                                     \
		return real args;                                                                  \
	}

TB_WRAP_OPEN(open)
TB_WRAP_OPEN(open64)
TB_WRAP_OPENAT(openat)
TB_WRAP_OPENAT(openat64)
TB_WRAP_PATH(int, __open_2, (const char *p, int f), (p, f))
TB_WRAP_PATH(int, __open64_2, (const char *p, int f), (p, f))
TB_WRAP_AT(int, __openat_2, (int d, const char *p, int f), (d, p, f))
TB_WRAP_AT(int, __openat64_2, (int d, const char *p, int f), (d, p, f))
TB_WRAP_PATH(FILE *, fopen, (const char *p, const char *m), (p, m))
TB_WRAP_PATH(FILE *, fopen64, (const char *p, const char *m), (p, m))
TB_WRAP_PATH(int, stat, (const char *p, void *s), (p, s))
TB_WRAP_PATH(int, stat64, (const char *p, void *s), (p, s))
TB_WRAP_PATH(int, lstat, (const char *p, void *s), (p, s))
TB_WRAP_PATH(int, lstat64, (const char *p, void *s), (p, s))
TB_WRAP_AT(int, fstatat, (int d, const char *p, void *s, int f), (d, p, s, f))
TB_WRAP_AT(int, fstatat64, (int d, const char *p, void *s, int f), (d, p, s, f))
TB_WRAP_AT(int, statx, (int d, const char *p, int f, unsigned m, void *s), (d, p, f, m, s))
TB_WRAP_PATH(int, __xstat, (int v, const char *p, void *s), (v, p, s))
TB_WRAP_PATH(int, __xstat64, (int v, const char *p, void *s), (v, p, s))
TB_WRAP_PATH(int, __lxstat, (int v, const char *p, void *s), (v, p, s))
TB_WRAP_PATH(int, __lxstat64, (int v, const char *p, void *s), (v, p, s))
TB_WRAP_PATH(int, access, (const char *p, int m), (p, m))
TB_WRAP_PATH(int, euidaccess, (const char *p, int m), (p, m))
TB_WRAP_PATH(int, eaccess, (const char *p, int m), (p, m))
TB_WRAP_AT(int, faccessat, (int d, const char *p, int m, int f), (d, p, m, f))
TB_WRAP_PATH(DIR *, opendir, (const char *p), (p))
TB_WRAP_PATH(ssize_t, readlink, (const char *p, char *b, size_t n), (p, b, n))
TB_WRAP_AT(ssize_t, readlinkat, (int d, const char *p, char *b, size_t n), (d, p, b, n))
TB_WRAP_PATH(char *, realpath, (const char *p, char *r), (p, r))
TB_WRAP_PATH(char *, canonicalize_file_name, (const char *p), (p))
TB_WRAP_PATH(int, chdir, (const char *p), (p))

// openat2(2) has no libc wrapper: callers go through syscall().
TB_DECL(long, syscall, (long number, ...))
{
	va_list ap;
	va_start(ap, number);
	long a[6];
	for (long &x : a)
		x = va_arg(ap, long);
	va_end(ap);
#ifdef SYS_openat2
	if (number == SYS_openat2)
		record(static_cast<int>(a[0]), reinterpret_cast<const char *>(a[1]));
#endif
	static auto real = next<long (*)(long, ...)>("syscall");
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

TB_DECL(void *, dlopen, (const char *file, int mode))
{
	if (file && !std::strchr(file, '/') && !tInside) {
		char name[PATH_MAX];
		std::snprintf(name, sizeof name, "dlopen(%s)", file);
		logLine("out", name);
	}
	static auto real = next<void *(*)(const char *, int)>("dlopen");
	return real(file, mode);
}
