// SPDX-License-Identifier: Apache-2.0
// Registry requests with auth and retries. Only idempotent work is replayed: a request whose
// body cannot be produced again, or whose answer was already streamed, is not retried here.
#include "tbsupport/reg_client.h"

#include <algorithm>
#include <ctime>
#include <thread>

#include "tbsupport/json_fields.h"

namespace tb::registry {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

bool retryableStatus(long s)
{
	return s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

// Retry-After: delta-seconds or an HTTP-date.
std::optional<std::chrono::milliseconds> retryAfter(const Response &r)
{
	std::string v = r.header("retry-after");
	if (v.empty())
		return std::nullopt;
	if (std::all_of(v.begin(), v.end(), ::isdigit) && v.size() < 9)
		return std::chrono::milliseconds(std::stol(v) * 1000);
	struct tm tm = {};
	if (strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
		time_t at = timegm(&tm);
		time_t now = time(nullptr);
		return std::chrono::milliseconds(at > now ? (at - now) * 1000 : 0);
	}
	return std::nullopt;
}

} // namespace

Client::Client(std::string registry, std::string baseUrl, TlsSettings tls, CredentialSource creds,
	       ClientOptions options, bool allowHttpFallback)
    : registry_(std::move(registry)), baseUrl_(std::move(baseUrl)),
      httpFallback_(allowHttpFallback), creds_(std::move(creds)), options_(std::move(options)),
      http_(std::make_shared<Http>(std::move(tls), options_.timeouts))
{
}

std::string Client::baseUrl() const
{
	return httpUrl_.empty() ? baseUrl_ : httpUrl_;
}

std::string Client::url(std::string_view path) const
{
	if (path.starts_with("http://") || path.starts_with("https://"))
		return std::string(path);
	return baseUrl() + std::string(path);
}

std::string Client::pullScope(const std::string &repo)
{
	return "repository:" + repo + ":pull";
}

std::string Client::pushScope(const std::string &repo)
{
	return "repository:" + repo + ":pull,push";
}

std::string Client::describe(const Response &r)
{
	std::string out;
	if (auto v = support::parseJson(r.body); v && v->is_object()) {
		if (const auto *errs = v->as_object().if_contains("errors");
		    errs && errs->is_array())
			for (const auto &e : errs->as_array()) {
				if (!e.is_object())
					continue;
				auto code = support::stringField(e.as_object(), "code");
				auto msg = support::stringField(e.as_object(), "message");
				if (!out.empty())
					out += "; ";
				out += code.value_or("ERROR") + ": " + msg.value_or("");
				if (const auto *d = e.as_object().if_contains("detail");
				    d && d->is_string() && !d->get_string().empty())
					out += " (" + std::string(d->get_string()) + ")";
			}
	}
	std::string status = "HTTP " + std::to_string(r.status);
	if (out.empty()) // HEAD answers and proxies carry no JSON: name the status at least
		switch (r.status) {
		case 401:
			return status + " Unauthorized";
		case 403:
			return status + " Forbidden";
		case 404:
			return status + " Not Found";
		case 429:
			return status + " Too Many Requests";
		default:
			break;
		}
	return out.empty() ? status : status + " " + out;
}

void Client::noteWarnings(const Response &r)
{
	if (!options_.warn)
		return;
	for (const auto &w : r.headerAll("warning")) {
		std::lock_guard lock(mutex_);
		if (std::find(warned_.begin(), warned_.end(), w) != warned_.end() ||
		    warned_.size() > 32)
			continue;
		warned_.push_back(w);
		options_.warn("registry " + registry_ + " warns: " + w.substr(0, 4096));
	}
}

std::chrono::milliseconds Client::backoff(int attempt, const Response *r) const
{
	auto d = options_.retry.baseDelay * (1 << std::min(attempt, 16));
	if (r)
		if (auto ra = retryAfter(*r))
			d = *ra;
	return std::min(d, options_.retry.maxDelay);
}

Result<std::optional<Credential>> Client::credential()
{
	std::lock_guard lock(mutex_);
	if (!credLoaded_) {
		if (creds_)
			cred_ = TB_TRY_CTX(creds_(registry_), "credentials for " + registry_);
		credLoaded_ = true;
	}
	return cred_;
}

Result<Response> Client::sendOnce(const Request &req, TransferError *detail)
{
	TransferError local;
	TransferError &d = detail ? *detail : local;
	auto start = Clock::now();
	for (int attempt = 0;; ++attempt) {
		if (options_.cancelled && options_.cancelled())
			return err(Errc::Timeout, "cancelled");
		d = TransferError{};
		Request r = req;
		r.url = url(req.url);
		auto resp = http_->perform(r, &d);
		if (!resp && d.tls && httpFallback_ && httpUrl_.empty() &&
		    r.url.starts_with("https://")) {
			// insecure registry speaking plain HTTP
			std::lock_guard lock(mutex_);
			httpUrl_ = "http://" + baseUrl_.substr(8);
			if (options_.debug)
				options_.debug(registry_ + ": TLS failed, using " + httpUrl_);
			--attempt;
			continue;
		}
		bool replayable = !req.source && d.sunk == 0 && !d.aborted;
		bool transient = resp ? retryableStatus(resp->status)
				      : (resp.error().code == Errc::Unavailable ||
					 resp.error().code == Errc::Timeout);
		if (resp)
			noteWarnings(*resp);
		if (!transient || !replayable || attempt + 1 >= options_.retry.attempts)
			return resp;
		auto wait = backoff(attempt, resp ? &*resp : nullptr);
		if (Clock::now() - start + wait > options_.retry.totalTime)
			return resp;
		if (options_.debug)
			options_.debug(req.method + " " + redactUrl(r.url) + ": " +
				       (resp ? describe(*resp) : resp.error().message) +
				       "; retrying in " + std::to_string(wait.count()) + " ms");
		std::this_thread::sleep_for(wait);
	}
}

Result<std::optional<std::string>> Client::authorization(const std::vector<std::string> &scopes)
{
	std::optional<Challenge> c;
	{
		std::lock_guard lock(mutex_);
		c = challenge_;
	}
	if (!c)
		return std::optional<std::string>();
	if (c->scheme == "basic") {
		auto cred = TB_TRY(credential());
		if (!cred || cred->username.empty())
			return std::optional<std::string>();
		return std::optional<std::string>(
			basicAuthorization(cred->username, cred->password));
	}
	std::string token = TB_TRY(fetchToken(*c, scopes));
	return std::optional<std::string>("Bearer " + token);
}

Result<Response> Client::send(Request req, const std::vector<std::string> &scopesIn,
			      TransferError *detail)
{
	std::vector<std::string> scopes = scopesIn;
	std::vector<std::string> base = req.headers;
	bool sentAuth = false;
	auto refused = [&](const Response &resp) {
		bool anonymous = !credential().value_or(std::nullopt).has_value();
		return err(Errc::PermissionDenied,
			   req.method + " " + redactUrl(url(req.url)) + ": " + describe(resp) +
				   (anonymous ? " (no credentials for " + registry_ + ")"
					      : " (credentials refused)"));
	};
	for (int round = 0;; ++round) {
		req.headers = base;
		auto authz = TB_TRY_CTX(authorization(scopes), "authenticating to " + registry_);
		if (authz) {
			req.headers.push_back("Authorization: " + *authz);
			sentAuth = true;
		}
		auto resp = TB_TRY(sendOnce(req, detail));
		if (resp.status != 401)
			return resp;
		auto challenges = parseChallenges(resp.headerAll("www-authenticate"));
		const Challenge *pick = nullptr;
		for (const auto &ch : challenges)
			if (ch.scheme == "bearer" || (!pick && ch.scheme == "basic"))
				pick = &ch;
		bool narrow = pick && pick->scheme == "bearer" && pick->params.count("error") &&
			      pick->params.at("error") == "insufficient_scope";
		// Once with the challenge; once more only when the token was too narrow.
		if (!pick || round >= 2 || (round > 0 && (!sentAuth || !narrow)))
			return refused(resp);
		if (narrow) {
			// ask for what the registry named, too
			std::string s = pick->params.count("scope") ? pick->params.at("scope") : "";
			for (size_t p = 0; p != std::string::npos && !s.empty();) {
				size_t q = s.find(' ', p);
				std::string one = s.substr(p, q == std::string::npos ? q : q - p);
				if (!one.empty() &&
				    std::find(scopes.begin(), scopes.end(), one) == scopes.end())
					scopes.push_back(one);
				p = q == std::string::npos ? q : q + 1;
			}
		}
		if (req.source)
			return refused(resp); // the body was consumed; the caller may start over
		std::lock_guard lock(mutex_);
		if (sentAuth && challenge_ && challenge_->scheme == "bearer")
			tokens_.clear(); // refused or too narrow: fetch anew
		challenge_ = *pick;
	}
}

Result<void> Client::checkLogin()
{
	Request r;
	r.url = "/v2/";
	// A 401 with the credentials is PermissionDenied from send(); with Bearer the token
	// server already refused bad credentials while issuing the token.
	auto resp = TB_TRY(send(r, {}));
	if (resp.status == 200)
		return {};
	return err(Errc::Protocol, "GET " + redactUrl(url("/v2/")) + ": " + describe(resp));
}

} // namespace tb::registry
