// SPDX-License-Identifier: Apache-2.0
// glibc /etc/ld.so.cache reader (new and compat formats, bounds-checked) and a fixture writer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tb/result.h>

namespace tb::support {

/// \brief One library of the cache: SONAME key, path value, glibc flags (type | arch).
struct LdCacheEntry {
	int32_t flags = 0x0303; ///< low byte type (3 = libc6 ELF), high byte arch (0x0300 = x86-64)
	std::string soname;     ///< "libcuda.so.1"
	std::string path;       ///< "/lib/x86_64-linux-gnu/libcuda.so.1"
	uint64_t hwcap = 0;
	bool operator==(const LdCacheEntry &) const = default;
};

enum class LdCacheFormat {
	Old,    ///< "ld.so-1.7.0" table only (pre-2.32 ldconfig -c old)
	New,    ///< "glibc-ld.so.cache1.1" only (ldconfig default since glibc 2.32)
	Compat, ///< old table followed by a new one
};

struct LdCache {
	LdCacheFormat format = LdCacheFormat::New;
	std::vector<LdCacheEntry> entries; ///< in file order
	std::string generator;             ///< extension tag 0 ("ldconfig (GNU libc) ..."), if any
};

/// \brief Parse a cache image. Every count and offset is checked against the buffer.
/// \return Errc::Corrupt naming the offending field for truncated or hostile input
Result<LdCache> parseLdCache(std::span<const unsigned char> data);
/// \brief Read and parse a cache file (at most 64 MiB).
Result<LdCache> readLdCache(const std::string &path);

/// \brief The flags value the running loader accepts (x86-64: 0x0303, aarch64: 0x0a03).
int32_t ldCacheNativeFlags() noexcept;
/// \brief True for libc6/ELF entries of a 64-bit ABI (x86-64, aarch64, ppc64, ...).
bool ldCacheIs64Bit(int32_t flags) noexcept;

/// \brief Write a cache image like ldconfig would (strings after the entries, extension
/// directory with the generator string when \a generator is not empty). Used for fixtures:
/// ldconfig skips the non-ELF placeholder files of a fixture host.
std::vector<unsigned char> writeLdCache(const std::vector<LdCacheEntry> &entries,
					LdCacheFormat format, std::string_view generator = {});

} // namespace tb::support
