// SPDX-License-Identifier: Apache-2.0
// Host service tb.credentials: a chain of credential providers.
#include "auth/credential_chain.h"

#include "auth/credentials.h"

namespace tb {

namespace {

// The files podman, skopeo and docker write (auth.json, docker config.json) and the
// docker-credential-* helpers they name, in containers-auth.json(5) order.
class AuthFileCredentials final : public CredentialStore {
public:
	Result<Credential> lookup(std::string_view registry) noexcept override
	{
		return guarded("registry credentials", [&]() -> Result<Credential> {
			auto found = TB_TRY(auth::lookupCredential(std::string(registry)));
			if (!found)
				return err(Errc::NotFound,
					   "no credentials stored for " + std::string(registry));
			return Credential{found->username, found->password, found->identityToken,
					  "auth files", found->registryToken};
		});
	}
};

} // namespace

void CredentialChain::add(std::shared_ptr<CredentialStore> provider)
{
	if (provider)
		providers_.push_back(std::move(provider));
}

Result<Credential> CredentialChain::lookup(std::string_view registry) noexcept
{
	for (const auto &p : providers_) {
		auto c = p->lookup(registry);
		if (c || c.error().code != Errc::NotFound)
			return c;
	}
	return err(Errc::NotFound, "no credentials stored for " + std::string(registry));
}

std::shared_ptr<CredentialStore> defaultCredentialStore()
{
	auto chain = std::make_shared<CredentialChain>();
	chain->add(std::make_shared<AuthFileCredentials>());
	return chain;
}

} // namespace tb
