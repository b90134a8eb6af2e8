// SPDX-License-Identifier: Apache-2.0
// transport.docker's shared state: clients per registry, mount candidates, transfer slots.
#include "docker_registry.h"

namespace tb::docker {

void TransferSlots::acquire()
{
	std::unique_lock lock(m_);
	cv_.wait(lock, [&] { return free_ > 0; });
	--free_;
}

void TransferSlots::release()
{
	{
		std::lock_guard lock(m_);
		++free_;
	}
	cv_.notify_one();
}

Registries::Registries(Host &host, Settings settings, registry::CredentialSource creds)
    : host_(host), settings_(std::move(settings)), creds_(std::move(creds)),
      progress_(makeProgress(host)), slots_(settings_.jobs), uploadSlots_(settings_.jobs)
{
}

std::shared_ptr<registry::Client> Registries::makeClient(const std::string &registry,
							 const std::string &endpointKey,
							 registry::CredentialSource creds,
							 std::optional<bool> tlsVerify)
{
	auto config =
		settings_.endpointsFor ? settings_.endpointsFor(endpointKey) : settings_.endpoints;
	if (tlsVerify)
		config.tlsVerify = tlsVerify;
	auto ep = registry::resolveEndpoint(endpointKey, config);
	registry::ClientOptions o;
	o.retry = settings_.retry;
	o.timeouts = settings_.timeouts;
	Host *h = &host_;
	o.debug = [h](const std::string &m) {
		if (h->logEnabled(LogLevel::Debug))
			h->log(LogLevel::Debug, m);
	};
	o.warn = [h](const std::string &m) { h->log(LogLevel::Warn, m); };
	// Credentials belong to the registry the user named, also when a mirror serves it.
	return std::make_shared<registry::Client>(registry, ep.baseUrl, ep.tls, std::move(creds), o,
						  ep.httpFallback);
}

std::shared_ptr<registry::Client> Registries::loginClient(const std::string &registry,
							  registry::Credential cred,
							  std::optional<bool> tlsVerify)
{
	registry::CredentialSource source =
		[cred = std::move(cred)](
			const std::string &) -> Result<std::optional<registry::Credential>> {
		return std::optional<registry::Credential>(cred);
	};
	return makeClient(registry, registry, std::move(source), tlsVerify);
}

std::shared_ptr<registry::Client> Registries::client(const std::string &registry)
{
	std::lock_guard lock(mutex_);
	auto &c = clients_[registry];
	if (!c)
		c = makeClient(registry, registry, creds_);
	return c;
}

std::vector<std::pair<std::shared_ptr<registry::Client>, std::string>>
Registries::mirrors(const std::string &registry)
{
	std::vector<std::pair<std::shared_ptr<registry::Client>, std::string>> out;
	auto it = settings_.endpoints.hosts.find(registry);
	if (it == settings_.endpoints.hosts.end())
		return out;
	for (const auto &m : it->second.mirrors) {
		std::string host = m.substr(0, m.find('/'));
		std::string prefix =
			m.find('/') == std::string::npos ? "" : m.substr(m.find('/') + 1);
		std::lock_guard lock(mutex_);
		auto &c = clients_["mirror\n" + host];
		if (!c)
			c = makeClient(host, host, creds_);
		out.emplace_back(c, prefix);
	}
	return out;
}

void Registries::noteBlobs(const std::string &registry, const std::string &repo,
			   const std::vector<std::string> &digests)
{
	std::lock_guard lock(mutex_);
	for (const auto &d : digests)
		seen_[d].insert(registry + "\n" + repo);
}

std::optional<std::string> Registries::mountSource(const std::string &registry,
						   const std::string &repo,
						   const std::string &digest)
{
	std::lock_guard lock(mutex_);
	auto it = seen_.find(digest);
	if (it == seen_.end())
		return std::nullopt;
	for (const auto &where : it->second) {
		auto nl = where.find('\n');
		if (where.substr(0, nl) == registry && where.substr(nl + 1) != repo)
			return where.substr(nl + 1);
	}
	return std::nullopt;
}

} // namespace tb::docker
