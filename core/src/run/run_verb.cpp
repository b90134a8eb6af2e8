// SPDX-License-Identifier: Apache-2.0
// runContainer(): `tb run` as one libtb call (plan, then Boltfile, dry-run report or the runtime).
#include <fstream>

#include <tb/run.h>
#include <tb/run_process.h>

namespace tb {

namespace {

// The runtime command line (environment first) and the specs, as `tb run --dry-run` shows it.
std::string dryRunText(const RunPlan &plan)
{
	std::vector<std::string> line;
	for (const auto &[k, v] : plan.invocation.env)
		line.push_back(k + "=" + v);
	line.insert(line.end(), plan.invocation.argv.begin(), plan.invocation.argv.end());
	std::string out = shellQuote(line) + "\n";
	for (const auto &file : plan.persistentSpecs)
		out += "# devices from " + file + " (no transient spec)\n";
	for (const auto &[path, text] : plan.specs)
		out += "# " + path + "\n" + text +
		       (!text.empty() && text.back() == '\n' ? "" : "\n");
	return out;
}

} // namespace

Result<RunOutcome> runContainer(Context &ctx, const RunOptions &options, RunSignalGuard &guard)
{
	RunOptions o = options;
	o.forBoltfile = o.forBoltfile || !o.boltfilePath.empty(); // a Boltfile starts nothing
	RunPlan plan = TB_TRY(buildRunInvocation(ctx, o));
	RunOutcome out;
	out.warnings = plan.warnings;
	if (o.onWarning)
		for (const auto &w : plan.warnings)
			o.onWarning(w);
	out.runtime = plan.runtime;
	out.invocation = plan.invocation;
	out.specs = plan.specs;
	out.persistentSpecs = plan.persistentSpecs;
	if (o.forBoltfile) {
		out.boltfile = TB_TRY(boltfileFor(ctx, plan));
		if (!o.boltfilePath.empty()) {
			std::ofstream f(o.boltfilePath, std::ios::binary | std::ios::trunc);
			f << out.boltfile;
			if (!f.flush())
				return err(Errc::Io, "run: --emit-boltfile: cannot write '" +
							     o.boltfilePath + "'");
		}
		return out;
	}
	if (o.dryRun) {
		out.dryRun = dryRunText(plan);
		return out;
	}
	if (int sig = guard.takePending()) {
		out.exitCode =
			128 + sig; // stopped before the runtime started; the plan is released
		return out;
	}
	auto code = runInvocation(plan.invocation, guard);
	if (!code) {
		out.exitCode = 127; // the shell's "command not found"
		out.startError = std::move(code).error();
		return out;
	}
	out.started = true;
	out.exitCode = *code;
	return out;
}

} // namespace tb
