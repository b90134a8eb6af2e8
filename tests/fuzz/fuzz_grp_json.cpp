// SPDX-License-Identifier: Apache-2.0
// Triton's __grp__*.json (child_paths) as extract rewrites it from an image.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cache/extract_place.h"
#include "fuzz_scratch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	auto &s = tb::fuzz::scratch();
	std::string staging = s.fresh("staging");
	std::string_view bytes(reinterpret_cast<const char *>(data), size);
	tb::fuzz::Scratch::write(staging + "/KEY/__grp__k.json", bytes);
	tb::fuzz::Scratch::write(staging + "/KEY/k.cubin", "x");
	(void)tb::cache::rewriteGroups(staging, "/dest/cache");
	return 0;
}
