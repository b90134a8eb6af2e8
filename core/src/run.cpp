// SPDX-License-Identifier: Apache-2.0
// Building a container runtime invocation (the libtb side of `tb run`).
#include <tb/run.h>

#include <string>

#include <tb/context.h>

#include "internal/config_values.h"
#include "internal/profiles.h"

namespace tb {

Result<Invocation> buildRunInvocation(Context &ctx, const RunOptions &o)
{
	const Config &c = ctx.config();
	if (o.image.empty())
		return err(Errc::InvalidArgument, "run: no image given");
	std::string runtime = o.runtime.empty() ? c.runtime.defaultRuntime : o.runtime;
	if (auto why = config::checkRuntimeName(runtime))
		return err(Errc::InvalidArgument, "run: --runtime: " + *why);
	TB_TRY_CTX(checkProfile(c, o.profile), "run");
	if (auto why = config::checkProfileGpus(o.gpus)) // "" = the profile's or [gpu]'s
		return err(Errc::InvalidArgument, "run: --gpus: " + *why);
	// \todo the run issue: profile + config -> RunRequest, probes -> devices, runtime plugin.
	return err(Errc::NotImplemented, "run: not implemented in this version");
}

} // namespace tb
