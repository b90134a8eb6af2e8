// SPDX-License-Identifier: Apache-2.0
// CDI spec generation (the libtb side of `tb cdi generate`).
#include <tb/cdi.h>

#include <string>

#include <tb/context.h>

#include "internal/profiles.h"

namespace tb {

Result<std::vector<CdiSpec>> generateCdi(Context &ctx, std::string_view profile)
{
	TB_TRY_CTX(checkProfile(ctx.config(), profile), "cdi generate");
	// \todo the CDI issue: probe GPUs (probeGpus), one spec per vendor, profile devices.
	return err(Errc::NotImplemented, "cdi generate: not implemented in this version");
}

} // namespace tb
