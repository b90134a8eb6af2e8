// SPDX-License-Identifier: Apache-2.0
// NVIDIA procfs: /proc/driver/nvidia/gpus/*/information and /proc/driver/nvidia/version.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tbsupport/gpu_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	(void)tb::support::parseNvidiaInformation(text);
	(void)tb::support::parseNvidiaProcVersion(text);
	(void)tb::support::parseDottedVersion(text);
	return 0;
}
