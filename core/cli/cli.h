// SPDX-License-Identifier: Apache-2.0
// Shared plumbing of the `tb` command line: global options, context, output helpers.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include <tb/context.h>
#include <tb/gpus.h>
#include <tb/result.h>

namespace tb::cli {

/// Exit codes (docs/cli.md): 0 ok, 1 operation failed, 2 usage or configuration error.
enum ExitCode : int { ExitOk = 0, ExitFailed = 1, ExitUsage = 2 };

struct GlobalOptions {
	std::string config;
	std::string hostRoot;
	std::string logLevel;
	bool json = false; ///< --json; verbs with data output bind their own --json flag here
};

/// \brief State shared by every verb: parsed global options, the lazily opened Context, the
/// exit code a verb sets.
class Env {
public:
	GlobalOptions global;
	int exitCode = ExitOk;

	/// \brief Open (once) the library context. On failure prints the error and sets exitCode.
	/// \a kinds: the plugin kinds the verb needs ("probe"); empty = all.
	Context *context(bool loadPlugins = true, std::vector<std::string> kinds = {});

	/// \brief Print "tb: <message>" to stderr and return the exit code for \a e.
	int fail(const Error &e);
	/// \brief Report a verb that is not there yet: exit code 2, never pretend success.
	int notImplemented(std::string_view verb);

	bool stdoutIsTty() const;
	bool colour() const; ///< TTY and NO_COLOR unset

private:
	std::unique_ptr<Context> ctx_;
	bool tried_ = false;
};

/// \brief Map an error class to the CLI exit code (config/usage errors -> 2).
int exitCodeFor(const Error &e);

/// \brief Print the value of \a r with \a json (for --json) or \a text, or report its error.
template<typename T, typename Json, typename Text>
void printOrFail(Env &env, const Result<T> &r, bool json, Json printJson, Text printText)
{
	if (!r) {
		env.fail(r.error());
		return;
	}
	if (json)
		printJson(*r);
	else
		printText(*r);
}

/// \brief Open the context and probe the host's GPUs; nullopt once the failure is reported.
std::optional<GpuInventory> probeHostGpus(Env &env);

/// \brief Make `tb --json VERB` reach the verb's own `--json` flag (each data verb declares
/// one, bound to its own variable or to GlobalOptions::json); a verb without JSON output
/// refuses it. Call once, after every verb is registered.
void routeGlobalJson(CLI::App &app, Env &env);

// One registration function per verb, each in its own cmd_<verb>.cpp.
void registerVersion(CLI::App &app, Env &env);
void registerPlugins(CLI::App &app, Env &env);
void registerConfig(CLI::App &app, Env &env);
void registerCreate(CLI::App &app, Env &env);
void registerExtract(CLI::App &app, Env &env);
void registerInspect(CLI::App &app, Env &env);
void registerCopy(CLI::App &app, Env &env);
void registerImages(CLI::App &app, Env &env);
void registerLogin(CLI::App &app, Env &env);
void registerLogout(CLI::App &app, Env &env);
void registerInfo(CLI::App &app, Env &env);
void registerCdi(CLI::App &app, Env &env);
void registerRun(CLI::App &app, Env &env);
void registerWsl2(CLI::App &app, Env &env);

} // namespace tb::cli
