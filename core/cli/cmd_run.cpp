// SPDX-License-Identifier: Apache-2.0
// `tb run [--runtime R] [--profile P] [--gpus SEL] ... IMAGE [COMMAND...]`: a GPU container.
// One libtb call (runContainer) prepares the run (spec, lease, cache, argv), starts the runtime
// forwarding signals and releases the plan; this verb prints its report and exit code.
#include <cstdio>
#include <cstdlib>

#include <fmt/core.h>

#include <tb/run.h>
#include <tb/run_process.h>

#include "cli.h"

namespace tb::cli {
namespace {

struct RunArgs {
	RunOptions o;
	std::vector<std::string> env;
	std::string boltfile;
};

// -e K=V sets; -e K passes tb's own value of K (as docker and podman do), if it has one.
Result<EnvList> parseEnv(const std::vector<std::string> &items)
{
	EnvList out;
	for (const auto &e : items) {
		auto eq = e.find('=');
		if (eq == 0 || e.empty())
			return err(Errc::InvalidArgument,
				   "run: -e '" + e + "': expected KEY=VALUE");
		if (eq != std::string::npos) {
			out.emplace_back(e.substr(0, eq), e.substr(eq + 1));
		} else if (const char *v = std::getenv(e.c_str())) {
			out.emplace_back(e, v);
		}
	}
	return out;
}

Status run(Env &env, RunArgs &a)
{
	// Before the context starts any thread: a SIGINT from now on is handled, never fatal.
	RunSignalGuard guard;
	// The probes; libtb loads the runtime asked for, and transports and cache formats
	// when the run has a cache image.
	Context *ctx = TB_TRY(env.openContext(true, {"probe"}));
	a.o.env = TB_TRY(parseEnv(a.env));
	a.o.boltfilePath = a.boltfile;
	a.o.onWarning = [](const std::string &w) {
		std::fprintf(stderr, "tb: warning: %s\n", w.c_str());
	};
	RunOutcome r = TB_TRY(runContainer(*ctx, a.o, guard));
	std::fputs(r.dryRun.c_str(), stdout);
	if (r.startError)
		return Status(*r.startError, r.exitCode);
	return r.exitCode;
}

} // namespace

void registerRun(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("run",
				       "Run a container with GPUs, a profile and a kernel cache");
	static RunArgs a;
	RunOptions &o = a.o;
	cmd->add_option("--runtime", o.runtime,
			"Runtime plugin: podman, docker, bolt or a third-party one (default: "
			"[runtime] default_runtime)");
	cmd->add_option("--profile", o.profile, "gaming, aiml or a [profiles.NAME] of the config");
	cmd->add_option("--gpus", o.gpus, "all, none, first, or GPU indices/UUIDs (\"0,2\")");
	cmd->add_option("--isolation", o.isolation,
			"shared, exclusive (a lease per GPU) or virtual (default: [bolt.capsule] "
			"isolation_level)");
	cmd->add_option("--cache-image", o.cacheImage,
			"Kernel cache image mounted at the container's TRITON_CACHE_DIR");
	cmd->add_option("--name", o.name, "Container name");
	// One value per occurrence: the words after IMAGE belong to the container.
	cmd->add_option("-e,--env", a.env, "KEY=VALUE for the container (repeatable)")
		->allow_extra_args(false);
	cmd->add_option("--runtime-arg", o.extraArgs,
			"Extra argument for the runtime (repeatable; --runtime-arg=--flag for one "
			"that starts with '-')")
		->allow_extra_args(false);
	cmd->add_flag("--dry-run", o.dryRun,
		      "Print the runtime command line and the CDI spec instead of running");
	cmd->add_option("--emit-boltfile", a.boltfile,
			"Write a Boltfile service for this run (with --runtime bolt) instead of "
			"running");
	cmd->add_flag("-i,--interactive", o.interactive, "Keep stdin open");
	cmd->add_flag("-t,--tty", o.tty, "Allocate a terminal");
	// Everything from IMAGE on belongs to the container, options included (so global options
	// go before `run`).
	cmd->prefix_command();
	cmd->fallthrough(false);
	onRun(cmd, env, [&env, cmd]() -> Status {
		auto rest = cmd->remaining();
		if (!rest.empty() && rest.front().rfind('-', 0) == 0)
			return err(Errc::InvalidArgument,
				   fmt::format("run: unknown option '{}' (global options go before "
					       "'run')",
					       rest.front()));
		if (!rest.empty()) {
			a.o.image = rest.front();
			a.o.command.assign(rest.begin() + 1, rest.end());
		}
		return run(env, a);
	});
}

} // namespace tb::cli
