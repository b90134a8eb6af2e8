// SPDX-License-Identifier: Apache-2.0
// Byte readers, temp files and timestamps used by the cache engine.
#include "cache/cache_internal.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <locale.h>
#include <unistd.h>

#include <archive.h>

#include "tbsupport/sha256.h"

namespace tb::cache {

Utf8Locale::Utf8Locale()
{
	for (const char *name : {"C.UTF-8", "C.utf8", "en_US.UTF-8"}) {
		locale_t l = ::newlocale(LC_CTYPE_MASK, name, static_cast<locale_t>(nullptr));
		if (l) {
			locale_ = l;
			previous_ = ::uselocale(l);
			return;
		}
	}
}

Utf8Locale::~Utf8Locale()
{
	if (!locale_)
		return;
	::uselocale(static_cast<locale_t>(previous_));
	::freelocale(static_cast<locale_t>(locale_));
}

std::string archiveError(struct archive *a)
{
	const char *e = archive_error_string(a);
	return e ? e : "unknown libarchive error";
}

Result<size_t> FdReader::read(void *buffer, size_t size) noexcept
{
	for (;;) {
		ssize_t n = ::read(fd_, buffer, size);
		if (n >= 0)
			return static_cast<size_t>(n);
		if (errno != EINTR)
			return err(Errc::Io, std::string("read: ") + std::strerror(errno));
	}
}

Result<void> writeAll(int fd, const void *data, size_t size)
{
	auto p = static_cast<const char *>(data);
	while (size > 0) {
		ssize_t n = ::write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err(Errc::Io, std::string("write: ") + std::strerror(errno));
		p += n;
		size -= static_cast<size_t>(n);
	}
	return {};
}

std::string tempDirectory(const std::string &dir)
{
	if (!dir.empty())
		return dir;
	const char *t = std::getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

Result<int> openTempFile(const std::string &dirIn)
{
	std::string dir = tempDirectory(dirIn);
	int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	std::string templ = dir + "/.tb-layer-XXXXXX";
	fd = ::mkostemp(templ.data(), O_CLOEXEC);
	if (fd < 0)
		return err(Errc::Io, "temporary file in '" + dir + "': " + std::strerror(errno));
	::unlink(templ.c_str());
	return fd;
}

Result<int64_t> parseTimestamp(std::string_view text)
{
	std::string s(text);
	auto bad = [&] {
		return err(Errc::InvalidArgument,
			   "creation time '" + s +
				   "': expected RFC 3339 (2024-05-01T12:00:00Z) or Unix seconds");
	};
	constexpr int64_t MaxSeconds = 253402300799; // 9999-12-31T23:59:59Z: RFC 3339 has 4 digits
	if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) {
		int64_t v = 0;
		auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
		if (ec != std::errc() || end != s.data() + s.size() || v > MaxSeconds)
			return bad();
		return v;
	}
	std::tm tm{};
	const char *rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return bad();
	int64_t t = timegm(&tm);
	if (*rest == '.')
		for (++rest; *rest >= '0' && *rest <= '9'; ++rest) {
		}
	if (*rest == 'Z' || *rest == 'z') {
		++rest;
	} else if (*rest == '+' || *rest == '-') {
		auto digit = [&](int i) { return rest[i] >= '0' && rest[i] <= '9'; };
		if (!digit(1) || !digit(2) || rest[3] != ':' || !digit(4) || !digit(5)) // ±hh:mm
			return bad();
		int hh = (rest[1] - '0') * 10 + (rest[2] - '0');
		int mm = (rest[4] - '0') * 10 + (rest[5] - '0');
		t -= (*rest == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
		rest += 6;
	} else {
		return bad();
	}
	if (*rest != '\0')
		return bad();
	return t;
}

std::string formatTimestamp(int64_t seconds)
{
	std::time_t t = static_cast<std::time_t>(seconds);
	std::tm tm{};
	gmtime_r(&t, &tm);
	char buf[32];
	std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

bool isTritonTransient(std::string_view name) noexcept
{
	return name.rfind("tmp.pid_", 0) == 0 || name.find(".tmp.pid_") != std::string_view::npos;
}

Result<std::string> readSmallBlob(ImageSource &source, const Descriptor &d, size_t cap)
{
	if (d.size < 0 || static_cast<uint64_t>(d.size) > cap)
		return err(Errc::LimitExceeded,
			   "blob " + d.digest.str() + " is " + std::to_string(d.size) +
				   " bytes, over the " + std::to_string(cap >> 20) + " MiB cap");
	auto reader = TB_TRY(source.openBlob(d));
	std::string out;
	if (!TB_TRY(support::readAll(*reader, out, static_cast<size_t>(d.size))))
		return err(Errc::Corrupt, "blob " + d.digest.str() + " is larger than its size " +
						  std::to_string(d.size));
	if (out.size() != static_cast<size_t>(d.size))
		return err(Errc::Corrupt,
			   "blob " + d.digest.str() + " is " + std::to_string(out.size()) +
				   " bytes, descriptor says " + std::to_string(d.size));
	if (support::Sha256::of(out) != d.digest)
		return err(Errc::Corrupt, "blob " + d.digest.str() + ": digest mismatch");
	return out;
}

} // namespace tb::cache
