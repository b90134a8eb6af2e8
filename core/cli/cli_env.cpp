// SPDX-License-Identifier: Apache-2.0
// Shared CLI state: opening the Context once, how a verb ended, exit codes, TTY checks.
#include "cli.h"

#include <cstdlib>
#include <unistd.h>

#include <fmt/core.h>

namespace tb::cli {

Result<GpuInventory> hostGpus(Env &env)
{
	// Only the probes: loading transports and runtimes would cost more than the probe.
	Context *ctx = TB_TRY(env.openContext(true, {"probe"}));
	return probeGpus(*ctx);
}

std::optional<GpuInventory> probeHostGpus(Env &env)
{
	auto inv = hostGpus(env);
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

Status notImplemented(std::string_view verb)
{
	return err(Errc::NotImplemented, fmt::format("{}: not implemented in this version", verb));
}

void Env::finish(Status s)
{
	if (s.error())
		error_ = *s.error();
	exitCode = s.exitCode();
}

int Env::fail(const Error &e)
{
	finish(unexpected(e));
	return exitCode;
}

void onRun(CLI::App *cmd, Env &env, std::function<Status()> body)
{
	cmd->callback([&env, body = std::move(body)]() { env.finish(body()); });
}

Result<Context *> Env::openContext(bool loadPlugins, std::vector<std::string> kinds)
{
	if (!tried_) {
		tried_ = true;
		ContextOptions o;
		o.configFile = global.config;
		o.hostRoot = global.hostRoot;
		o.logLevels = global.logLevel;
		o.loadPlugins = loadPlugins;
		o.kinds = std::move(kinds);
		o.tlsVerify = global.tlsVerify;
		o.progress = terminalProgress(global.quietTransfers);
		auto c = Context::create(o);
		if (c) {
			ctx_ = std::move(*c);
		} else {
			// A config or plugin-set problem is a configuration error: exit 2.
			contextError_ = std::move(c).error();
			if (contextError_->code != Errc::Io)
				contextError_->code = Errc::InvalidArgument;
		}
	}
	if (contextError_)
		return unexpected(*contextError_);
	return ctx_.get();
}

Context *Env::context(bool loadPlugins, std::vector<std::string> kinds)
{
	auto c = openContext(loadPlugins, std::move(kinds));
	if (!c) {
		fail(c.error());
		return nullptr;
	}
	return *c;
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
