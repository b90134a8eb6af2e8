// SPDX-License-Identifier: Apache-2.0
// A client for one registry host: the distribution API's auth (anonymous, Basic, Bearer
// tokens per scope with a cache, insufficient_scope refetch, identity tokens) and retries
// (429/5xx/connection errors, capped exponential backoff honouring Retry-After).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tbsupport/reg_http.h"

namespace tb::registry {

/// \brief Credentials for one registry, from auth.json, a docker config or a helper.
struct Credential {
	std::string username;
	std::string password;
	std::string identityToken; ///< OAuth2 refresh token (helper Username "<token>")
	std::string registryToken; ///< a ready Bearer token (docker config `registrytoken`)
	bool empty() const
	{
		return username.empty() && password.empty() && identityToken.empty() &&
		       registryToken.empty();
	}
};

/// \brief Looks credentials up for "HOST[:PORT]"; nullopt = none stored (anonymous).
using CredentialSource = std::function<Result<std::optional<Credential>>(const std::string &)>;

/// \brief One parsed WWW-Authenticate challenge.
struct Challenge {
	std::string scheme;                        ///< lower-case: "basic", "bearer"
	std::map<std::string, std::string> params; ///< names lower-cased
};

/// \brief Parse WWW-Authenticate values (RFC 7235: several challenges, quoted strings).
std::vector<Challenge> parseChallenges(const std::vector<std::string> &values);

/// \brief base64(user:password), as Basic auth and auth.json's "auth" carry it.
std::string userPasswordBase64(const std::string &user, const std::string &password);

/// \brief "Basic base64(user:password)".
std::string basicAuthorization(const std::string &user, const std::string &password);

struct RetryPolicy {
	int attempts = 5;                                ///< tries per request, first included
	std::chrono::milliseconds baseDelay{200};        ///< doubled per retry
	std::chrono::milliseconds maxDelay{10'000};      ///< cap of one wait (and of Retry-After)
	std::chrono::milliseconds totalTime{5 * 60'000}; ///< give up after this much waiting+work
};

struct ClientOptions {
	RetryPolicy retry;
	HttpTimeouts timeouts;
	std::function<bool()> cancelled;                ///< polled between attempts
	std::function<void(const std::string &)> debug; ///< log line (never holds secrets)
	std::function<void(const std::string &)> warn;  ///< Warning headers, once each
	size_t maxTokenBytes = 1u << 20;
};

class Client {
public:
	/// \param registry "HOST[:PORT]" as the user wrote it (credential and cert lookup key)
	/// \param baseUrl "https://HOST[:PORT]" (the API host: registry-1.docker.io for docker.io)
	/// \param allowHttpFallback retry over http:// when the TLS handshake fails (insecure)
	Client(std::string registry, std::string baseUrl, TlsSettings tls, CredentialSource creds,
	       ClientOptions options, bool allowHttpFallback = false);

	const std::string &registry() const noexcept { return registry_; }
	std::string url(std::string_view path) const;
	std::string baseUrl() const;

	/// \brief Send \a req (a path or absolute URL) authorised for \a scopes, retried while
	/// nothing was streamed yet and the body can be sent again. Any HTTP status comes back;
	/// 401 after the auth dance is Errc::PermissionDenied.
	Result<Response> send(Request req, const std::vector<std::string> &scopes,
			      TransferError *detail = nullptr);

	/// \brief GET /v2/ with the credentials (tb login): ok when they are accepted.
	Result<void> checkLogin();

	/// \brief The registry's JSON error ("MANIFEST_UNKNOWN: manifest unknown") or the status.
	static std::string describe(const Response &r);

	/// \brief Scope strings of the distribution auth spec.
	static std::string pullScope(const std::string &repo);
	static std::string pushScope(const std::string &repo);

private:
	struct Token {
		std::string value;
		std::chrono::steady_clock::time_point expires;
	};
	Result<std::optional<std::string>> authorization(const std::vector<std::string> &scopes);
	Result<std::string> fetchToken(const Challenge &c, const std::vector<std::string> &scopes);
	Result<std::optional<Credential>> credential();
	Result<Response> sendOnce(const Request &req, TransferError *detail);
	std::chrono::milliseconds backoff(int attempt, const Response *r) const;
	void noteWarnings(const Response &r);

	std::string registry_;
	std::string baseUrl_;
	std::string httpUrl_;
	bool httpFallback_;
	CredentialSource creds_;
	ClientOptions options_;
	std::shared_ptr<Http> http_;
	std::mutex mutex_;
	std::optional<Challenge> challenge_;
	std::map<std::string, Token> tokens_;
	bool credLoaded_ = false;
	std::optional<Credential> cred_;
	std::vector<std::string> warned_;
};

} // namespace tb::registry
