// SPDX-License-Identifier: Apache-2.0
// AMD KFD topology: /sys/class/kfd/kfd/topology/nodes/*/properties.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tbsupport/gpu_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	auto props = tb::support::parseKfdProperties(text);
	for (const char *key : {"gfx_target_version", "domain", "location_id"})
		if (auto it = props.find(key); it != props.end()) {
			(void)tb::support::gfxTargetName(it->second);
			(void)tb::support::kfdBdf(it->second, it->second);
		}
	return 0;
}
