// SPDX-License-Identifier: Apache-2.0
// The cache engine's view of the configuration: [extract] caps and [create] defaults.
#include <tb/caches.h>
#include <tb/context.h>

#include "internal/config.h"

namespace tb {

ExtractLimits extractLimits(const Context &ctx)
{
	const ExtractSection &x = ctx.config().extract;
	ExtractLimits l;
	l.maxTotalBytes = x.maxTotalBytes;
	l.maxEntries = x.maxEntries;
	l.maxPathLength = x.maxPathLength;
	l.maxRatio = static_cast<double>(x.maxRatio);
	l.maxManifestBytes = x.maxManifestBytes;
	return l;
}

std::pair<std::string, std::string> createDefaults(const Context &ctx)
{
	const CreateSection &c = ctx.config().create;
	return {c.defaultFormat, c.defaultCompression};
}

} // namespace tb
