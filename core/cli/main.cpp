// SPDX-License-Identifier: Apache-2.0
// `tb`: git-style front end over libtb. Each verb lives in its own cmd_<verb>.cpp.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include <tb/cleanup.h>
#include <tb/printable.h>

#include "cli.h"

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

	registerVersion(app, env);
	registerPlugins(app, env);
	registerConfig(app, env);
	registerCreate(app, env);
	registerExtract(app, env);
	registerInspect(app, env);
	registerCopy(app, env);
	registerImages(app, env);
	registerLogin(app, env);
	registerLogout(app, env);
	registerInfo(app, env);
	registerCdi(app, env);
	registerRun(app, env);
	registerWsl2(app, env);
	registerRmi(app, env);
	registerTag(app, env);
	registerPrune(app, env);
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
