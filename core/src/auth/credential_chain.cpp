// SPDX-License-Identifier: Apache-2.0
// Host service tb.credentials: a chain of credential providers.
#include "auth/credential_chain.h"

namespace tb {

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
	// Providers (auth.json files, credential helpers) register here as they are written.
	return std::make_shared<CredentialChain>();
}

} // namespace tb
