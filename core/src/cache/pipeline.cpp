// SPDX-License-Identifier: Apache-2.0
// ReadAhead: a single-producer, single-consumer ring of decode buffers.
#include "cache/pipeline.h"

#include <algorithm>

namespace tb::cache {

ReadAhead::ReadAhead(BlobReader &source, std::function<int64_t()> compressedCount,
		     std::function<void(const char *, size_t)> onChunk, size_t chunkSize,
		     size_t depth)
    : source_(source), compressedCount_(std::move(compressedCount)), onChunk_(std::move(onChunk)),
      slots_(depth)
{
	for (auto &s : slots_)
		s.buffer.resize(chunkSize);
	thread_ = std::thread([this] { produce(); });
	if (onChunk_)
		onChunkThread_ = std::thread([this] { digest(); });
}

ReadAhead::~ReadAhead()
{
	stop();
}

void ReadAhead::stop()
{
	{
		std::lock_guard lock(mutex_);
		stopping_ = true;
	}
	freed_.notify_all();
	if (thread_.joinable())
		thread_.join();
	// The producer is gone: the onChunk thread sees what was produced, then ends.
	{
		std::lock_guard lock(mutex_);
		produced_ = true;
	}
	filled_.notify_all();
	if (onChunkThread_.joinable())
		onChunkThread_.join();
}

void ReadAhead::produce()
{
	const size_t depth = slots_.size();
	for (;;) {
		size_t index;
		{
			std::unique_lock lock(mutex_);
			// [head_, tail_) are filled or held by the consumer (the chunk it parses).
			freed_.wait(lock, [&] {
				return stopping_ ||
				       tail_ - std::min(head_, onChunk_ ? seen_ : head_) < depth;
			});
			if (stopping_)
				return;
			index = tail_ % depth;
		}
		Slot &s = slots_[index];
		auto n = source_.read(s.buffer.data(), s.buffer.size());
		bool last = !n || *n == 0;
		s.error.reset();
		s.size = n ? *n : 0;
		if (!n)
			s.error = std::move(n).error();
		s.compressed = compressedCount_();
		{
			std::lock_guard lock(mutex_);
			++tail_;
		}
		filled_.notify_all();
		if (last)
			return;
	}
}

void ReadAhead::digest()
{
	for (;;) {
		size_t index;
		{
			std::unique_lock lock(mutex_);
			filled_.wait(lock, [&] { return produced_ || seen_ < tail_; });
			if (seen_ == tail_)
				return;
			index = seen_ % slots_.size();
		}
		const Slot &s = slots_[index];
		bool last = s.error || s.size == 0;
		if (!last)
			onChunk_(s.buffer.data(), s.size);
		{
			std::lock_guard lock(mutex_);
			++seen_;
		}
		freed_.notify_one();
		if (last)
			return;
	}
}

Result<ReadAhead::Chunk> ReadAhead::next()
{
	if (final_)
		return *final_;
	std::unique_lock lock(mutex_);
	if (holding_) {
		++head_;
		holding_ = false;
		freed_.notify_one();
	}
	filled_.wait(lock, [&] { return head_ < tail_; });
	Slot &s = slots_[head_ % slots_.size()];
	holding_ = true;
	if (s.error) {
		final_ = unexpected(*s.error);
		return *final_;
	}
	Chunk c{s.buffer.data(), s.size, s.compressed};
	if (s.size == 0)
		final_ = c;
	return c;
}

} // namespace tb::cache
