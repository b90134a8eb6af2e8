// SPDX-License-Identifier: Apache-2.0
// generateCdi over a Context: run only the probes of the asked vendor, then build the specs.
#include <tb/cdi.h>

#include <tb/context.h>
#include <tb/gpus.h>

#include "internal/profiles.h"

namespace tb {

Result<CdiGeneration> generateCdi(Context &ctx, const CdiOptions &options)
{
	// A wrong profile is known before any probe runs.
	TB_TRY_CTX(checkProfile(ctx.config(), options.profile), "cdi generate");
	std::vector<GpuProbe *> probes;
	for (GpuProbe *p : ctx.gpuProbes()) {
		std::string_view v = p->vendor();
		if (options.vendor == "all" || options.vendor == v ||
		    (options.vendor == "wsl" && v == "wsl2"))
			probes.push_back(p);
	}
	GpuInventory inventory = probeGpus(probes);
	return generateCdi(inventory, ctx.config(), ctx.paths().hostRoot, options);
}

Result<std::vector<CdiSpec>> generateCdi(Context &ctx, std::string_view profile)
{
	CdiOptions o;
	o.profile = std::string(profile);
	auto g = TB_TRY(generateCdi(ctx, o));
	return std::move(g.specs);
}

} // namespace tb
