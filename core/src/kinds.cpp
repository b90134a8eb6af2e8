// SPDX-License-Identifier: Apache-2.0
// The plugin kinds this core knows. A new kind is its interface header plus one line here.
#include "internal/kinds.h"

#include <algorithm>

#include <tb/cache_format.h>
#include <tb/gpu_probe.h>
#include <tb/runtime.h>
#include <tb/transport.h>

namespace tb {

namespace {

std::vector<KindEntry> &registry()
{
	static std::vector<KindEntry> kinds = {
		kindEntry<Transport>(),
		kindEntry<CacheFormat>(),
		kindEntry<GpuProbe>(),
		kindEntry<Runtime>(),
	};
	return kinds;
}

} // namespace

const std::vector<KindEntry> &pluginKindEntries()
{
	return registry();
}

const KindEntry *findKind(uint32_t id) noexcept
{
	for (const auto &k : registry())
		if (k.id == id)
			return &k;
	return nullptr;
}

const KindEntry *findKind(std::string_view name) noexcept
{
	for (const auto &k : registry())
		if (name == k.name)
			return &k;
	return nullptr;
}

bool registerKind(const KindEntry &entry)
{
	if (findKind(entry.id) || findKind(std::string_view(entry.name)))
		return false;
	auto &r = registry();
	r.push_back(entry);
	std::sort(r.begin(), r.end(), [](const auto &a, const auto &b) { return a.id < b.id; });
	return true;
}

} // namespace tb
