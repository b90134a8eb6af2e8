// SPDX-License-Identifier: Apache-2.0
// `tb logout HOST`: remove a registry's credentials from the auth file.
#include <cstdio>
#include <string>

#include <tb/login.h>

#include "cli.h"

namespace tb::cli {

void registerLogout(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("logout", "Remove stored credentials of a registry");
	static std::string registry;
	static RegistryFlags flags;
	cmd->add_option("REGISTRY", registry, "Registry host[:port]")->required();
	cmd->add_option("--authfile", flags.authFile, "Credentials file to edit");
	onRun(cmd, env, [&env]() -> Status {
		Context *ctx = TB_TRY(env.openContext());
		TB_TRY(logout(*ctx, registry, LoginOptions{flags.authFile, {}}));
		std::printf("Removed login credentials for %s\n", registry.c_str());
		return ExitOk;
	});
}

} // namespace tb::cli
