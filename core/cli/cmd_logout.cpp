// SPDX-License-Identifier: Apache-2.0
// `tb logout`: Remove stored credentials for a registry
#include "cli.h"

namespace tb::cli {

void registerLogout(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand(
		"logout", "Remove stored credentials for a registry (not implemented yet)");
	cmd->allow_extras();
	cmd->fallthrough(false);
	onRun(cmd, env, []() { return notImplemented("logout"); });
}

} // namespace tb::cli
