// SPDX-License-Identifier: Apache-2.0
// `tb login`: Store credentials for a registry
#include "cli.h"

namespace tb::cli {

void registerLogin(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("login",
				       "Store credentials for a registry (not implemented yet)");
	cmd->allow_extras();
	cmd->fallthrough(false);
	onRun(cmd, env, []() { return notImplemented("login"); });
}

} // namespace tb::cli
