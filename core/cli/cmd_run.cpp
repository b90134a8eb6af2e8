// SPDX-License-Identifier: Apache-2.0
// `tb run`: Run a container with GPUs, a profile and a kernel cache
#include "cli.h"

namespace tb::cli {

void registerRun(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("run", "Run a container with GPUs, a profile and a kernel cache (not implemented yet)");
	cmd->allow_extras();
	cmd->fallthrough(false);
	cmd->callback([&env]() { env.notImplemented("run"); });
}

} // namespace tb::cli
