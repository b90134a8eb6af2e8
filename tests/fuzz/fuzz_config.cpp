// SPDX-License-Identifier: Apache-2.0
// nvbind.toml through the config parser's one entry point.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "internal/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	if (auto config = tb::parseConfig(text, "fuzz.toml")) {
		// Whatever parses prints, and what prints parses again.
		if (!tb::parseConfig(tb::configToToml(*config), "printed.toml"))
			__builtin_trap();
		(void)tb::configToJson(*config);
	}
	return 0;
}
