// SPDX-License-Identifier: Apache-2.0
// The bounded byte queue between a blob's download thread and its reader.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace tb::docker {

/// \brief A single-producer, single-consumer ring of bytes: one allocation, each side copies
/// outside the lock, and a side is woken only when the other can make real progress (the
/// reader once \a wakeBytes or the end are there, the writer once half the ring is free), not
/// for every piece curl delivers: per-piece hand-offs cost more CPU than the copies.
class ByteRing {
public:
	explicit ByteRing(size_t capacity, size_t wakeBytes = 128 * 1024);
	ByteRing(const ByteRing &) = delete;
	ByteRing &operator=(const ByteRing &) = delete;

	/// \brief Append all \a n bytes, waiting while the ring is full. False once cancelled.
	bool write(const char *data, size_t n);
	/// \brief Take up to \a size bytes, waiting for min(size, wakeBytes) of them or the end.
	/// 0 = closed and drained.
	size_t read(char *buffer, size_t size);
	/// \brief No more writes: read() drains what is there, then returns 0.
	void close();
	/// \brief The reader is gone: write() returns false from now on (and stops waiting).
	void cancel();
	bool cancelled();

	size_t capacity() const noexcept { return capacity_; }

private:
	const size_t capacity_;
	const size_t wakeBytes_;
	std::unique_ptr<char[]> bytes_;
	std::mutex m_;
	std::condition_variable data_, space_;
	// Stream positions: [head_, tail_) is filled, at offset position % capacity_.
	uint64_t head_ = 0, tail_ = 0;
	size_t readerWant_ = 0;
	bool readerWaiting_ = false, writerWaiting_ = false;
	bool closed_ = false, cancelled_ = false;
};

} // namespace tb::docker
