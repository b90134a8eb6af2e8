// SPDX-License-Identifier: Apache-2.0
// `tb login` / `tb logout`: check credentials against the registry, keep them in auth.json.
#include <tb/login.h>

#include <tb/context.h>

#include "auth/credentials.h"
#include "tbsupport/reg_client.h"
#include "tbsupport/reg_endpoint.h"

namespace tb {

namespace {

// The registry settings the docker transport uses, as far as login needs them: its section
// as the plugin got it (declared defaults, `[registries."HOST"]` records), else as written.
registry::EndpointConfig endpointConfig(const Context &ctx, const LoginOptions &options)
{
	registry::EndpointConfig c;
	const Config &cfg = ctx.config();
	ConfigView docker = ctx.pluginConfig("transport.docker");
	auto addHost = [&](const std::string &host, const ConfigView &r) {
		c.hosts[host] =
			registry::HostSettings{r.getBool("insecure"), r.getString("ca"), {}};
	};
	for (const auto &host : docker.recordNames("registries"))
		addHost(host, docker.record("registries", host));
	if (auto t = cfg.pluginTables.find("registries"); t != cfg.pluginTables.end())
		for (const auto &[host, values] : t->second)
			if (!c.hosts.count(host))
				addHost(host, ConfigView(values));
	c.certsDirs = docker.getStrings("certs_dirs");
	if (c.certsDirs.empty())
		c.certsDirs = registry::defaultCertsDirs();
	for (const auto &h : docker.getStrings("insecure_registries"))
		c.hosts[h].insecure = true;
	if (!docker.getBool("tls_verify", true))
		c.tlsVerify = false;
	if (options.tlsVerify)
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
