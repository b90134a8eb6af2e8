// SPDX-License-Identifier: Apache-2.0
// Image references from the command line and from config: "transport:location", store names,
// OCI ref.name tags.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tb/images.h>

#include "tbsupport/oci_layout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	static const std::vector<std::string> transports = {"oci", "oci-archive", "docker-archive"};
	(void)tb::parseImageReference(text, transports);
	if (auto name = tb::normaliseStoreName(text)) {
		// A normalised name is a fixed point and a valid ref.name.
		auto again = tb::normaliseStoreName(*name);
		if (!again || *again != *name || !tb::support::validateLayoutTag(*name))
			__builtin_trap();
	}
	(void)tb::support::validateLayoutTag(text);
	(void)tb::support::splitPathAndTag(text);
	return 0;
}
