// SPDX-License-Identifier: Apache-2.0
// Typed host-platform reports (`tb wsl2 check`) from the GPU probes that can give them.
#include <tb/gpus.h>

#include <tb/context.h>

namespace tb {

Result<HostReport> hostPlatformReport(const Context &ctx, std::string_view platform)
{
	for (GpuProbe *p : ctx.gpuProbes()) {
		// hostReport() arrived in GpuProbe minor 1: older probes have no such slot.
		if (!hasMinor(*p, 1))
			continue;
		auto r = p->hostReport(platform);
		if (!r && r.error().code == Errc::Unsupported)
			continue;
		return r;
	}
	return err(Errc::NotFound, "no loaded GPU probe reports on platform '" +
					   std::string(platform) + "' (see tb plugins ls)");
}

} // namespace tb
