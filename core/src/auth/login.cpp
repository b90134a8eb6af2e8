// SPDX-License-Identifier: Apache-2.0
// `tb login` / `tb logout`: check credentials against the registry, keep them in auth.json.
#include <tb/login.h>

#include <tb/context.h>

#include "auth/credentials.h"
#include "tbsupport/reg_client.h"
#include "tbsupport/reg_endpoint.h"

namespace tb {

namespace {

// The registry settings the docker transport uses, as far as login needs them.
registry::EndpointConfig endpointConfig(const Context &ctx, const LoginOptions &options)
{
	registry::EndpointConfig c;
	const Config &cfg = ctx.config();
	for (const auto &[host, e] : cfg.registries)
		c.hosts[host] = registry::HostSettings{e.insecure, e.ca, {}};
	auto it = cfg.plugins.find("transport.docker");
	if (it != cfg.plugins.end() && it->second.has("certs_dirs"))
		c.certsDirs = it->second.getStrings("certs_dirs");
	else
		c.certsDirs = registry::defaultCertsDirs();
	if (it != cfg.plugins.end())
		for (const auto &h : it->second.getStrings("insecure_registries"))
			c.hosts[h].insecure = true;
	c.tlsVerify = options.tlsVerify;
	return c;
}

} // namespace

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
	auto ep = registry::resolveEndpoint(reg, endpointConfig(ctx, options));
	registry::Credential cred{std::string(user), std::string(password), {}, {}};
	registry::CredentialSource source = [cred](const std::string &) {
		return Result<std::optional<registry::Credential>>(
			std::optional<registry::Credential>(cred));
	};
	registry::ClientOptions o;
	o.retry.attempts = 3;
	registry::Client client(reg, ep.baseUrl, ep.tls, source, o, ep.httpFallback);
	TB_TRY_CTX(client.checkLogin(), "logging in to " + reg);
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
