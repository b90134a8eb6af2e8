// SPDX-License-Identifier: Apache-2.0
// Shared CLI state: opening the Context once, printing errors, exit codes, TTY checks.
#include "cli.h"

#include <cstdlib>
#include <unistd.h>

namespace tb::cli {

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
	std::fprintf(stderr, "tb: %.*s: not implemented in this version\n", static_cast<int>(verb.size()),
		     verb.data());
	exitCode = ExitUsage;
	return exitCode;
}

Context *Env::context(bool loadPlugins)
{
	if (!tried_) {
		tried_ = true;
		ContextOptions o;
		o.configFile = global.config;
		o.hostRoot = global.hostRoot;
		o.logLevels = global.logLevel;
		o.loadPlugins = loadPlugins;
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
