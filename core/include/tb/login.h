// SPDX-License-Identifier: Apache-2.0
// libtb: registry credentials, as `tb login` / `tb logout` manage them (containers auth.json).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <tb/result.h>

namespace tb {

class Context;

struct LoginOptions {
	std::string authFile;          ///< --authfile; "" = $REGISTRY_AUTH_FILE, else the default
	std::optional<bool> tlsVerify; ///< --tls-verify; unset = per registry
};

/// \brief "HOST[:PORT]" of what a user may type: "docker://host/ns", "https://host/", "host".
Result<std::string> loginRegistryName(std::string_view text);

/// \brief Check \a user / \a password against \a registry (GET /v2/, Basic or a Bearer token),
/// then store them in the auth file (mode 0600). Nothing is written when they are refused
/// (Errc::PermissionDenied). Messages never hold the password.
/// \return the auth file written
Result<std::string> login(Context &ctx, std::string_view registry, std::string_view user,
			  std::string_view password, const LoginOptions &options);

/// \brief Remove \a registry's entry from the auth file. \return the file; Errc::NotFound
/// when there was none
Result<std::string> logout(Context &ctx, std::string_view registry, const LoginOptions &options);

} // namespace tb
