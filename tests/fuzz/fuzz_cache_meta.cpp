// SPDX-License-Identifier: Apache-2.0
// Cache metadata an image carries: the targets summary label and
// io.triton.manifest/manifest.json.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tbsupport/cache_meta.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	using namespace tb::support;
	if (auto targets = parseSummary(text)) {
		// What tb writes back must read back the same.
		auto again = parseSummary(summaryJson(*targets));
		if (!again || again->size() != uniqueTargets(*targets).size())
			__builtin_trap();
	}
	(void)parseEntries(text);
	return 0;
}
