// SPDX-License-Identifier: Apache-2.0
// `tb login HOST -u USER --password-stdin`: check credentials against a registry, store them.
#include <cstdio>
#include <iostream>
#include <string>
#include <unistd.h>

#include <tb/login.h>

#include "cli.h"

namespace tb::cli {

namespace {

struct LoginArgs {
	std::string registry, user, password;
	bool passwordStdin = false;
	RegistryFlags flags;
};

// The whole of stdin, without the trailing newline(s) that `echo` adds.
std::string readPassword()
{
	std::string s((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
	while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
		s.pop_back();
	return s;
}

Status run(Env &env, LoginArgs &a)
{
	if (!a.passwordStdin && a.password.empty())
		return err(Errc::InvalidArgument,
			   "login: give the password on stdin with --password-stdin");
	if (!a.password.empty())
		std::fprintf(stderr, "tb: warning: --password is visible to other users of this "
				     "host; prefer --password-stdin\n");
	std::string password = a.passwordStdin ? readPassword() : a.password;
	Context *ctx = TB_TRY(env.openContext());
	LoginOptions o{a.flags.authFile, a.flags.tlsVerify};
	TB_TRY(login(*ctx, a.registry, a.user, password, o));
	std::printf("Login Succeeded\n");
	return ExitOk;
}

} // namespace

void registerLogin(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("login", "Check and store credentials for a registry");
	static LoginArgs a;
	cmd->add_option("REGISTRY", a.registry, "Registry host[:port]")->required();
	cmd->add_option("-u,--username", a.user, "User name")->required();
	cmd->add_flag("--password-stdin", a.passwordStdin, "Read the password from stdin");
	cmd->add_option("-p,--password", a.password, "Password (visible in ps; avoid)");
	addRegistryFlags(cmd, a.flags);
	onRun(cmd, env, [&env]() { return run(env, a); });
}

} // namespace tb::cli
