// SPDX-License-Identifier: Apache-2.0
// Knobs every benchmark program honours. TB_BENCH_SHORT=1 (scripts/test.sh): small data, one
// repetition, so each program runs once in seconds and cannot rot. TB_BENCH_MB: data size.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>

namespace tb::bench {

inline bool shortMode()
{
	const char *s = std::getenv("TB_BENCH_SHORT");
	return s && *s && std::string(s) != "0";
}

/// \brief \a full repetitions normally, one in short mode.
inline int repetitions(int full)
{
	return shortMode() ? 1 : full;
}

/// \brief Size of generated data: TB_BENCH_MB MiB, else \a fullMiB (or 8 MiB in short mode).
inline int64_t dataBytes(int64_t fullMiB)
{
	const char *s = std::getenv("TB_BENCH_MB");
	int64_t mib = s && *s ? std::strtoll(s, nullptr, 10) : shortMode() ? 8 : fullMiB;
	return (mib > 0 ? mib : 1) << 20;
}

/// \brief TB_BENCH_WORK, else \a fallback: where generated data is kept between runs.
inline std::string workDir(const std::string &fallback)
{
	const char *w = std::getenv("TB_BENCH_WORK");
	return w && *w ? w : fallback;
}

} // namespace tb::bench
