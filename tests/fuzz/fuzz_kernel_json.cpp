// SPDX-License-Identifier: Apache-2.0
// Triton kernel metadata (<KEY>/<name>.json) as `tb create` scans it from a cache dir.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tb/caches.h>

#include "fuzz_scratch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	auto &s = tb::fuzz::scratch();
	std::string dir = s.fresh("cache");
	std::string_view bytes(reinterpret_cast<const char *>(data), size);
	tb::fuzz::Scratch::write(
		dir + "/5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ/k.json", bytes);
	(void)tb::scanTritonCache(dir);
	return 0;
}
