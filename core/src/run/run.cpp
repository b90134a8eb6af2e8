// SPDX-License-Identifier: Apache-2.0
// Building a container runtime invocation (the libtb side of `tb run`): config and profile
// -> RunRequest, GPUs -> CDI devices (or their edits), kernel cache -> mount, plugin -> argv.
#include <tb/run.h>

#include <algorithm>
#include <string>

#include <tb/context.h>
#include <tb/gpus.h>

#include "internal/config_values.h"
#include "internal/profiles.h"
#include "run/run_internal.h"

namespace tb {
namespace {

// Later values of a key replace earlier ones in place: config, then profile, then -e.
void setEnv(EnvList &env, const std::string &key, const std::string &value)
{
	auto it = std::find_if(env.begin(), env.end(),
			       [&](const auto &kv) { return kv.first == key; });
	if (it != env.end())
		it->second = value;
	else
		env.emplace_back(key, value);
}

std::string knownRuntimes(const Context &ctx)
{
	std::string out;
	for (const auto *rt : ctx.runtimes())
		out += (out.empty() ? "" : ", ") + std::string(rt->runtimeName());
	return out.empty() ? "none" : out;
}

// [runtime] default_args, the profile's runtime_args, then --runtime-arg. "--rm" is the
// request's `remove` flag, so each runtime spells it its own way (or says it cannot).
void addRuntimeArgs(RunRequest &r, const std::vector<std::string> &args)
{
	for (const auto &a : args) {
		if (a == "--rm")
			r.remove = true;
		else
			r.extraArgs.push_back(a);
	}
}

} // namespace

Result<RunPlan> buildRunInvocation(Context &ctx, const RunOptions &o)
{
	const Config &c = ctx.config();
	if (o.image.empty())
		return err(Errc::InvalidArgument, "run: no image given");
	std::string runtimeName = o.runtime.empty() ? c.runtime.defaultRuntime : o.runtime;
	if (auto why = config::checkRuntimeName(runtimeName))
		return err(Errc::InvalidArgument, "run: --runtime: " + *why);
	TB_TRY_CTX(checkProfile(c, o.profile), "run");
	const Profile *user = nullptr;
	if (auto it = c.profiles.find(o.profile); it != c.profiles.end())
		user = &it->second;
	std::string gpus = !o.gpus.empty()               ? o.gpus
			   : user && !user->gpus.empty() ? user->gpus
							 : c.gpu.defaultSelection;
	if (auto why = config::checkGpuSelection(gpus))
		return err(Errc::InvalidArgument, "run: --gpus: " + *why);
	std::string isolation = o.isolation.empty() ? c.bolt.capsule.isolationLevel : o.isolation;
	if (isolation != "shared" && isolation != "exclusive" && isolation != "virtual")
		return err(Errc::InvalidArgument,
			   "run: --isolation '" + isolation +
				   "': expected shared, exclusive or virtual");

	// The verb's context may hold no runtime yet: load the one asked for (and all of them
	// when it is not there, to name what is).
	TB_TRY_CTX(ctx.loadKinds({"runtime." + runtimeName}), "run: --runtime " + runtimeName);
	Runtime *rt = ctx.runtime(runtimeName);
	if (!rt) {
		TB_TRY_CTX(ctx.loadKinds({"runtime"}), "run");
		rt = ctx.runtime(runtimeName);
	}
	if (!rt)
		return err(Errc::NotFound, "run: no runtime plugin '" + runtimeName +
						   "' is loaded (loaded: " + knownRuntimes(ctx) +
						   ")");
	// A real run asks first (whether it is installed, docker's daemon, podman's version for
	// CDI). A dry run does not: it shows what would run on a host that has the runtime, and
	// asking costs a process or a daemon round trip (`podman --version`: 70-100 ms).
	bool dryRun = o.dryRun || o.forBoltfile;
	if (!dryRun)
		if (auto a = rt->available(); !a)
			return unexpected(std::move(a).error().wrap("run"));

	RunPlan plan;
	plan.runtime = runtimeName;
	RunRequest &r = plan.request;
	r.image = o.image;
	r.command = o.command;
	r.name = o.name;
	r.interactive = o.interactive;
	r.tty = o.tty;
	r.profile = o.profile;
	r.isolation = isolation;
	r.remove = false;
	addRuntimeArgs(r, c.runtime.defaultArgs);
	r.securityOpts = c.security.securityOpts;
	for (const auto &[k, v] : c.runtime.environment)
		setEnv(r.env, k, v);
	if (user) {
		addRuntimeArgs(r, user->runtimeArgs);
		r.securityOpts.insert(r.securityOpts.end(), user->securityOpts.begin(),
				      user->securityOpts.end());
		for (const auto &[k, v] : user->environment)
			setEnv(r.env, k, v);
	}

	std::string runId = run::newRunId();
	std::vector<GpuDevice> selected;
	TB_TRY_CTX(run::prepareGpus(ctx, gpus, o.forBoltfile ? nullptr : rt, runId, dryRun, o.env,
				    plan, selected),
		   "run");
	plan.gpus = selected;

	std::string cacheRef = !o.cacheImage.empty() ? o.cacheImage : user ? user->cacheImage : "";
	if (!cacheRef.empty()) {
		// A run without a cache image needs only probes and runtimes: the CLI loads
		// those, and the image's transports and formats are loaded here when needed.
		TB_TRY_CTX(ctx.loadKinds({"transport", "cache"}), "run: --cache-image " + cacheRef);
		TB_TRY_CTX(run::prepareCache(ctx, cacheRef, selected, runId, dryRun, plan),
			   "run: --cache-image " + cacheRef);
	}

	// The user's -e last: it wins over config, profile and spec.
	for (const auto &[k, v] : o.env)
		setEnv(r.env, k, v);
	addRuntimeArgs(r, o.extraArgs);

	if (o.forBoltfile)
		return plan;
	auto inv = rt->buildInvocation(r);
	if (!inv)
		return unexpected(std::move(inv).error().wrap("run"));
	plan.invocation = std::move(*inv);
	return plan;
}

} // namespace tb
