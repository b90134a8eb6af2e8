// SPDX-License-Identifier: Apache-2.0
// A seeded, Triton-like kernel cache for tests and benchmarks: many small IR/JSON files per
// kernel, GPU-binary-like .cubin files and a few large launcher/.so-like blobs.
#pragma once

#include <cstdint>
#include <string>

namespace tb::dataset {

struct Options {
	uint64_t seed = 1;
	int64_t bytes = int64_t(450) << 20; ///< about this many bytes of files in total
};

struct Summary {
	int64_t files = 0;
	int64_t bytes = 0;
	int kernels = 0;
};

/// \brief Write the cache into \a dir (created; must not hold a previous cache). Same seed
/// and size = the same files, byte for byte. gzip -6 compresses it about 3x.
/// \return false with \a error set on an I/O failure
bool generate(const std::string &dir, const Options &options, Summary &summary, std::string &error);

} // namespace tb::dataset
