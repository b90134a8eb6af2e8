// SPDX-License-Identifier: Apache-2.0
// Shared plumbing of the `tb` command line: global options, context, output helpers.
#pragma once

#include <cstdio>
#include <functional>
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

/// \brief Map an error class to the CLI exit code (config/usage errors -> 2).
int exitCodeFor(const Error &e);

/// \brief How a verb ended: the exit code it chose after printing its output, or the error
/// that main prints once as "tb: <message>" (crun's rule: only the top level prints).
/// `return TB_TRY(...)`-style early returns work: an Unexpected<Error> converts to a Status.
class [[nodiscard]] Status {
public:
	Status(int exitCode = ExitOk) : exitCode_(exitCode) {}
	Status(Unexpected<Error> e) : error_(std::move(e.value)), exitCode_(exitCodeFor(*error_)) {}
	/// \brief An error with an exit code other than its class's.
	Status(Error e, int exitCode) : error_(std::move(e)), exitCode_(exitCode) {}

	int exitCode() const { return exitCode_; }
	const std::optional<Error> &error() const { return error_; }

private:
	std::optional<Error> error_;
	int exitCode_;
};

struct GlobalOptions {
	std::string config;
	std::string hostRoot;
	std::string logLevel;
	bool json = false; ///< --json; verbs with data output bind their own --json flag here
	/// A verb's --tls-verify, handed to libtb (ContextOptions::tlsVerify).
	std::optional<bool> tlsVerify;
	/// A verb's -q: no transfer progress (offered to plugins only on a terminal anyway).
	bool quietTransfers = false;
};

/// \brief State shared by every verb: parsed global options, the lazily opened Context, and
/// how the verb ended (main prints it).
class Env {
public:
	GlobalOptions global;
	/// The exit code main returns; set by finish() (and directly by verbs not yet returning a
	/// Status).
	int exitCode = ExitOk;

	/// \brief Open (once) the library context. A config or plugin-set problem comes back as
	/// InvalidArgument (exit 2), an I/O failure as Io (exit 1). \a kinds: the plugin kinds
	/// the verb needs ("probe"); empty = all.
	Result<Context *> openContext(bool loadPlugins = true, std::vector<std::string> kinds = {});
	/// \brief Record how the verb ended; main prints its error, if any, and exits with its
	/// code.
	void finish(Status s);
	/// \brief The error main prints, if any.
	const std::optional<Error> &error() const { return error_; }

	/// \brief Older form of openContext(): nullptr once the failure is recorded.
	Context *context(bool loadPlugins = true, std::vector<std::string> kinds = {});
	/// \brief Older form of `return Status`: record \a e, return its exit code.
	int fail(const Error &e);

	bool stdoutIsTty() const;
	bool colour() const; ///< TTY and NO_COLOR unset

private:
	std::unique_ptr<Context> ctx_;
	std::optional<Error> contextError_;
	std::optional<Error> error_;
	bool tried_ = false;
};

/// \brief Make \a body the callback of \a cmd; the Status it returns is how `tb` ends.
void onRun(CLI::App *cmd, Env &env, std::function<Status()> body);

/// \brief A verb that is not there yet: "VERB: not implemented in this version", exit 2.
Status notImplemented(std::string_view verb);

/// \brief Print the value of \a r with \a printJson (for --json) or \a printText; else its error.
template<typename T, typename Json, typename Text>
Status printResult(const Result<T> &r, bool json, Json printJson, Text printText)
{
	if (!r)
		return unexpected(r.error());
	if (json)
		printJson(*r);
	else
		printText(*r);
	return ExitOk;
}

/// \brief Open the context and probe the host's GPUs.
Result<GpuInventory> hostGpus(Env &env);

/// \brief Older form of hostGpus(): nullopt once the failure is recorded.
std::optional<GpuInventory> probeHostGpus(Env &env);

/// \brief Make `tb --json VERB` reach the verb's own `--json` flag (each data verb declares
/// one, bound to its own variable or to GlobalOptions::json); a verb without JSON output
/// refuses it. Call once, after every verb is registered.
void routeGlobalJson(CLI::App &app, Env &env);

/// \brief --authfile / --tls-verify of the verbs that may talk to a registry.
struct RegistryFlags {
	std::string authFile;
	std::optional<bool> tlsVerify;
};
void addRegistryFlags(CLI::App *cmd, RegistryFlags &flags);
/// \brief Make the flags effective for the context the verb opens (call before opening it).
void applyRegistryFlags(Env &env, const RegistryFlags &flags);
/// \brief -q: no transfer progress either (progress is shown on a terminal only).
void quietTransfers(Env &env, bool quiet);
/// \brief The tb.progress service `tb` offers plugins: one line on stderr, rewritten at most
/// 5 times a second; nullptr when stderr is no terminal, on -q, or with TB_NO_PROGRESS set.
std::shared_ptr<Progress> terminalProgress(bool quiet);
/// \brief --platform OS/ARCH[/VARIANT] of the verbs that read an image (an index's child).
void addPlatformFlag(CLI::App *cmd, std::string &platform);

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
void registerRmi(CLI::App &app, Env &env);
void registerTag(CLI::App &app, Env &env);
void registerPrune(CLI::App &app, Env &env);

} // namespace tb::cli
