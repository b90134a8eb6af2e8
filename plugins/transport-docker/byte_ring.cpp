// SPDX-License-Identifier: Apache-2.0
#include "byte_ring.h"

#include <algorithm>
#include <cstring>

namespace tb::docker {

ByteRing::ByteRing(size_t capacity, size_t wakeBytes)
    : capacity_(std::max<size_t>(capacity, 2)),
      wakeBytes_(std::clamp<size_t>(wakeBytes, 1, capacity_ / 2)),
      bytes_(new char[capacity_]) // not zeroed: pages are only touched as they fill
{
}

bool ByteRing::write(const char *data, size_t n)
{
	while (n > 0) {
		std::unique_lock lock(m_);
		if (tail_ - head_ == capacity_) {
			writerWaiting_ = true;
			space_.wait(lock, [&] {
				return capacity_ - (tail_ - head_) >= capacity_ / 2 || cancelled_;
			});
			writerWaiting_ = false;
		}
		if (cancelled_)
			return false;
		size_t k = std::min<size_t>(n, capacity_ - (tail_ - head_));
		size_t at = tail_ % capacity_;
		lock.unlock();
		// [tail_, head_ + capacity_) is the writer's alone until tail_ moves.
		size_t first = std::min(k, capacity_ - at);
		std::memcpy(bytes_.get() + at, data, first);
		std::memcpy(bytes_.get(), data + first, k - first);
		lock.lock();
		tail_ += k;
		bool wake = readerWaiting_ && tail_ - head_ >= readerWant_;
		lock.unlock();
		if (wake)
			data_.notify_one();
		data += k;
		n -= k;
	}
	return true;
}

size_t ByteRing::read(char *buffer, size_t size)
{
	std::unique_lock lock(m_);
	size_t want = std::min(size, wakeBytes_);
	if (tail_ - head_ < want && !closed_) {
		readerWant_ = want;
		readerWaiting_ = true;
		data_.wait(lock, [&] { return tail_ - head_ >= want || closed_; });
		readerWaiting_ = false;
	}
	size_t n = std::min<size_t>(size, tail_ - head_);
	size_t at = head_ % capacity_;
	lock.unlock();
	// [head_, tail_) is the reader's alone until head_ moves.
	size_t first = std::min(n, capacity_ - at);
	std::memcpy(buffer, bytes_.get() + at, first);
	std::memcpy(buffer + first, bytes_.get(), n - first);
	lock.lock();
	head_ += n;
	bool wake = writerWaiting_ && capacity_ - (tail_ - head_) >= capacity_ / 2;
	lock.unlock();
	if (wake)
		space_.notify_one();
	return n;
}

void ByteRing::close()
{
	{
		std::lock_guard lock(m_);
		closed_ = true;
	}
	data_.notify_one();
}

void ByteRing::cancel()
{
	{
		std::lock_guard lock(m_);
		cancelled_ = true;
	}
	space_.notify_one();
}

bool ByteRing::cancelled()
{
	std::lock_guard lock(m_);
	return cancelled_;
}

} // namespace tb::docker
