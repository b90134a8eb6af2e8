// SPDX-License-Identifier: Apache-2.0
// `tb config show|init|validate`: the effective nvbind.toml, a documented default, a check.
#include <cstdio>
#include <string>

#include "cli.h"

namespace tb::cli {

void registerConfig(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("config", "Show, create or check nvbind.toml");
	cmd->require_subcommand(1);

	auto *show = cmd->add_subcommand("show",
					 "Print the effective configuration (defaults included)");
	show->add_flag("--json", env.global.json, "The configuration as one JSON object");
	show->callback([&env]() {
		Context *ctx = env.context(false);
		if (!ctx)
			return;
		if (env.global.json) {
			std::fputs(ctx->configJson().c_str(), stdout);
			return;
		}
		std::printf("# config file: %s\n%s",
			    ctx->configPath().empty() ? "(none: built-in defaults)"
						      : ctx->configPath().c_str(),
			    ctx->configToml().c_str());
	});

	static std::string output;
	static bool force = false, toStdout = false;
	auto *init = cmd->add_subcommand("init", "Write the documented default nvbind.toml");
	init->add_option("-o,--output", output,
			 "Where to write (default: $XDG_CONFIG_HOME/tb/nvbind.toml)");
	init->add_flag("-f,--force", force, "Replace an existing file");
	init->add_flag("--stdout", toStdout, "Print instead of writing a file");
	init->callback([&env]() {
		if (toStdout) {
			std::string text = defaultConfigWithPlugins();
			std::fwrite(text.data(), 1, text.size(), stdout);
			return;
		}
		std::string path = output.empty() ? userConfigPath() : output;
		if (auto r = writeDefaultConfig(path, force); !r) {
			env.fail(r.error());
			env.exitCode = r.error().code == Errc::Conflict ? ExitFailed : env.exitCode;
			return;
		}
		std::printf("wrote %s\n", path.c_str());
	});

	static std::string file;
	auto *validate = cmd->add_subcommand("validate",
					     "Check a config file (default: the one tb would use)");
	validate->add_option("file", file, "File to check");
	validate->callback([&env]() {
		std::string path = file.empty() ? env.global.config : file;
		if (path.empty()) {
			Context *ctx = env.context(false);
			if (!ctx)
				return;
			if (ctx->configPath().empty()) {
				std::printf("no config file found: built-in defaults are in use\n");
				return;
			}
			path = ctx->configPath();
		}
		auto r = checkConfigFile(path);
		if (!r) {
			std::fprintf(stderr, "tb: %s\n", r.error().message.c_str());
			env.exitCode = ExitUsage;
			return;
		}
		for (const auto &w : *r)
			std::fprintf(stderr, "tb: warning: %s\n", w.c_str());
		std::printf("%s: ok\n", path.c_str());
	});
}

} // namespace tb::cli
