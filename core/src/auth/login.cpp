// SPDX-License-Identifier: Apache-2.0
// `tb login` / `tb logout`: check credentials against the registry, keep them in auth.json.
#include <tb/login.h>

#include <tb/context.h>
#include <tb/transport.h>

#include "auth/credentials.h"

namespace tb {

Result<std::string> loginRegistryName(std::string_view text)
{
	std::string_view s = text;
	if (auto p = s.find("://"); p != std::string_view::npos)
		s = s.substr(p + 3);
	s = s.substr(0, s.find('/'));
	if (s.empty() || s.find_first_of(" \t@") != std::string_view::npos)
		return err(Errc::InvalidArgument,
			   "'" + std::string(text) + "' is not a registry host");
	return auth::normaliseRegistryKey(s);
}

Result<std::string> login(Context &ctx, std::string_view registryText, std::string_view user,
			  std::string_view password, const LoginOptions &options)
{
	std::string reg = TB_TRY(loginRegistryName(registryText));
	if (user.empty())
		return err(Errc::InvalidArgument, "logging in to " + reg + ": no user name");
	if (password.empty())
		return err(Errc::InvalidArgument, "logging in to " + reg + ": empty password");
	// The registry's protocol (endpoints, TLS, auth flows) is the docker transport's.
	Transport *docker = ctx.transport("docker");
	if (!docker || !hasMinor(*docker, 3))
		return err(Errc::Unavailable,
			   "logging in to " + reg +
				   ": no transport.docker plugin that checks logins is loaded");
	TB_TRY_CTX(docker->checkLogin(LoginCheck{reg, std::string(user), std::string(password),
						 options.tlsVerify}),
		   "logging in to " + reg);
	return TB_TRY_CTX(auth::storeCredential(reg, std::string(user), std::string(password),
						options.authFile),
			  "logging in to " + reg);
}

Result<std::string> logout(Context &, std::string_view registryText, const LoginOptions &options)
{
	std::string reg = TB_TRY(loginRegistryName(registryText));
	return TB_TRY_CTX(auth::removeCredential(reg, options.authFile), "logging out of " + reg);
}

} // namespace tb
