// SPDX-License-Identifier: Apache-2.0
// `tb info`: Show the host's GPUs, drivers and libraries
#include "cli.h"

namespace tb::cli {

void registerInfo(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("info", "Show the host's GPUs, drivers and libraries (not implemented yet)");
	cmd->prefix_command();
	cmd->callback([&env]() { env.notImplemented("info"); });
}

} // namespace tb::cli
