// SPDX-License-Identifier: Apache-2.0
// `tb plugins ls [-v] [--json]`: every plugin file found, with kind, name, version, status, path.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/core.h>

#include <tb/json_output.h>
#include <tb/printable.h>

#include "cli.h"

namespace tb::cli {

namespace {

const char *statusColour(PluginStatus s)
{
	switch (s) {
	case PluginStatus::Ok:
		return "\033[32m";
	case PluginStatus::Skipped:
	case PluginStatus::NotLoaded:
	case PluginStatus::Disabled:
	case PluginStatus::Shadowed:
		return "\033[33m";
	default:
		return "\033[31m";
	}
}

void printJson(const std::vector<PluginInfo> &plugins)
{
	std::printf("%s\n", pluginListJson(plugins).c_str());
}

void printTable(const std::vector<PluginInfo> &plugins, bool verbose, bool colour)
{
	size_t wk = 4, wn = 4, wv = 7, ws = 6;
	for (const auto &p : plugins) {
		wk = std::max(wk, p.kind.size());
		wn = std::max(wn, p.name.size());
		wv = std::max(wv, p.version.size());
		ws = std::max(ws, pluginStatusName(p.status).size());
	}
	fmt::print("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", "KIND", wk, "NAME", wn, "VERSION", wv,
		   "STATUS", ws, "PATH");
	for (const auto &p : plugins) {
		std::string status(pluginStatusName(p.status));
		std::string padded = fmt::format("{:<{}}", status, ws);
		if (colour)
			padded = statusColour(p.status) + status + "\033[0m" +
				 std::string(ws - status.size(), ' ');
		fmt::print("{:<{}}  {:<{}}  {:<{}}  {}  {}\n", p.kind, wk, p.name, wn,
			   p.version.empty() ? "-" : p.version, wv, padded, printable(p.path));
		if (verbose && !p.reason.empty())
			fmt::print("    reason: {}\n", printable(p.reason));
	}
	if (plugins.empty())
		fmt::print("(no plugins found; set TB_PLUGIN_PATH or [core] plugin_path)\n");
}

} // namespace

void registerPlugins(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("plugins", "Inspect plugins");
	cmd->require_subcommand(1);
	auto *ls =
		cmd->add_subcommand("ls", "List plugins with kind, name, version, status and path");
	static bool verbose = false;
	ls->add_flag("-v,--verbose", verbose, "Show why a plugin is not ok");
	ls->add_flag("--json", env.global.json, "Machine-readable output");
	ls->callback([&env]() {
		Context *ctx = env.context();
		if (!ctx)
			return;
		if (env.global.json)
			printJson(ctx->plugins());
		else
			printTable(ctx->plugins(), verbose, env.colour());
	});
}

} // namespace tb::cli
