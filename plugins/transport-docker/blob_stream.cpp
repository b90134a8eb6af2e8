// SPDX-License-Identifier: Apache-2.0
// Streaming blob download with resume. The worker owns the HTTP transfer; the reader side
// only ever sees bytes in order, exactly once, so the core's digest check stays valid.
#include "blob_stream.h"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace tb::docker {

namespace {

using registry::Client;

class BlobStream : public BlobReader {
public:
	BlobStream(Registries &regs, BlobLocation where, Descriptor blob)
	    : regs_(regs), where_(std::move(where)), blob_(std::move(blob)),
	      capacity_(regs.settings().streamBuffer)
	{
		worker_ = std::thread([this] { run(); });
	}
	~BlobStream() override
	{
		{
			std::lock_guard lock(m_);
			cancelled_ = true;
		}
		cv_.notify_all();
		worker_.join();
	}

	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		std::unique_lock lock(m_);
		cv_.wait(lock, [&] { return !chunks_.empty() || finished_; });
		if (chunks_.empty()) {
			if (error_)
				return unexpected(*error_);
			return size_t(0);
		}
		std::string &front = chunks_.front();
		size_t n = std::min(size, front.size() - frontOffset_);
		std::memcpy(buffer, front.data() + frontOffset_, n);
		frontOffset_ += n;
		buffered_ -= n;
		if (frontOffset_ == front.size()) {
			chunks_.pop_front();
			frontOffset_ = 0;
		}
		lock.unlock();
		cv_.notify_all();
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
		std::unique_lock lock(m_);
		cv_.wait(lock, [&] { return buffered_ < capacity_ || cancelled_; });
		if (cancelled_)
			return false;
		chunks_.emplace_back(data, n);
		buffered_ += n;
		offset_ += static_cast<int64_t>(n);
		lock.unlock();
		cv_.notify_all();
		regs_.progress().advance(blob_.digest.str(), static_cast<int64_t>(n));
		return true;
	}

	void finish(std::optional<Error> e)
	{
		{
			std::lock_guard lock(m_);
			error_ = std::move(e);
			finished_ = true;
		}
		cv_.notify_all();
		regs_.progress().done(blob_.digest.str(), !error_);
	}

	bool isCancelled()
	{
		std::lock_guard lock(m_);
		return cancelled_;
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
			req.abort = [this] { return isCancelled(); };
			registry::TransferError detail;
			auto resp = where_.client->send(req, {Client::pullScope(where_.repository)},
							&detail);
			if (isCancelled())
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
	size_t capacity_;
	std::thread worker_;
	std::mutex m_;
	std::condition_variable cv_;
	std::deque<std::string> chunks_;
	size_t frontOffset_ = 0;
	size_t buffered_ = 0;
	int64_t offset_ = 0; ///< bytes handed to the buffer (worker only)
	int64_t skip_ = 0;   ///< worker only
	bool cancelled_ = false;
	bool finished_ = false;
	std::optional<Error> error_;
};

} // namespace

std::unique_ptr<BlobReader> openBlobStream(Registries &regs, BlobLocation where,
					   const Descriptor &blob)
{
	return std::make_unique<BlobStream>(regs, std::move(where), blob);
}

} // namespace tb::docker
