// SPDX-License-Identifier: Apache-2.0
// Streaming gzip/zstd encoders (reproducible headers) and decoders (sniffed, truncation-checked).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include <tb/caches.h>
#include <tb/result.h>
#include <tb/transport.h>

namespace tb::cache {

/// \brief Where an encoder puts its output.
using ByteSink = std::function<Result<void>(const void *data, size_t size)>;

class Encoder {
public:
	virtual ~Encoder() = default;
	virtual Result<void> write(const void *data, size_t size) = 0;
	/// \brief Flush the trailer. Call once.
	virtual Result<void> finish() = 0;
	/// \brief An upper bound on the input bytes a decoder gets back from the output handed
	/// to the sink so far, this call's bytes included when called from inside the sink.
	virtual int64_t inputBehindOutput() const = 0;
};

/// \brief Whether extract's running max_ratio check (decoded bytes over compressed bytes
/// read, past ratioFloorBytes) could trip on a layer, judged while the layer is written.
/// Every output chunk is checked against the input behind it, so an encoder whose output
/// lags its input by megabytes (parallel gzip, multithreaded zstd) is not always suspect.
class RatioWatch {
public:
	explicit RatioWatch(const ExtractLimits *limits) : limits_(limits) {}
	/// \brief Before \a size output bytes go out; \a behind is the encoder's
	/// inputBehindOutput() with them. A decoder that has read into these bytes has at most
	/// \a behind bytes out and more than outputBytes() in.
	void output(size_t size, int64_t behind);
	bool suspect() const { return suspect_; }
	int64_t outputBytes() const { return out_; }

private:
	const ExtractLimits *limits_;
	int64_t out_ = 0;
	bool suspect_ = false;
};

/// \brief gzip: one member, no name, mtime 0, deflated in 128 KiB blocks on \a threads
/// threads (pgzip.h); zstd: level 3 with checksum, zstd's multithreaded mode with \a threads
/// workers. The same input gives the same bytes on every run and for every thread count.
Result<std::unique_ptr<Encoder>> makeEncoder(Compression c, ByteSink sink, int threads = 1);

/// \brief Compression recognised from the first bytes: gzip 1f 8b, zstd 28 b5 2f fd or a
/// skippable frame, anything else plain tar.
Compression sniffCompression(const unsigned char *data, size_t size) noexcept;

/// \brief A BlobReader that decodes \a source. Multi-member gzip and multi-frame zstd are read
/// to the end; a stream that stops early is Errc::Corrupt ("truncated").
Result<std::unique_ptr<BlobReader>> makeDecoder(Compression c, BlobReader &source);

} // namespace tb::cache
