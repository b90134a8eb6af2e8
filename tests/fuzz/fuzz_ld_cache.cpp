// SPDX-License-Identifier: Apache-2.0
// /etc/ld.so.cache of the host tree (or a container image's), every format.
#include <cstddef>
#include <cstdint>
#include <span>

#include "tbsupport/ld_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)tb::support::parseLdCache(std::span<const unsigned char>(data, size));
	return 0;
}
