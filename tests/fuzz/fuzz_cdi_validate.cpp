// SPDX-License-Identifier: Apache-2.0
// `tb cdi validate` on any spec text (JSON or YAML): problems are reported, nothing crashes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tb/cdi.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	for (const auto &p : tb::validateCdiSpec(text))
		if (p.message.empty())
			__builtin_trap(); // every problem says what is wrong
	return 0;
}
