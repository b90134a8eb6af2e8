// SPDX-License-Identifier: Apache-2.0
// zlib, ISA-L and libzstd streams for layer blobs: reproducible encoders, truncation-checked
// decoders.
#include "cache/codec.h"
#include "cache/isal_inflate.h"
#include "cache/pgzip.h"

#include <cstring>
#include <vector>

#include <zlib.h>
#include <zstd.h>

namespace tb::cache {

namespace {

constexpr size_t ChunkSize = 256 * 1024;

class ZstdEncoder : public Encoder {
public:
	ZstdEncoder(ByteSink sink, int threads)
	    : sink_(std::move(sink)), out_(ZSTD_CStreamOutSize()),
	      threads_(threads < 1 ? 1 : threads)
	{
	}
	~ZstdEncoder() override { ZSTD_freeCCtx(cctx_); }
	Result<void> init()
	{
		cctx_ = ZSTD_createCCtx();
		if (!cctx_ ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, 3)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1)))
			return err(Errc::Internal, "zstd: cannot set up the compressor");
		// Always zstd's multithreaded mode (even with one worker): its frames depend only
		// on the input, never on the worker count; single-threaded mode frames differently.
		if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx_, ZSTD_c_nbWorkers, threads_)))
			return err(Errc::Unsupported,
				   "zstd: this libzstd has no multithreading, which tb's "
				   "reproducible zstd layers need");
		return {};
	}
	Result<void> write(const void *data, size_t size) override
	{
		written_ += static_cast<int64_t>(size);
		return pump(data, size, ZSTD_e_continue);
	}
	Result<void> finish() override { return pump(nullptr, 0, ZSTD_e_end); }
	// Everything written so far: which input a flushed chunk holds is zstd's secret (its
	// stable API has no progression counters), so zstd layers err on the side of checking.
	int64_t inputBehindOutput() const override { return written_; }

private:
	Result<void> pump(const void *data, size_t size, ZSTD_EndDirective mode)
	{
		ZSTD_inBuffer in{data, size, 0};
		for (;;) {
			ZSTD_outBuffer out{out_.data(), out_.size(), 0};
			size_t left = ZSTD_compressStream2(cctx_, &out, &in, mode);
			if (ZSTD_isError(left))
				return err(Errc::Internal,
					   std::string("zstd: ") + ZSTD_getErrorName(left));
			if (out.pos)
				TB_TRY(sink_(out_.data(), out.pos));
			if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
				return {};
		}
	}
	ByteSink sink_;
	std::vector<unsigned char> out_;
	int threads_;
	int64_t written_ = 0;
	ZSTD_CCtx *cctx_ = nullptr;
};

class PlainEncoder : public Encoder {
public:
	explicit PlainEncoder(ByteSink sink) : sink_(std::move(sink)) {}
	Result<void> write(const void *data, size_t size) override
	{
		written_ += static_cast<int64_t>(size);
		return sink_(data, size);
	}
	Result<void> finish() override { return {}; }
	int64_t inputBehindOutput() const override { return written_; }

private:
	ByteSink sink_;
	int64_t written_ = 0;
};

// Input buffering shared by the decoders.
class InputBuffer {
public:
	explicit InputBuffer(BlobReader &src) : src_(src), buf_(ChunkSize) {}
	/// \brief Refill when empty; false at end of the source.
	Result<bool> fill()
	{
		if (pos_ < len_)
			return true;
		pos_ = 0;
		len_ = TB_TRY(src_.read(buf_.data(), buf_.size()));
		return len_ != 0;
	}
	const unsigned char *data() const { return buf_.data() + pos_; }
	size_t size() const { return len_ - pos_; }
	void consume(size_t n) { pos_ += n; }

private:
	BlobReader &src_;
	std::vector<unsigned char> buf_;
	size_t pos_ = 0, len_ = 0;
};

class GzipDecoder : public BlobReader {
public:
	explicit GzipDecoder(BlobReader &src) : in_(src) {}
	~GzipDecoder() override { inflateEnd(&z_); }
	Result<void> init()
	{
		if (inflateInit2(&z_, 31) != Z_OK)
			return err(Errc::Internal, "gzip: inflateInit2 failed");
		return {};
	}
	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		size_t produced = 0;
		while (produced == 0 && !done_) {
			bool more = TB_TRY(in_.fill());
			if (!more) {
				if (inMember_)
					return err(Errc::Corrupt, "truncated gzip stream");
				done_ = true;
				break;
			}
			if (!inMember_) { // another member must start with the gzip magic
				// inflate checks the rest of the header
				if (in_.data()[0] != 0x1f)
					return err(Errc::Corrupt,
						   "trailing garbage after the gzip stream");
				inflateReset(&z_);
				inMember_ = true;
			}
			z_.next_in = const_cast<Bytef *>(in_.data());
			z_.avail_in = static_cast<uInt>(in_.size());
			z_.next_out = static_cast<Bytef *>(buffer);
			z_.avail_out = static_cast<uInt>(size);
			int rc = inflate(&z_, Z_NO_FLUSH);
			in_.consume(in_.size() - z_.avail_in);
			produced = size - z_.avail_out;
			if (rc == Z_STREAM_END)
				inMember_ = false;
			else if (rc != Z_OK && rc != Z_BUF_ERROR)
				return err(Errc::Corrupt,
					   std::string("corrupt gzip stream: ") +
						   (z_.msg ? z_.msg : "inflate failed"));
		}
		return produced;
	}

private:
	InputBuffer in_;
	z_stream z_{};
	bool inMember_ = true;
	bool done_ = false;
};

class ZstdDecoder : public BlobReader {
public:
	explicit ZstdDecoder(BlobReader &src) : in_(src) {}
	~ZstdDecoder() override { ZSTD_freeDCtx(dctx_); }
	Result<void> init()
	{
		dctx_ = ZSTD_createDCtx();
		if (!dctx_)
			return err(Errc::Internal, "zstd: cannot create a decompressor");
		return {};
	}
	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		ZSTD_outBuffer out{buffer, size, 0};
		while (out.pos == 0 && !done_) {
			bool more = TB_TRY(in_.fill());
			if (!more) {
				if (pending_ != 0)
					return err(Errc::Corrupt, "truncated zstd stream");
				done_ = true;
				break;
			}
			ZSTD_inBuffer in{in_.data(), in_.size(), 0};
			pending_ = ZSTD_decompressStream(dctx_, &out, &in);
			in_.consume(in.pos);
			if (ZSTD_isError(pending_))
				return err(Errc::Corrupt, std::string("corrupt zstd stream: ") +
								  ZSTD_getErrorName(pending_));
		}
		return out.pos;
	}

private:
	InputBuffer in_;
	ZSTD_DCtx *dctx_ = nullptr;
	size_t pending_ = 1; // nonzero until a frame has been completed
	bool done_ = false;
};

class PlainDecoder : public BlobReader {
public:
	explicit PlainDecoder(BlobReader &src) : src_(src) {}
	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		return src_.read(buffer, size);
	}

private:
	BlobReader &src_;
};

} // namespace

Result<std::unique_ptr<Encoder>> makeEncoder(Compression c, ByteSink sink, int threads)
{
	switch (c) {
	case Compression::Gzip:
		return makeParallelGzipEncoder(std::move(sink), threads);
	case Compression::Zstd: {
		auto e = std::make_unique<ZstdEncoder>(std::move(sink), threads);
		TB_TRY(e->init());
		return std::unique_ptr<Encoder>(std::move(e));
	}
	case Compression::None:
		return std::unique_ptr<Encoder>(std::make_unique<PlainEncoder>(std::move(sink)));
	}
	return err(Errc::Internal, "unknown compression");
}

void RatioWatch::output(size_t size, int64_t behind)
{
	if (limits_ && behind > limits_->ratioFloorBytes &&
	    double(behind) > limits_->maxRatio * double(out_))
		suspect_ = true;
	out_ += static_cast<int64_t>(size);
}

Compression sniffCompression(const unsigned char *d, size_t n) noexcept
{
	if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b)
		return Compression::Gzip;
	if (n >= 4 && d[0] == 0x28 && d[1] == 0xb5 && d[2] == 0x2f && d[3] == 0xfd)
		return Compression::Zstd;
	if (n >= 4 && (d[0] & 0xf0) == 0x50 && d[1] == 0x2a && d[2] == 0x4d && d[3] == 0x18)
		return Compression::Zstd; // skippable frame (zstd:chunked puts its TOC there)
	return Compression::None;
}

Result<std::unique_ptr<BlobReader>> makeDecoder(Compression c, BlobReader &source)
{
	switch (c) {
	case Compression::Gzip: {
#ifdef TB_HAVE_ISAL
		return makeIsalGzipDecoder(source);
#endif
		auto d = std::make_unique<GzipDecoder>(source);
		TB_TRY(d->init());
		return std::unique_ptr<BlobReader>(std::move(d));
	}
	case Compression::Zstd: {
		auto d = std::make_unique<ZstdDecoder>(source);
		TB_TRY(d->init());
		return std::unique_ptr<BlobReader>(std::move(d));
	}
	case Compression::None:
		return std::unique_ptr<BlobReader>(std::make_unique<PlainDecoder>(source));
	}
	return err(Errc::Internal, "unknown compression");
}

} // namespace tb::cache
