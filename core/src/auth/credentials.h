// SPDX-License-Identifier: Apache-2.0
// Registry credentials as podman, skopeo and docker store them: containers auth.json files,
// docker config.json (`auths`, `credHelpers`, `credsStore`) and docker-credential-* helpers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <tb/result.h>

#include "tbsupport/reg_client.h"

namespace tb::auth {

/// \brief "docker.io" for Docker Hub's aliases; otherwise HOST[:PORT] of \a key, which may be
/// a URL ("https://host:5000/v1/") as old docker configs write it.
std::string normaliseRegistryKey(std::string_view key);

/// \brief What one auth file says for a registry: a credential, a helper to ask, or nothing.
struct AuthFileEntry {
	std::optional<registry::Credential> credential;
	std::string helper;      ///< "pass" for docker-credential-pass; "" = no helper
	std::string helperField; ///< "credHelpers" or "credsStore"
};

/// \brief Parse an auth.json / docker config.json text (\a where names it in errors) and pick
/// \a registry's entry: credHelpers[host], then auths[host], then credsStore. Runs nothing.
Result<AuthFileEntry> resolveAuthJson(std::string_view text, const std::string &registry,
				      const std::string &where);

/// \brief The files read, in order: \a explicitFile (--authfile), else $REGISTRY_AUTH_FILE
/// (either alone), else $XDG_RUNTIME_DIR/containers/auth.json,
/// ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json, ${DOCKER_CONFIG:-~/.docker}/config.json.
std::vector<std::string> authFileSearchOrder(const std::string &explicitFile);

/// \brief Where `tb login` writes: \a explicitFile, $REGISTRY_AUTH_FILE,
/// $XDG_RUNTIME_DIR/containers/auth.json, else ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json.
std::string authFileForWriting(const std::string &explicitFile);

/// \brief First credential found for \a registry ("HOST[:PORT]") in the search order; per
/// file: credHelpers[host], then auths[host], then credsStore. nullopt = none (anonymous).
/// Errors name the file or helper, never a secret.
Result<std::optional<registry::Credential>> lookupCredential(const std::string &registry,
							     const std::string &explicitFile = {});

/// \brief Ask `docker-credential-<helper> get` for \a serverUrl.
Result<std::optional<registry::Credential>> runCredentialHelper(const std::string &helper,
								const std::string &serverUrl);

/// \brief `docker-credential-<helper> store` / `erase` for \a serverUrl. erase: false when
/// the helper had nothing for it.
Result<void> storeWithHelper(const std::string &helper, const std::string &serverUrl,
			     const std::string &user, const std::string &password);
Result<bool> eraseWithHelper(const std::string &helper, const std::string &serverUrl);

/// \brief The helper `tb login` stores into, as docker login does: the docker config's
/// credHelpers[registry], else its credsStore. "" when there is none, or when an auth file is
/// named (\a explicitFile, $REGISTRY_AUTH_FILE), which then wins.
Result<std::string> loginHelper(const std::string &registry, const std::string &explicitFile);

/// \brief Store user/password for \a registry: through loginHelper() when there is one (a
/// stale entry of the containers auth.json is removed then), else in the containers
/// auth.json (mode 0600, written atomically, other entries kept). \return where
Result<std::string> storeCredential(const std::string &registry, const std::string &user,
				    const std::string &password, const std::string &explicitFile);

/// \brief Remove \a registry's entry (from loginHelper() and the containers auth.json).
/// \return Errc::NotFound when there was none
Result<std::string> removeCredential(const std::string &registry, const std::string &explicitFile);

} // namespace tb::auth
