// SPDX-License-Identifier: Apache-2.0
// WWW-Authenticate headers as a registry (or anything in between) sends them; one input is
// split at newlines into several header values, as a response carrying several would be.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tbsupport/reg_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string text(reinterpret_cast<const char *>(data), size);
	std::vector<std::string> values;
	size_t start = 0;
	for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
		values.push_back(text.substr(start, nl - start));
	values.push_back(text.substr(start));
	for (const auto &c : tb::registry::parseChallenges(values)) {
		// Scheme and parameter names come out lower-cased, whatever came in.
		for (char ch : c.scheme)
			if (ch >= 'A' && ch <= 'Z')
				__builtin_trap();
		for (const auto &[k, v] : c.params)
			for (char ch : k)
				if (ch >= 'A' && ch <= 'Z')
					__builtin_trap();
	}
	return 0;
}
