// SPDX-License-Identifier: Apache-2.0
// `tb version [--json]`: the core version and the plugin ABI it speaks.
#include <cstdio>

#include <boost/json.hpp>
#include <fmt/core.h>

#include <tb/cache_format.h>
#include <tb/gpu_probe.h>
#include <tb/runtime.h>
#include <tb/transport.h>

#include "cli.h"

namespace tb::cli {

namespace {

std::string hex(uint32_t v)
{
	return fmt::format("{:#x}", v);
}

} // namespace

void registerVersion(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("version", "Show the tb version and plugin API versions");
	cmd->add_flag("--json", env.global.json, "Machine-readable output");
	onRun(cmd, env, [&env]() -> Status {
		// The config is read (not used) so that a broken or missing --config file is
		// reported here too: every verb treats a bad config as fatal.
		TB_TRY(env.openContext(false));
		// One entry per kind this core loads, "major.minor" of its API.
		boost::json::object apis;
		std::string list;
		for (const auto &k : pluginKinds()) {
			std::string v = fmt::format("{}.{}", k.versionMajor, k.versionMinor);
			apis[k.name] = v;
			list += fmt::format("{}{} {}", list.empty() ? "" : ", ", k.name, v);
		}
		if (env.global.json) {
			boost::json::object o{
				{"version", std::string(version())},
				{"pluginAbiVersion", TB_PLUGIN_ABI_VERSION},
				{"cxxAbiTag", hex(TB_CXX_ABI_TAG)},
				{"apiVersions", apis},
			};
			fmt::print("{}\n", boost::json::serialize(o));
			return ExitOk;
		}
		fmt::print("tb {}\n", version());
		fmt::print("plugin ABI {} ({})\n", TB_PLUGIN_ABI_VERSION, list);
		return ExitOk;
	});
}

} // namespace tb::cli
