// SPDX-License-Identifier: Apache-2.0
// Extraction pipeline: reading, verifying and decoding a layer on one thread, hashing the
// decoded bytes on a second, while the caller untars and writes files on a third.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <tb/transport.h>

namespace tb::cache {

/// \brief Reads \a source (the decoder and everything below it) on its own thread into a
/// bounded ring of buffers; next() hands them out in order. The source is only touched by
/// that thread until stop() or destruction, which join it.
class ReadAhead {
public:
	struct Chunk {
		const char *data = nullptr;
		size_t size = 0;        ///< 0 = end of the source
		int64_t compressed = 0; ///< compressedCount() when the chunk was produced
	};
	/// \param compressedCount read on the producer thread after each chunk
	/// \param onChunk called with each chunk's bytes, in order, on a third thread that
	/// reads the slots alongside the consumer (a slot is reused once both are done with
	/// it): the diff_id's SHA-256 is as costly as decoding a zstd layer, and on neither of
	/// the other threads does it leave the three stages balanced. All of the chunks
	/// produced are passed to it before stop() returns.
	ReadAhead(BlobReader &source, std::function<int64_t()> compressedCount,
		  std::function<void(const char *, size_t)> onChunk = {},
		  size_t chunkSize = 256 * 1024, size_t depth = 8);
	~ReadAhead();
	ReadAhead(const ReadAhead &) = delete;
	ReadAhead &operator=(const ReadAhead &) = delete;

	/// \brief The next chunk; it stays valid until the next call. After the end (or an
	/// error) every call returns the same.
	Result<Chunk> next();
	/// \brief Stop reading and join the thread (idempotent).
	void stop();

private:
	struct Slot {
		std::vector<char> buffer;
		size_t size = 0;
		int64_t compressed = 0;
		std::optional<Error> error;
	};
	void produce();
	void digest();

	BlobReader &source_;
	std::function<int64_t()> compressedCount_;
	std::function<void(const char *, size_t)> onChunk_;
	std::vector<Slot> slots_;
	// Ring: slots [head_, tail_) are filled; the consumer holds head_-1 until next(); the
	// onChunk thread has seen [0, seen_). A slot is free when both are past it.
	std::mutex mutex_;
	std::condition_variable filled_, freed_;
	size_t head_ = 0, tail_ = 0, seen_ = 0;
	bool holding_ = false, stopping_ = false, produced_ = false;
	std::optional<Result<Chunk>> final_;
	std::thread thread_, onChunkThread_;
};

} // namespace tb::cache
