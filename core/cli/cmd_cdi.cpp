// SPDX-License-Identifier: Apache-2.0
// `tb cdi generate|list|validate`: Container Device Interface specs.
#include <tb/cdi.h>

#include "cli.h"

namespace tb::cli {

void registerCdi(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("cdi", "Generate, list and validate CDI specs");
	cmd->require_subcommand(1);

	static std::string profile;
	auto *gen = cmd->add_subcommand(
		"generate", "Write CDI specs for the host's GPUs (not implemented yet)");
	gen->add_option("--profile", profile, "gaming, aiml or a [profiles.NAME] of the config");
	onRun(gen, env, [&env]() -> Status {
		Context *ctx = TB_TRY(env.openContext());
		// A thin client of libtb: the answer (today NotImplemented, exit 2) is
		// generateCdi's.
		TB_TRY(generateCdi(*ctx, profile));
		return ExitOk;
	});

	for (const char *verb : {"list", "validate"}) {
		auto *sub = cmd->add_subcommand(verb, std::string("CDI ") + verb +
							      " (not implemented yet)");
		sub->allow_extras();
		sub->fallthrough(false);
		onRun(sub, env, [verb]() { return notImplemented(std::string("cdi ") + verb); });
	}
}

} // namespace tb::cli
