// SPDX-License-Identifier: Apache-2.0
// `tb cdi generate|list|validate`: Container Device Interface specs.
#include "cli.h"

namespace tb::cli {

void registerCdi(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("cdi", "Generate, list and validate CDI specs");
	cmd->require_subcommand(1);
	for (const char *verb : {"generate", "list", "validate"}) {
		auto *sub = cmd->add_subcommand(verb, std::string("CDI ") + verb + " (not implemented yet)");
		sub->allow_extras();
		sub->fallthrough(false);
		sub->callback([&env, verb]() { env.notImplemented(std::string("cdi ") + verb); });
	}
}

} // namespace tb::cli
