// SPDX-License-Identifier: Apache-2.0
// `tb`: git-style front end over libtb. Each verb lives in its own cmd_<verb>.cpp.
#include <cstdio>
#include <exception>
#include <string_view>

#include <CLI/CLI.hpp>

#include <tb/cleanup.h>
#include <tb/printable.h>

#include "cli.h"

namespace {

using Register = void (*)(CLI::App &, tb::cli::Env &);

struct Verb {
	const char *name;
	Register add;
};

constexpr Verb verbs[] = {
	{"version", tb::cli::registerVersion}, {"plugins", tb::cli::registerPlugins},
	{"config", tb::cli::registerConfig},   {"create", tb::cli::registerCreate},
	{"extract", tb::cli::registerExtract}, {"inspect", tb::cli::registerInspect},
	{"copy", tb::cli::registerCopy},       {"images", tb::cli::registerImages},
	{"login", tb::cli::registerLogin},     {"logout", tb::cli::registerLogout},
	{"info", tb::cli::registerInfo},       {"cdi", tb::cli::registerCdi},
	{"run", tb::cli::registerRun},         {"wsl2", tb::cli::registerWsl2},
	{"rmi", tb::cli::registerRmi},         {"tag", tb::cli::registerTag},
	{"prune", tb::cli::registerPrune},
};

// The verb named on the command line, skipping the global options and their values; null
// when there is none (`tb --help`, a typo): then every verb is registered, for the help
// text and CLI11's own error message.
const Verb *namedVerb(const CLI::App &app, int argc, char **argv)
{
	for (int i = 1; i < argc; ++i) {
		std::string_view a = argv[i];
		const CLI::Option *global = app.get_option_no_throw(std::string(a));
		if (global && global->get_items_expected_min() > 0) {
			++i; // its value
			continue;
		}
		if (a == "--")
			return nullptr;
		if (a.starts_with('-'))
			continue; // --json, --config=FILE; --help and --version end the run anyway
		for (const Verb &v : verbs)
			if (a == v.name)
				return &v;
		return nullptr;
	}
	return nullptr;
}

// Building a verb's options costs CLI11 some 20 µs per verb, so a run registers only the verb it
// runs: every verb pays this at start-up, and the passthrough verbs run per container.
void registerVerbs(CLI::App &app, tb::cli::Env &env, int argc, char **argv)
{
	if (const Verb *v = namedVerb(app, argc, argv)) {
		v->add(app, env);
		return;
	}
	for (const Verb &v : verbs)
		v.add(app, env);
}

} // namespace

int main(int argc, char **argv)
{
	using namespace tb::cli;
	// Ctrl-C or a kill in the middle of a write leaves no temp files behind.
	tb::removeTemporariesOnSignals();
	Env env;
	CLI::App app{"tb: fast-starting GPU containers (kernel cache images, GPU passthrough)",
		     "tb"};
	app.require_subcommand(1);
	app.fallthrough(); // global options are accepted after the verb too
	app.set_version_flag("--version", std::string(tb::version()));
	app.add_option("--config", env.global.config, "Configuration file (default: search order)");
	app.add_option("--host-root", env.global.hostRoot,
		       "Root prefix for sysfs/procfs/devfs and driver files");
	app.add_option("--log-level", env.global.logLevel,
		       "Log levels, e.g. 'debug' or 'loader:debug,*:warn'");

	registerVerbs(app, env, argc, argv);
	routeGlobalJson(app, env);

	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		int code = app.exit(e);
		// --help and --version exit 0; every other parse error is a usage error.
		return code == 0 ? ExitOk : ExitUsage;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "tb: internal error: %s\n", e.what());
		return ExitFailed;
	}
	// The one place an error is printed: verbs return it, with context added on the way up.
	if (env.error())
		std::fprintf(stderr, "tb: %s\n", tb::printable(env.error()->message).c_str());
	return env.exitCode;
}
