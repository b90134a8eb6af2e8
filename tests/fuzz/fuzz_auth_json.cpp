// SPDX-License-Identifier: Apache-2.0
// containers auth.json / docker config.json: the entry chosen for a registry (no helper runs).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/credentials.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	for (const char *registry : {"docker.io", "127.0.0.1:5000", "quay.io"}) {
		auto entry = tb::auth::resolveAuthJson(text, registry, "fuzz.json");
		// A helper or a credential, never both.
		if (entry && !entry->helper.empty() && entry->credential)
			__builtin_trap();
	}
	(void)tb::auth::normaliseRegistryKey(text);
	return 0;
}
