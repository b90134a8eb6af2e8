// SPDX-License-Identifier: Apache-2.0
// Host service tb.credentials: asks its providers in order; the first that knows the
// registry answers.
#pragma once

#include <memory>
#include <vector>

#include <tb/services.h>

namespace tb {

class CredentialChain final : public CredentialStore {
public:
	/// \brief Providers are asked in the order added (e.g. auth.json, then a helper).
	void add(std::shared_ptr<CredentialStore> provider);
	/// \return the first provider's answer that is not Errc::NotFound; NotFound when none
	Result<Credential> lookup(std::string_view registry) noexcept override;

private:
	std::vector<std::shared_ptr<CredentialStore>> providers_;
};

/// \brief The core's credential lookup: the chain of providers in core/src/auth/.
std::shared_ptr<CredentialStore> defaultCredentialStore();

} // namespace tb
