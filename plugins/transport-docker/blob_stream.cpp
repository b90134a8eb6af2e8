// SPDX-License-Identifier: Apache-2.0
// Streaming blob download with resume. The worker owns the HTTP transfer; the reader side
// only ever sees bytes in order, exactly once, so the core's digest check stays valid.
#include "blob_stream.h"

#include <optional>
#include <thread>

#include "byte_ring.h"

namespace tb::docker {

namespace {

using registry::Client;

class BlobStream : public BlobReader {
public:
	BlobStream(Registries &regs, BlobLocation where, Descriptor blob)
	    : regs_(regs), where_(std::move(where)), blob_(std::move(blob)),
	      ring_(regs.settings().streamBuffer)
	{
		worker_ = std::thread([this] { run(); });
	}
	~BlobStream() override
	{
		ring_.cancel();
		worker_.join();
	}

	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		size_t n = ring_.read(static_cast<char *>(buffer), size);
		if (n == 0 && size > 0 && error_) // set before the ring was closed
			return unexpected(*error_);
		return n;
	}

private:
	// Called on the worker from curl's write callback: blocks while the buffer is full.
	bool push(const char *data, size_t n)
	{
		if (skip_ > 0) { // the server ignored Range: drop what the reader already has
			size_t s = std::min<int64_t>(skip_, static_cast<int64_t>(n));
			skip_ -= static_cast<int64_t>(s);
			data += s;
			n -= s;
			if (n == 0)
				return true;
		}
		if (!ring_.write(data, n))
			return false;
		offset_ += static_cast<int64_t>(n);
		regs_.progress().advance(blob_.digest.str(), static_cast<int64_t>(n));
		return true;
	}

	void finish(std::optional<Error> e)
	{
		error_ = std::move(e);
		bool ok = !error_;
		ring_.close();
		regs_.progress().done(blob_.digest.str(), ok);
	}

	void run()
	{
		regs_.slots().acquire();
		regs_.progress().start(blob_.digest.str(), where_.label, blob_.size);
		finish(download());
		regs_.slots().release();
	}

	std::optional<Error> download()
	{
		const auto &policy = regs_.settings().retry;
		int failures = 0;
		auto started = std::chrono::steady_clock::now();
		for (;;) {
			int64_t from = offset_;
			registry::Request req;
			req.url = "/v2/" + where_.repository + "/blobs/" + blob_.digest.str();
			if (from > 0)
				req.headers.push_back("Range: bytes=" + std::to_string(from) + "-");
			req.onStart = [this, from](long status, const registry::Response &r) {
				if (from == 0)
					return true;
				if (status == 200) {
					skip_ = from; // Range ignored: restart, dropping the known
						      // part
					return true;
				}
				std::string cr = r.header("content-range");
				return cr.starts_with("bytes " + std::to_string(from) + "-");
			};
			req.sink = [this](const char *d, size_t n) { return push(d, n); };
			// The reader gone (a failed or stopped copy): give up without waiting for
			// data.
			req.abort = [this] { return ring_.cancelled(); };
			registry::TransferError detail;
			auto resp = where_.client->send(req, {Client::pullScope(where_.repository)},
							&detail);
			if (ring_.cancelled())
				return Error{Errc::Timeout, where_.label + ": cancelled"};
			if (resp) {
				if (resp->status == 200 || resp->status == 206)
					return std::nullopt;
				Errc code = resp->status == 404 ? Errc::NotFound : Errc::Protocol;
				return Error{code, where_.label + ": " + Client::describe(*resp)};
			}
			Error e = std::move(resp).error();
			bool transient = e.code == Errc::Unavailable || e.code == Errc::Timeout;
			// send() already retried what failed before any byte came; here we resume
			// what broke off midway. Progress resets the count of failures.
			if (offset_ > from)
				failures = 0;
			if (!transient || detail.aborted || ++failures >= policy.attempts ||
			    std::chrono::steady_clock::now() - started > policy.totalTime)
				return e.wrap(where_.label + " (after " + std::to_string(offset_) +
					      " of " + std::to_string(blob_.size) + " bytes)");
			regs_.host().log(LogLevel::Info, where_.label + ": " + e.message +
								 "; resuming at byte " +
								 std::to_string(offset_));
			std::this_thread::sleep_for(std::min(
				policy.baseDelay * (1 << std::min(failures, 10)), policy.maxDelay));
		}
	}

	Registries &regs_;
	BlobLocation where_;
	Descriptor blob_;
	ByteRing ring_;
	std::thread worker_;
	int64_t offset_ = 0;         ///< bytes handed to the ring (worker only)
	int64_t skip_ = 0;           ///< worker only
	std::optional<Error> error_; ///< the worker's until it closes the ring
};

} // namespace

std::unique_ptr<BlobReader> openBlobStream(Registries &regs, BlobLocation where,
					   const Descriptor &blob)
{
	return std::make_unique<BlobStream>(regs, std::move(where), blob);
}

} // namespace tb::docker
