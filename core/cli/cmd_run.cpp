// SPDX-License-Identifier: Apache-2.0
// `tb run [--runtime R] [--profile P] [--gpus SEL] IMAGE [COMMAND...]`: a GPU container.
#include <fmt/core.h>

#include <tb/run.h>

#include "cli.h"

namespace tb::cli {

void registerRun(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand(
		"run",
		"Run a container with GPUs, a profile and a kernel cache (not implemented yet)");
	static RunOptions o;
	cmd->add_option("--runtime", o.runtime,
			"Runtime plugin (default: [runtime] default_runtime)");
	cmd->add_option("--profile", o.profile, "gaming, aiml or a [profiles.NAME] of the config");
	cmd->add_option("--gpus", o.gpus, "all, none, first, or GPU indices/UUIDs (\"0,2\")");
	cmd->add_option("--cache-image", o.cacheImage, "Kernel cache image to mount");
	cmd->add_option("--name", o.name, "Container name");
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
			o.image = rest.front();
			o.command.assign(rest.begin() + 1, rest.end());
		}
		Context *ctx = TB_TRY(env.openContext());
		// A thin client of libtb: the answer (today NotImplemented, exit 2) is
		// buildRunInvocation's.
		TB_TRY(buildRunInvocation(*ctx, o));
		return ExitOk;
	});
}

} // namespace tb::cli
