// SPDX-License-Identifier: Apache-2.0
// libcurl behind tb::registry::Http. Handles are pooled so connections stay open between
// requests; every option is set again per request (curl_easy_reset keeps the connections).
#include "tbsupport/host_fs.h"
#include "tbsupport/reg_http.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include <curl/curl.h>

namespace tb::registry {

namespace {

std::once_flag curlInit;

struct Transfer {
	const Request *req = nullptr;
	CURL *curl = nullptr;
	Response *resp = nullptr;
	int64_t sunk = 0;
	bool tooLong = false;
	int64_t announced = -1; ///< Content-Length of an over-long answer, refused unread
	long status = 0;        ///< of the answer being received
	bool aborted = false;
	bool started = false;
	std::optional<Error> sourceError;
};

size_t onHeader(char *data, size_t size, size_t n, void *user)
{
	auto *t = static_cast<Transfer *>(user);
	std::string_view line(data, size * n);
	if (line.starts_with("HTTP/")) { // a new answer (after 100-continue or a redirect)
		t->resp->headers.clear();
		auto sp = line.find(' ');
		t->status = sp == std::string_view::npos
				    ? 0
				    : std::strtol(std::string(line.substr(sp + 1, 3)).c_str(),
						  nullptr, 10);
		return size * n;
	}
	auto colon = line.find(':');
	if (colon == std::string_view::npos)
		return size * n;
	std::string name = support::asciiLower(line.substr(0, colon));
	std::string value(support::trim(line.substr(colon + 1)));
	// An in-memory answer that announces more than the cap is refused before its body.
	bool inMemory = !(t->req->sink && t->status >= 200 && t->status < 300);
	if (name == "content-length" && inMemory && t->req->method != "HEAD" &&
	    !(t->status >= 300 && t->status < 400)) {
		long long announced = std::strtoll(value.c_str(), nullptr, 10);
		if (announced > 0 && static_cast<unsigned long long>(announced) > t->req->maxBody) {
			t->tooLong = true;
			t->announced = announced;
			return 0;
		}
	}
	t->resp->headers.emplace_back(std::move(name), std::move(value));
	return size * n;
}

size_t onBody(char *data, size_t size, size_t n, void *user)
{
	auto *t = static_cast<Transfer *>(user);
	size_t len = size * n;
	long status = 0;
	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
	if (t->req->sink && status >= 200 && status < 300) {
		if (!t->started) {
			t->started = true;
			if (t->req->onStart && !t->req->onStart(status, *t->resp)) {
				t->aborted = true;
				return 0;
			}
		}
		if (!t->req->sink(data, len)) {
			t->aborted = true;
			return 0;
		}
		t->sunk += static_cast<int64_t>(len);
		return len;
	}
	if (t->resp->body.size() + len > t->req->maxBody) {
		t->tooLong = true;
		return 0;
	}
	t->resp->body.append(data, len);
	return len;
}

size_t onRead(char *buffer, size_t size, size_t n, void *user)
{
	auto *t = static_cast<Transfer *>(user);
	auto r = t->req->source(buffer, size * n);
	if (!r) {
		t->sourceError = std::move(r).error();
		return CURL_READFUNC_ABORT;
	}
	return *r;
}

int onProgress(void *user, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
	auto *t = static_cast<Transfer *>(user);
	if (t->req->abort && t->req->abort()) {
		t->aborted = true;
		return 1;
	}
	return 0;
}

std::string slurp(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

} // namespace

struct Http::Handle {
	CURL *curl = nullptr;
	~Handle()
	{
		if (curl)
			curl_easy_cleanup(curl);
	}
};

std::string Response::header(std::string_view name) const
{
	std::string key = support::asciiLower(name);
	for (const auto &[k, v] : headers)
		if (k == key)
			return v;
	return {};
}

std::vector<std::string> Response::headerAll(std::string_view name) const
{
	std::string key = support::asciiLower(name);
	std::vector<std::string> out;
	for (const auto &[k, v] : headers)
		if (k == key)
			out.push_back(v);
	return out;
}

std::string redactUrl(std::string_view url)
{
	auto q = url.find('?');
	std::string out(url.substr(0, q));
	auto scheme = out.find("://");
	auto at = out.find('@', scheme == std::string::npos ? 0 : scheme + 3);
	auto slash = out.find('/', scheme == std::string::npos ? 0 : scheme + 3);
	if (scheme != std::string::npos && at != std::string::npos && at < slash)
		out.erase(scheme + 3, at - scheme - 2);
	return out;
}

Http::Http(TlsSettings tls, HttpTimeouts timeouts) : tls_(std::move(tls)), timeouts_(timeouts)
{
	std::call_once(curlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
	if (!tls_.caFiles.empty()) {
		// CAINFO_BLOB replaces the default store, so put the system's CAs in first.
		CURL *probe = curl_easy_init();
		char *system = nullptr;
		if (probe && curl_easy_getinfo(probe, CURLINFO_CAINFO, &system) == CURLE_OK &&
		    system)
			caBundle_ = slurp(system);
		if (probe)
			curl_easy_cleanup(probe);
		for (const auto &f : tls_.caFiles)
			caBundle_ += "\n" + slurp(f);
	}
}

Http::~Http() = default;

std::unique_ptr<Http::Handle> Http::take()
{
	{
		std::lock_guard lock(mutex_);
		if (!idle_.empty()) {
			auto h = std::move(idle_.back());
			idle_.pop_back();
			curl_easy_reset(h->curl);
			return h;
		}
	}
	auto h = std::make_unique<Handle>();
	h->curl = curl_easy_init();
	return h;
}

void Http::give(std::unique_ptr<Handle> h)
{
	std::lock_guard lock(mutex_);
	if (idle_.size() < 16)
		idle_.push_back(std::move(h));
}

Result<Response> Http::perform(const Request &req, TransferError *detail) noexcept
{
	try {
		auto h = take();
		if (!h->curl)
			return err(Errc::Internal, "curl_easy_init failed");
		CURL *c = h->curl;
		Response resp;
		Transfer t;
		t.req = &req;
		t.curl = c;
		t.resp = &resp;
		curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, req.follow ? 1L : 0L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeouts_.connectSeconds);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeouts_.stallSeconds);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "tb/" TB_REGISTRY_UA_VERSION);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
		curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, tls_.verify ? 1L : 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, tls_.verify ? 2L : 0L);
		curl_blob blob{};
		if (!caBundle_.empty()) {
			blob.data = caBundle_.data();
			blob.len = caBundle_.size();
			blob.flags = CURL_BLOB_NOCOPY;
			curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
		}
		if (!tls_.clientCert.empty()) {
			curl_easy_setopt(c, CURLOPT_SSLCERT, tls_.clientCert.c_str());
			curl_easy_setopt(c, CURLOPT_SSLKEY, tls_.clientKey.c_str());
		}
		if (req.abort) {
			curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
			curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, onProgress);
			curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
		}
		curl_slist *headers = nullptr;
		for (const auto &hd : req.headers)
			headers = curl_slist_append(headers, hd.c_str());
		// No "Expect: 100-continue" round trip on uploads.
		headers = curl_slist_append(headers, "Expect:");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
		if (req.method == "HEAD") {
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		} else if (req.method == "GET") {
			curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		} else {
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
			if (req.source) {
				curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
				curl_easy_setopt(c, CURLOPT_READFUNCTION, onRead);
				curl_easy_setopt(c, CURLOPT_READDATA, &t);
				curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
						 static_cast<curl_off_t>(req.sourceSize));
			} else {
				curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
				curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
						 static_cast<curl_off_t>(req.body.size()));
			}
		}
		CURLcode rc = curl_easy_perform(c);
		curl_slist_free_all(headers);
		char *effective = nullptr;
		curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
		if (effective)
			resp.url = effective;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
		std::string what = req.method + " " + redactUrl(req.url);
		if (rc != CURLE_OK) {
			Error e;
			if (t.sourceError)
				e = t.sourceError->wrap(what + ": request body");
			else if (t.tooLong && t.announced >= 0)
				e = Error{Errc::LimitExceeded,
					  what + ": answer of " + std::to_string(t.announced) +
						  " bytes (Content-Length) is over the " +
						  std::to_string(req.maxBody) +
						  " byte limit; refused unread"};
			else if (t.tooLong)
				e = Error{Errc::LimitExceeded, what + ": answer is larger than " +
								       std::to_string(req.maxBody) +
								       " bytes"};
			else if (rc == CURLE_OPERATION_TIMEDOUT)
				e = Error{Errc::Timeout,
					  what + ": " + curl_easy_strerror(rc) + " (no data for " +
						  std::to_string(timeouts_.stallSeconds) + " s)"};
			else
				e = Error{Errc::Unavailable, what + ": " + curl_easy_strerror(rc)};
			if (detail) {
				detail->error = e;
				detail->sunk = t.sunk;
				detail->aborted = t.aborted || t.sourceError.has_value();
				detail->tls = rc == CURLE_SSL_CONNECT_ERROR;
			}
			// A broken connection must not be reused.
			return unexpected(std::move(e));
		}
		give(std::move(h));
		return resp;
	} catch (...) {
		return err(Errc::Internal, detail::describeCurrentException(
						   "http", "http: non-standard exception"));
	}
}

} // namespace tb::registry
