// SPDX-License-Identifier: Apache-2.0
// Manifests, indexes and image configs as a registry or an archive serves them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tbsupport/oci_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string bytes(reinterpret_cast<const char *>(data), size);
	using namespace tb::support;
	for (const char *type : {"", "application/vnd.oci.image.manifest.v1+json",
				 "application/vnd.oci.image.index.v1+json"}) {
		tb::RawManifest m{bytes, type};
		(void)manifestMediaType(m);
		(void)parseImageManifest(m);
		if (auto index = parseImageIndex(m))
			(void)pickPlatform(*index);
	}
	(void)parseImageConfig(bytes);
	return 0;
}
