// SPDX-License-Identifier: Apache-2.0
// A small blocking HTTP client over libcurl for the registry transport and `tb login`:
// pooled handles (keep-alive), TLS settings per registry, streaming bodies both ways.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tb/result.h>

namespace tb::registry {

/// \brief How to verify a registry's TLS certificate.
struct TlsSettings {
	bool verify = true;                ///< false: --tls-verify=false / insecure = true
	std::vector<std::string> caFiles;  ///< extra CA certificates (PEM), added to the system's
	std::string clientCert, clientKey; ///< client certificate pair (certs.d *.cert/*.key)
};

/// \brief Timeouts of one connection.
struct HttpTimeouts {
	long connectSeconds = 30;
	long stallSeconds = 30; ///< abort when no byte moved for this long
};

struct Response {
	long status = 0;
	std::vector<std::pair<std::string, std::string>> headers; ///< names lower-cased
	std::string body; ///< the body when no sink took it (capped at Request::maxBody)
	std::string url;  ///< effective URL after redirects
	std::string header(std::string_view name) const;
	std::vector<std::string> headerAll(std::string_view name) const;
};

struct Request {
	std::string method = "GET";
	std::string url;
	std::vector<std::string> headers; ///< "Name: value"
	std::string body;                 ///< request body when \a source is empty
	/// Streaming upload: fills the buffer, returns bytes written (0 = end).
	std::function<Result<size_t>(char *, size_t)> source;
	int64_t sourceSize = -1; ///< Content-Length of \a source
	/// Takes the body of a 2xx answer instead of Response::body; false aborts the transfer.
	std::function<bool(const char *, size_t)> sink;
	/// Called once before the sink's first bytes with the 2xx status and headers; false aborts.
	std::function<bool(long, const Response &)> onStart;
	/// Polled while the transfer runs (also while it waits for an answer): true stops it
	/// (TransferError::aborted), so the owner of a download can give it up at once.
	std::function<bool()> abort;
	size_t maxBody = 4u << 20; ///< a longer in-memory body is Errc::LimitExceeded
	bool follow = true;        ///< follow redirects (Authorization is dropped across hosts)
};

/// \brief Transport-level failure of perform(): no HTTP answer, or the body broke off.
struct TransferError {
	Error error;
	bool tls = false;     ///< the TLS handshake failed (e.g. the server speaks plain HTTP)
	int64_t sunk = 0;     ///< body bytes already given to the sink
	bool aborted = false; ///< the sink or source asked to stop
};

class Http {
public:
	Http(TlsSettings tls, HttpTimeouts timeouts);
	~Http();
	Http(const Http &) = delete;
	Http &operator=(const Http &) = delete;

	/// \brief Run one request. Any HTTP status is a Response; transport failures and
	/// over-long bodies are errors (Errc::Unavailable, Timeout, LimitExceeded).
	Result<Response> perform(const Request &request, TransferError *detail = nullptr) noexcept;

	const TlsSettings &tls() const noexcept { return tls_; }

private:
	struct Handle;
	std::unique_ptr<Handle> take();
	void give(std::unique_ptr<Handle> h);

	TlsSettings tls_;
	HttpTimeouts timeouts_;
	std::string caBundle_; ///< system CAs + extra ones, when extra ones are configured
	std::mutex mutex_;
	std::vector<std::unique_ptr<Handle>> idle_;
};

/// \brief "https://host/v2/x?_state=…" without query and credentials, for messages.
std::string redactUrl(std::string_view url);

} // namespace tb::registry
