// SPDX-License-Identifier: Apache-2.0
// Synthetic /etc/ld.so.cache writer for fixture hosts (same layout as glibc's ldconfig).
#include <bit>
#include <cstring>

#include "tbsupport/ld_cache.h"

namespace tb::support {

namespace {

void put32(std::vector<unsigned char> &b, size_t off, uint32_t v)
{
	std::memcpy(b.data() + off, &v, 4);
}

void put64(std::vector<unsigned char> &b, size_t off, uint64_t v)
{
	std::memcpy(b.data() + off, &v, 8);
}

// resize + memcpy rather than insert(end, ...): GCC 12 at -O3 warns about the inlined
// insert into a still-empty vector (a false -Wstringop-overflow).
void append(std::vector<unsigned char> &b, std::string_view s)
{
	size_t at = b.size();
	b.resize(at + s.size());
	if (!s.empty())
		std::memcpy(b.data() + at, s.data(), s.size());
}

} // namespace

std::vector<unsigned char> writeLdCache(const std::vector<LdCacheEntry> &entries,
					LdCacheFormat format, std::string_view generator)
{
	const size_t n = entries.size();
	std::vector<unsigned char> out;
	size_t oldTable = 0;
	if (format != LdCacheFormat::New) {
		append(out, "ld.so-1.7.0");
		out.resize(16, 0);
		put32(out, 12, static_cast<uint32_t>(n));
		oldTable = out.size();
		out.resize(oldTable + 12 * n, 0);
	}
	size_t oldStrings = out.size();
	size_t base = out.size();
	if (format != LdCacheFormat::Old) {
		base = (out.size() + 7) & ~size_t(7);
		out.resize(base, 0);
		append(out, "glibc-ld.so.cache1.1");
		out.resize(base + 48, 0);
		put32(out, base + 20, static_cast<uint32_t>(n));
		out[base + 28] = std::endian::native == std::endian::little ? 2 : 3;
		out.resize(base + 48 + 24 * n, 0);
	}
	// String table: offsets are relative to the new header (new/compat) or to the end of
	// the old entries (old format); compat's old entries point into the same strings.
	size_t strBase = format == LdCacheFormat::Old ? oldStrings : base;
	size_t strStart = out.size();
	for (size_t i = 0; i < n; ++i) {
		uint32_t key = static_cast<uint32_t>(out.size() - strBase);
		append(out, entries[i].soname);
		out.push_back(0);
		uint32_t value = static_cast<uint32_t>(out.size() - strBase);
		append(out, entries[i].path);
		out.push_back(0);
		if (format != LdCacheFormat::Old) {
			size_t e = base + 48 + 24 * i;
			put32(out, e, static_cast<uint32_t>(entries[i].flags));
			put32(out, e + 4, key);
			put32(out, e + 8, value);
			put64(out, e + 16, entries[i].hwcap);
		}
		if (format != LdCacheFormat::New) {
			size_t e = oldTable + 12 * i;
			uint32_t shift = static_cast<uint32_t>(strBase - oldStrings);
			put32(out, e, static_cast<uint32_t>(entries[i].flags));
			put32(out, e + 4, key + shift);
			put32(out, e + 8, value + shift);
		}
	}
	if (format != LdCacheFormat::Old) {
		put32(out, base + 24, static_cast<uint32_t>(out.size() - strStart));
		if (!generator.empty()) {
			size_t ext = (out.size() + 3) & ~size_t(3);
			out.resize(ext + 8 + 16, 0);
			put32(out, base + 32, static_cast<uint32_t>(ext));
			put32(out, ext, 0xEAA42174u);
			put32(out, ext + 4, 1);
			put32(out, ext + 8, 0); // tag 0: generator
			put32(out, ext + 16, static_cast<uint32_t>(out.size()));
			put32(out, ext + 20, static_cast<uint32_t>(generator.size()));
			append(out, generator);
		}
	}
	return out;
}

} // namespace tb::support
