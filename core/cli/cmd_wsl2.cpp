// SPDX-License-Identifier: Apache-2.0
// `tb wsl2 check`: what a WSL2 host has and lacks for GPU containers.
#include "cli.h"

namespace tb::cli {

void registerWsl2(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("wsl2", "WSL2 GPU support");
	cmd->require_subcommand(1);
	auto *check = cmd->add_subcommand("check", "Report WSL2 GPU prerequisites (not implemented yet)");
	check->prefix_command();
	check->callback([&env]() { env.notImplemented("wsl2 check"); });
}

} // namespace tb::cli
