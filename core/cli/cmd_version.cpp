// SPDX-License-Identifier: Apache-2.0
// `tb version [--json]`: the core version and the plugin ABI it speaks.
#include <cstdio>

#include <fmt/core.h>

#include <tb/cache_format.h>
#include <tb/gpu_probe.h>
#include <tb/json_output.h>
#include <tb/runtime.h>
#include <tb/transport.h>

#include "cli.h"

namespace tb::cli {

void registerVersion(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("version", "Show the tb version and plugin API versions");
	cmd->add_flag("--json", env.global.json, "Machine-readable output");
	onRun(cmd, env, [&env]() -> Status {
		// The config is read (not used) so that a broken or missing --config file is
		// reported here too: every verb treats a bad config as fatal.
		TB_TRY(env.openContext(false));
		if (env.global.json) {
			fmt::print("{}\n", versionJson());
			return ExitOk;
		}
		// One entry per kind this core loads, "major.minor" of its API.
		std::string list;
		for (const auto &k : pluginKinds())
			list += fmt::format("{}{} {}.{}", list.empty() ? "" : ", ", k.name,
					    k.versionMajor, k.versionMinor);
		fmt::print("tb {}\n", version());
		fmt::print("plugin ABI {} ({})\n", TB_PLUGIN_ABI_VERSION, list);
		return ExitOk;
	});
}

} // namespace tb::cli
