// SPDX-License-Identifier: Apache-2.0
// `tb create`: Pack a kernel cache directory into an OCI image
#include "cli.h"

namespace tb::cli {

void registerCreate(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("create", "Pack a kernel cache directory into an OCI image (not implemented yet)");
	cmd->prefix_command();
	cmd->callback([&env]() { env.notImplemented("create"); });
}

} // namespace tb::cli
