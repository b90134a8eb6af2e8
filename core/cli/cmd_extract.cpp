// SPDX-License-Identifier: Apache-2.0
// `tb extract`: Unpack a kernel cache image into the cache directory
#include "cli.h"

namespace tb::cli {

void registerExtract(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("extract", "Unpack a kernel cache image into the cache directory (not implemented yet)");
	cmd->prefix_command();
	cmd->callback([&env]() { env.notImplemented("extract"); });
}

} // namespace tb::cli
