// SPDX-License-Identifier: Apache-2.0
// The generated Triton-like cache (tests/dataset) and its gzip / zstd / uncompressed images,
// made once per size in the work dir and reused (generation is never timed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <tb/context.h>

namespace tb::bench {

struct CacheFixture {
	std::string root;              ///< work dir of this size and generator version
	std::string source;            ///< the cache directory
	std::string layout;            ///< oci: layout with tags gzip, zstd, none
	std::string gzipBlob, tarBlob; ///< the gzip layer and the uncompressed one (same tar)
	int64_t bytes = 0, files = 0;
	std::unique_ptr<Context> ctx;
};

/// \brief The fixture for TB_BENCH_MB / short mode; aborts the program if setup fails.
CacheFixture &cacheFixture();

/// \brief A fresh empty directory on tmpfs (/dev/shm) or on disk (the work dir).
std::string freshDir(bool tmpfs);

} // namespace tb::bench
