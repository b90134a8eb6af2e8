// SPDX-License-Identifier: Apache-2.0
// `tb version`: the core version and the plugin ABI it speaks.
#include <cstdio>

#include <tb/cache_format.h>
#include <tb/gpu_probe.h>
#include <tb/runtime.h>
#include <tb/transport.h>

#include "cli.h"

namespace tb::cli {

void registerVersion(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("version", "Show the tb version and plugin API versions");
	cmd->callback([&env]() {
		(void)env;
		std::printf("tb %.*s\n", static_cast<int>(version().size()), version().data());
		std::printf("plugin ABI %u (transport %u, cache %u, probe %u, runtime %u)\n", TB_PLUGIN_ABI_VERSION,
			    TB_TRANSPORT_API_VERSION, TB_CACHE_FORMAT_API_VERSION, TB_GPU_PROBE_API_VERSION,
			    TB_RUNTIME_API_VERSION);
	});
}

} // namespace tb::cli
