// SPDX-License-Identifier: Apache-2.0
// The Bearer token flow of the distribution auth spec: GET the realm (anonymous or with
// Basic credentials), or POST an OAuth2 refresh_token grant for identity tokens; tokens are
// cached per (realm, service, scopes) until they expire.
#include <algorithm>

#include <curl/curl.h>

#include "tbsupport/json_fields.h"
#include "tbsupport/reg_client.h"

namespace tb::registry {

using Clock = std::chrono::steady_clock;

namespace {

std::string escape(const std::string &s)
{
	std::string out;
	char *e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
	if (e) {
		out = e;
		curl_free(e);
	}
	return out;
}

std::string hostOf(std::string_view url)
{
	auto p = url.find("://");
	url = p == std::string_view::npos ? url : url.substr(p + 3);
	return std::string(url.substr(0, url.find_first_of("/?#")));
}

} // namespace

Result<std::string> Client::fetchToken(const Challenge &c, const std::vector<std::string> &scopesIn)
{
	auto realmIt = c.params.find("realm");
	if (realmIt == c.params.end() || realmIt->second.empty())
		return err(Errc::Protocol, "Bearer challenge without a realm");
	const std::string &realm = realmIt->second;
	if (!realm.starts_with("https://") && !realm.starts_with("http://"))
		return err(Errc::Protocol, "token realm '" + realm + "' is not an http(s) URL");
	// Credentials sent to a token server must be as protected as the registry itself.
	if (baseUrl().starts_with("https://") && realm.starts_with("http://"))
		return err(Errc::Protocol, "token realm " + redactUrl(realm) +
						   " is plain HTTP for an HTTPS registry; refused");
	std::string service = c.params.count("service") ? c.params.at("service") : "";
	std::vector<std::string> scopes = scopesIn;
	std::sort(scopes.begin(), scopes.end());
	scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
	std::string key = realm + "\n" + service;
	for (const auto &s : scopes)
		key += "\n" + s;
	{
		std::lock_guard lock(mutex_);
		auto it = tokens_.find(key);
		if (it != tokens_.end() && it->second.expires > Clock::now())
			return it->second.value;
	}
	auto cred = TB_TRY(credential());
	if (cred && !cred->registryToken.empty())
		return cred->registryToken;

	Request r;
	r.maxBody = options_.maxTokenBytes;
	r.follow = false;
	std::string what;
	if (cred && !cred->identityToken.empty()) {
		r.method = "POST";
		r.url = realm;
		r.headers.push_back("Content-Type: application/x-www-form-urlencoded");
		r.body = "grant_type=refresh_token&client_id=tb&service=" + escape(service) +
			 "&refresh_token=" + escape(cred->identityToken);
		for (const auto &s : scopes)
			r.body += "&scope=" + escape(s);
		what = "POST " + redactUrl(realm);
	} else {
		std::string q = realm + (realm.find('?') == std::string::npos ? "?" : "&");
		q += "service=" + escape(service);
		for (const auto &s : scopes)
			q += "&scope=" + escape(s);
		if (cred && !cred->username.empty()) {
			q += "&account=" + escape(cred->username);
			if (hostOf(realm) != hostOf(baseUrl()) && options_.debug)
				options_.debug("sending credentials to token server " +
					       hostOf(realm));
			r.headers.push_back("Authorization: " +
					    basicAuthorization(cred->username, cred->password));
		}
		r.url = q;
		what = "GET " + redactUrl(realm);
	}
	auto resp = TB_TRY_CTX(sendOnce(r, nullptr), "token request");
	if (resp.status == 401 || resp.status == 403)
		return err(Errc::PermissionDenied, what + ": " + describe(resp) +
							   " (credentials for " + registry_ +
							   (cred ? " refused)" : " needed)"));
	if (resp.status != 200)
		return err(Errc::Protocol, what + ": " + describe(resp));
	auto v = support::parseJson(resp.body);
	if (!v || !v->is_object())
		return err(Errc::Protocol, what + ": answer is not a JSON object");
	const auto &o = v->as_object();
	std::string token = support::stringField(o, "token").value_or("");
	if (token.empty())
		token = support::stringField(o, "access_token").value_or("");
	if (token.empty())
		return err(Errc::Protocol, what + ": answer holds no token");
	int64_t expires = std::max<int64_t>(support::intField(o, "expires_in").value_or(60), 60);
	{
		std::lock_guard lock(mutex_);
		// Renew a little early so a long request does not start with a token about to die.
		tokens_[key] = Token{token, Clock::now() + std::chrono::seconds(expires - 5)};
		if (auto refresh = support::stringField(o, "refresh_token");
		    refresh && cred_ && !refresh->empty())
			cred_->identityToken = *refresh;
	}
	return token;
}

} // namespace tb::registry
