// SPDX-License-Identifier: Apache-2.0
// Parallel gzip encoder: in-order block queue, worker threads each with their own z_stream.
#include "cache/pgzip.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <zlib.h>

namespace tb::cache {

namespace {

constexpr size_t DictSize = 32 * 1024;
constexpr int Level = 6; // zlib's default, pigz's default

struct Job {
	std::vector<unsigned char> in;
	std::vector<unsigned char> dict;
	std::vector<unsigned char> out;
	uLong crc = 0;
	bool last = false;
	bool done = false;
	std::optional<Error> error;
};

// One raw-deflate stream reused for many blocks (deflateReset keeps its allocations).
class BlockDeflater {
public:
	~BlockDeflater()
	{
		if (ready_)
			deflateEnd(&z_);
	}
	Result<void> run(Job &job)
	{
		if (!ready_) {
			if (deflateInit2(&z_, Level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
			    Z_OK)
				return err(Errc::Internal, "gzip: deflateInit2 failed");
			ready_ = true;
		} else if (deflateReset(&z_) != Z_OK) {
			return err(Errc::Internal, "gzip: deflateReset failed");
		}
		if (!job.dict.empty() &&
		    deflateSetDictionary(&z_, job.dict.data(),
					 static_cast<uInt>(job.dict.size())) != Z_OK)
			return err(Errc::Internal, "gzip: deflateSetDictionary failed");
		job.crc = crc32(0, job.in.data(), static_cast<uInt>(job.in.size()));
		job.out.resize(deflateBound(&z_, job.in.size()) + 64);
		z_.next_in = job.in.data();
		z_.avail_in = static_cast<uInt>(job.in.size());
		size_t used = 0;
		int flush = job.last ? Z_FINISH : Z_SYNC_FLUSH;
		for (;;) {
			z_.next_out = job.out.data() + used;
			z_.avail_out = static_cast<uInt>(job.out.size() - used);
			int rc = deflate(&z_, flush);
			if (rc == Z_STREAM_ERROR)
				return err(Errc::Internal, "gzip: deflate failed");
			used = job.out.size() - z_.avail_out;
			bool complete = job.last ? rc == Z_STREAM_END
						 : z_.avail_in == 0 && z_.avail_out != 0;
			if (complete)
				break;
			job.out.resize(job.out.size() * 2);
		}
		job.out.resize(used);
		return {};
	}

private:
	z_stream z_{};
	bool ready_ = false;
};

class ParallelGzipEncoder : public Encoder {
public:
	ParallelGzipEncoder(ByteSink sink, int threads)
	    : sink_(std::move(sink)), threads_(threads < 1 ? 1 : threads)
	{
		cur_.reserve(ParallelGzipBlock);
	}
	~ParallelGzipEncoder() override
	{
		{
			std::lock_guard lock(mutex_);
			stopping_ = true;
		}
		wake_.notify_all();
		for (auto &t : workers_)
			t.join();
	}
	Result<void> init()
	{
		// No name, mtime 0, XFL 0, OS 3 (Unix): the header zlib writes for level 6.
		static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
		TB_TRY(sink_(header, sizeof header));
		if (threads_ > 1)
			for (int i = 0; i < threads_; ++i)
				workers_.emplace_back([this] { work(); });
		return {};
	}
	Result<void> write(const void *data, size_t size) override
	{
		auto *p = static_cast<const unsigned char *>(data);
		while (size) {
			size_t take = std::min(size, ParallelGzipBlock - cur_.size());
			cur_.insert(cur_.end(), p, p + take);
			p += take;
			size -= take;
			if (cur_.size() == ParallelGzipBlock)
				TB_TRY(submit(false));
		}
		return {};
	}
	Result<void> finish() override
	{
		TB_TRY(submit(true));
		while (!inflight_.empty())
			TB_TRY(emitFront());
		unsigned char trailer[8];
		for (int i = 0; i < 4; ++i) {
			trailer[i] = static_cast<unsigned char>(crc_ >> (8 * i));
			trailer[4 + i] = static_cast<unsigned char>(length_ >> (8 * i));
		}
		return sink_(trailer, sizeof trailer);
	}
	// emit() counts a block's input before its output goes to the sink.
	int64_t inputBehindOutput() const override { return static_cast<int64_t>(length_); }

private:
	Result<void> submit(bool last)
	{
		auto job = std::make_shared<Job>();
		job->last = last;
		job->dict = std::move(tail_);
		size_t keep = std::min(cur_.size(), DictSize);
		// Blocks before the last are full (128 KiB), so their tail is a whole dictionary.
		tail_.assign(cur_.end() - static_cast<ptrdiff_t>(keep), cur_.end());
		job->in = std::move(cur_);
		cur_ = {};
		cur_.reserve(ParallelGzipBlock);
		if (threads_ == 1) {
			TB_TRY(inline_.run(*job));
			return emit(*job);
		}
		{
			std::lock_guard lock(mutex_);
			queue_.push_back(job);
		}
		wake_.notify_one();
		inflight_.push_back(std::move(job));
		// Bounded memory (about 6 MiB), yet deep enough that the workers never run dry
		// while this thread waits to be scheduled on a busy machine.
		while (inflight_.size() > std::max<size_t>(32, 4 * static_cast<size_t>(threads_)))
			TB_TRY(emitFront());
		return {};
	}
	Result<void> emitFront()
	{
		auto job = std::move(inflight_.front());
		inflight_.pop_front();
		{
			std::unique_lock lock(mutex_);
			finished_.wait(lock, [&] { return job->done; });
		}
		if (job->error)
			return unexpected(std::move(*job->error));
		return emit(*job);
	}
	Result<void> emit(const Job &job)
	{
		crc_ = crc32_combine(crc_, job.crc, static_cast<z_off_t>(job.in.size()));
		length_ += job.in.size();
		return job.out.empty() ? Result<void>{} : sink_(job.out.data(), job.out.size());
	}
	void work()
	{
		BlockDeflater deflater;
		for (;;) {
			std::shared_ptr<Job> job;
			{
				std::unique_lock lock(mutex_);
				wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
				if (queue_.empty())
					return;
				job = std::move(queue_.front());
				queue_.pop_front();
			}
			auto r = deflater.run(*job);
			{
				std::lock_guard lock(mutex_);
				if (!r)
					job->error = std::move(r).error();
				job->done = true;
			}
			finished_.notify_all();
		}
	}

	ByteSink sink_;
	int threads_;
	std::vector<unsigned char> cur_, tail_;
	std::deque<std::shared_ptr<Job>> inflight_;
	BlockDeflater inline_;
	uLong crc_ = crc32(0, nullptr, 0);
	uint64_t length_ = 0;

	std::mutex mutex_;
	std::condition_variable wake_, finished_;
	std::deque<std::shared_ptr<Job>> queue_;
	bool stopping_ = false;
	std::vector<std::thread> workers_;
};

} // namespace

Result<std::unique_ptr<Encoder>> makeParallelGzipEncoder(ByteSink sink, int threads)
{
	auto e = std::make_unique<ParallelGzipEncoder>(std::move(sink), threads);
	TB_TRY(e->init());
	return std::unique_ptr<Encoder>(std::move(e));
}

} // namespace tb::cache
