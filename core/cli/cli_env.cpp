// SPDX-License-Identifier: Apache-2.0
// Shared CLI state: opening the Context once, printing errors, exit codes, TTY checks.
#include "cli.h"

#include <cstdlib>
#include <unistd.h>

namespace tb::cli {

std::optional<GpuInventory> probeHostGpus(Env &env)
{
	Context *ctx = env.context();
	if (!ctx)
		return std::nullopt;
	auto inv = probeGpus(*ctx);
	if (!inv) {
		env.fail(inv.error());
		return std::nullopt;
	}
	return std::move(*inv);
}

int exitCodeFor(const Error &e)
{
	switch (e.code) {
	case Errc::InvalidArgument:
	case Errc::NotImplemented:
		return ExitUsage;
	default:
		return ExitFailed;
	}
}

int Env::fail(const Error &e)
{
	std::fprintf(stderr, "tb: %s\n", e.message.c_str());
	exitCode = exitCodeFor(e);
	return exitCode;
}

int Env::notImplemented(std::string_view verb)
{
	std::fprintf(stderr, "tb: %.*s: not implemented in this version\n",
		     static_cast<int>(verb.size()), verb.data());
	exitCode = ExitUsage;
	return exitCode;
}

Context *Env::context(bool loadPlugins, std::vector<std::string> kinds)
{
	if (!tried_) {
		tried_ = true;
		ContextOptions o;
		o.configFile = global.config;
		o.hostRoot = global.hostRoot;
		o.logLevels = global.logLevel;
		o.loadPlugins = loadPlugins;
		o.kinds = std::move(kinds);
		auto c = Context::create(o);
		if (!c) {
			// A config or plugin-set problem is a configuration error: exit 2.
			std::fprintf(stderr, "tb: %s\n", c.error().message.c_str());
			exitCode = c.error().code == Errc::Io ? ExitFailed : ExitUsage;
			return nullptr;
		}
		ctx_ = std::move(*c);
	}
	return ctx_.get();
}

void routeGlobalJson(CLI::App &app, Env &env)
{
	// Option callbacks of the app run before those of the verbs (CLI11 processes parents
	// first), so adding a result to the verb's flag here sets the verb's variable in time.
	app.add_flag_callback(
		"--json",
		[&app, &env]() {
			env.global.json = true;
			CLI::App *leaf = &app;
			std::string path;
			while (!leaf->get_subcommands().empty()) {
				leaf = leaf->get_subcommands().front();
				path += (path.empty() ? "" : " ") + leaf->get_name();
			}
			if (leaf == &app)
				return; // no verb: CLI11 reports that
			CLI::Option *own = leaf->get_option_no_throw("--json");
			if (!own)
				throw CLI::ValidationError("--json",
							   "'tb " + path + "' has no JSON output");
			if (own->count() == 0)
				own->add_result("true");
		},
		"Machine-readable output (verbs whose output is data)");
}

bool Env::stdoutIsTty() const
{
	return isatty(STDOUT_FILENO) == 1;
}

bool Env::colour() const
{
	const char *nc = std::getenv("NO_COLOR");
	return stdoutIsTty() && !(nc && *nc);
}

} // namespace tb::cli
