// SPDX-License-Identifier: Apache-2.0
// glibc /etc/ld.so.cache reader (new and compat formats, bounds-checked).
#include "tbsupport/ld_cache.h"

#include <bit>
#include <cstring>

#include "tbsupport/host_fs.h"

namespace tb::support {

namespace {

constexpr std::string_view kOldMagic = "ld.so-1.7.0";
constexpr std::string_view kNewMagic = "glibc-ld.so.cache1.1";
constexpr size_t kOldHeader = 16, kOldEntry = 12, kNewHeader = 48, kNewEntry = 24;
constexpr uint32_t kExtMagic = 0xEAA42174u;

uint32_t u32(std::span<const unsigned char> d, size_t off)
{
	uint32_t v;
	std::memcpy(&v, d.data() + off, 4);
	return v;
}

uint64_t u64(std::span<const unsigned char> d, size_t off)
{
	uint64_t v;
	std::memcpy(&v, d.data() + off, 8);
	return v;
}

Unexpected<Error> corrupt(const std::string &what)
{
	return err(Errc::Corrupt, "ld.so.cache: " + what);
}

// A NUL-terminated string at base+off, entirely inside the buffer.
Result<std::string> stringAt(std::span<const unsigned char> d, size_t base, uint32_t off,
			     const std::string &what)
{
	uint64_t at = static_cast<uint64_t>(base) + off;
	if (at >= d.size())
		return corrupt(what + " offset " + std::to_string(off) + " beyond end of file (" +
			       std::to_string(d.size()) + " bytes)");
	const void *nul = std::memchr(d.data() + at, 0, d.size() - at);
	if (!nul)
		return corrupt(what + " at offset " + std::to_string(off) + " is not terminated");
	return std::string(reinterpret_cast<const char *>(d.data() + at),
			   static_cast<const unsigned char *>(nul) - (d.data() + at));
}

Result<void> parseExtensions(std::span<const unsigned char> d, uint32_t extOff, LdCache &out)
{
	if (extOff == 0)
		return {};
	if (extOff % 4 != 0 || static_cast<uint64_t>(extOff) + 8 > d.size())
		return corrupt("extension directory offset " + std::to_string(extOff) +
			       " out of range");
	if (u32(d, extOff) != kExtMagic)
		return {}; // glibc ignores a directory without its magic
	uint64_t count = u32(d, extOff + 4);
	if (count > (d.size() - extOff - 8) / 16)
		return corrupt("extension count " + std::to_string(count) + " exceeds the file");
	for (uint64_t i = 0; i < count; ++i) {
		size_t s = extOff + 8 + static_cast<size_t>(i) * 16;
		uint32_t tag = u32(d, s), off = u32(d, s + 8), size = u32(d, s + 12);
		if (static_cast<uint64_t>(off) + size > d.size())
			return corrupt("extension " + std::to_string(i) + " beyond end of file");
		if (tag == 0)
			out.generator.assign(
				reinterpret_cast<const char *>(d.data() + off),
				strnlen(reinterpret_cast<const char *>(d.data() + off), size));
	}
	return {};
}

Result<void> parseNew(std::span<const unsigned char> d, size_t base, LdCache &out)
{
	if (d.size() - base < kNewHeader)
		return corrupt("truncated header (" + std::to_string(d.size()) + " bytes)");
	uint64_t nlibs = u32(d, base + 20);
	uint8_t endian = d[base + 28] & 3;
	if (endian == 1)
		return corrupt("header marks the cache invalid");
	if ((endian == 2 && std::endian::native != std::endian::little) ||
	    (endian == 3 && std::endian::native != std::endian::big))
		return err(Errc::Unsupported, "ld.so.cache: written for the other byte order");
	if (nlibs > (d.size() - base - kNewHeader) / kNewEntry)
		return corrupt("truncated: " + std::to_string(nlibs) + " entries do not fit in " +
			       std::to_string(d.size()) + " bytes");
	out.entries.reserve(nlibs);
	for (uint64_t i = 0; i < nlibs; ++i) {
		size_t e = base + kNewHeader + static_cast<size_t>(i) * kNewEntry;
		std::string n = "entry " + std::to_string(i);
		LdCacheEntry entry;
		entry.flags = static_cast<int32_t>(u32(d, e));
		entry.soname = TB_TRY(stringAt(d, base, u32(d, e + 4), n + " key"));
		entry.path = TB_TRY(stringAt(d, base, u32(d, e + 8), n + " value"));
		entry.hwcap = u64(d, e + 16);
		out.entries.push_back(std::move(entry));
	}
	// The extension offset is a file offset (glibc >= 2.33).
	return parseExtensions(d, u32(d, base + 32), out);
}

} // namespace

int32_t ldCacheNativeFlags() noexcept
{
#if defined(__x86_64__)
	return 0x0303;
#elif defined(__aarch64__)
	return 0x0a03;
#elif defined(__powerpc64__)
	return 0x0503;
#else
	return 0x0003;
#endif
}

bool ldCacheIs64Bit(int32_t flags) noexcept
{
	if ((flags & 0x01) == 0)
		return false;
	switch (flags & 0xff00) {
	case 0x0100:
	case 0x0200:
	case 0x0300:
	case 0x0400:
	case 0x0500:
	case 0x0700:
	case 0x0a00:
	case 0x0e00:
	case 0x0f00:
	case 0x1000:
		return true;
	default:
		return false;
	}
}

Result<LdCache> parseLdCache(std::span<const unsigned char> d)
{
	LdCache out;
	auto starts = [&](size_t at, std::string_view magic) {
		return d.size() >= at + magic.size() &&
		       std::memcmp(d.data() + at, magic.data(), magic.size()) == 0;
	};
	if (starts(0, kNewMagic)) {
		out.format = LdCacheFormat::New;
		TB_TRY(parseNew(d, 0, out));
		return out;
	}
	if (!starts(0, kOldMagic))
		return corrupt("unknown format (no ld.so-1.7.0 or glibc-ld.so.cache1.1 magic)");
	if (d.size() < kOldHeader)
		return corrupt("truncated old header");
	uint64_t nold = u32(d, 12);
	if (nold > (d.size() - kOldHeader) / kOldEntry)
		return corrupt("truncated: " + std::to_string(nold) +
			       " old entries do not fit in " + std::to_string(d.size()) + " bytes");
	size_t oldEnd = kOldHeader + static_cast<size_t>(nold) * kOldEntry;
	size_t newBase = (oldEnd + 7) & ~size_t(7);
	if (starts(newBase, kNewMagic)) {
		out.format = LdCacheFormat::Compat;
		TB_TRY(parseNew(d, newBase, out));
		return out;
	}
	out.format = LdCacheFormat::Old;
	for (uint64_t i = 0; i < nold; ++i) {
		size_t e = kOldHeader + static_cast<size_t>(i) * kOldEntry;
		std::string n = "old entry " + std::to_string(i);
		LdCacheEntry entry;
		entry.flags = static_cast<int32_t>(u32(d, e));
		entry.soname = TB_TRY(stringAt(d, oldEnd, u32(d, e + 4), n + " key"));
		entry.path = TB_TRY(stringAt(d, oldEnd, u32(d, e + 8), n + " value"));
		out.entries.push_back(std::move(entry));
	}
	return out;
}

Result<LdCache> readLdCache(const std::string &path)
{
	auto bytes = readFile(path, 64u << 20);
	if (!bytes)
		return unexpected(std::move(bytes).error());
	auto r = parseLdCache(
		std::span(reinterpret_cast<const unsigned char *>(bytes->data()), bytes->size()));
	if (!r)
		return unexpected(std::move(r).error().wrap(path));
	return r;
}

} // namespace tb::support
