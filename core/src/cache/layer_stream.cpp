// SPDX-License-Identifier: Apache-2.0
// One layer, streamed: blob bytes verified (size, digest) and decoded on a read-ahead thread,
// the diff_id hashed on another; capped and untarred on the caller's.
#include "cache/layer_stream.h"

#include <cstring>
#include <vector>

#include <archive.h>
#include <archive_entry.h>

#include <tb/printable.h>

#include "cache/cache_internal.h"
#include "cache/codec.h"
#include "cache/pipeline.h"
#include "tbsupport/sha256.h"

namespace tb::cache {

namespace {

constexpr int64_t PaddingSlack = 1 << 20;

// Counts and hashes the compressed bytes; refuses to read past the descriptor's size.
class VerifyingReader : public BlobReader {
public:
	VerifyingReader(BlobReader &src, int64_t size) : src_(src), size_(size) {}
	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		if (!peeked_.empty()) {
			size_t n = std::min(size, peeked_.size());
			std::memcpy(buffer, peeked_.data(), n);
			peeked_.erase(0, n);
			return n;
		}
		size_t n = TB_TRY(src_.read(buffer, size));
		return account(buffer, n);
	}
	/// \brief The first bytes, for sniffing; they are returned again by read().
	Result<std::string> peek(size_t want)
	{
		while (peeked_.size() < want) {
			char buf[16];
			size_t n =
				TB_TRY(src_.read(buf, std::min(sizeof buf, want - peeked_.size())));
			if (n == 0)
				break;
			TB_TRY(account(buf, n));
			peeked_.append(buf, n);
		}
		return peeked_;
	}
	int64_t count() const { return count_; }
	Digest digest() { return hash_.finish(); }

private:
	Result<size_t> account(const void *data, size_t n)
	{
		count_ += static_cast<int64_t>(n);
		if (count_ > size_)
			return err(Errc::Corrupt, "blob is larger than its descriptor's size " +
							  std::to_string(size_));
		hash_.update(data, n);
		return n;
	}
	BlobReader &src_;
	int64_t size_;
	int64_t count_ = 0;
	std::string peeked_;
	support::Sha256 hash_;
};

// The consumer end of the pipeline: the caps, then libarchive.
struct ReadContext {
	ReadAhead *decoded = nullptr;
	int64_t uncompressed = 0;
	int64_t totalBefore = 0;
	const ExtractLimits *limits = nullptr;
	const char *data = nullptr;
	std::optional<Error> error;

	Result<size_t> next()
	{
		auto c = TB_TRY(decoded->next());
		data = c.data;
		size_t n = c.size;
		uncompressed += static_cast<int64_t>(n);
		// Entries are capped on their declared sizes; this backstop allows for tar padding.
		if (totalBefore + uncompressed > limits->maxTotalBytes + PaddingSlack)
			return err(Errc::LimitExceeded,
				   "uncompressed data over max_total_bytes " +
					   std::to_string(limits->maxTotalBytes));
		if (uncompressed > limits->ratioFloorBytes && c.compressed > 0 &&
		    double(uncompressed) / double(c.compressed) > limits->maxRatio)
			return err(Errc::LimitExceeded,
				   "expands more than " + std::to_string(int(limits->maxRatio)) +
					   "x (max_ratio): decompression bomb");
		return n;
	}
};

la_ssize_t readCallback(struct archive *a, void *user, const void **out)
{
	auto *ctx = static_cast<ReadContext *>(user);
	auto n = ctx->next();
	if (!n) {
		ctx->error = std::move(n).error();
		archive_set_error(a, EIO, "%s", ctx->error->message.c_str());
		return -1;
	}
	*out = ctx->data;
	return static_cast<la_ssize_t>(*n);
}

struct ReaderDeleter {
	void operator()(struct archive *a) const { archive_read_free(a); }
};

} // namespace

Result<int64_t> extractLayer(BlobReader &blob, const Descriptor &layer, const Digest *diffId,
			     StagingTree &tree, const ExtractOptions &options, int64_t totalBefore)
{
	Utf8Locale utf8; // entry names as the UTF-8 create wrote
	VerifyingReader verified(blob, layer.size);
	std::string magic = TB_TRY(verified.peek(4));
	auto compression = sniffCompression(reinterpret_cast<const unsigned char *>(magic.data()),
					    magic.size());
	auto decoder = TB_TRY(makeDecoder(compression, verified));
	// Reading, the blob digest and decoding run on the read-ahead thread, the diff_id on a
	// third; tar parsing and file writes on this one. Declared after what it uses:
	// destroyed first. An uncompressed layer's diff_id is its blob digest: hashed once.
	bool plain = compression == Compression::None;
	support::Sha256 diffHash;
	std::function<void(const char *, size_t)> hashDiff;
	if (!plain)
		hashDiff = [&diffHash](const char *d, size_t n) { diffHash.update(d, n); };
	ReadAhead readAhead(
		*decoder, [&verified] { return verified.count(); }, hashDiff);
	ReadContext ctx;
	ctx.decoded = &readAhead;
	ctx.totalBefore = totalBefore;
	ctx.limits = &options.limits;

	std::unique_ptr<struct archive, ReaderDeleter> a(archive_read_new());
	archive_read_support_format_tar(a.get());
	if (archive_read_open(a.get(), &ctx, nullptr, readCallback, nullptr) != ARCHIVE_OK)
		return err(ctx.error ? ctx.error->code : Errc::Corrupt,
			   ctx.error ? ctx.error->message
				     : std::string("not a tar stream: ") + archiveError(a.get()));
	tree.beginLayer();
	std::string last; // names the entry in stream-level errors (caps, corrupt data)
	auto streamError = [&](std::string_view where) {
		return unexpected(last.empty() ? *ctx.error
					       : ctx.error->wrap(std::string(where) + " entry '" +
								 last + "'"));
	};
	for (;;) {
		struct archive_entry *e = nullptr;
		int rc = archive_read_next_header(a.get(), &e);
		if (rc == ARCHIVE_EOF)
			break;
		if (ctx.error)
			return streamError("after");
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
			return err(Errc::Corrupt,
				   std::string("bad tar stream: ") + archiveError(a.get()) +
					   (last.empty() ? "" : " (after entry '" + last + "')"));
		const char *name = archive_entry_pathname(e);
		last = printable(name ? name : ""); // for messages only
		auto r = tree.addEntry(a.get(), e, totalBefore);
		if (ctx.error) // the data callback failed under addEntry: that is the real cause
			return streamError("in");
		if (!r)
			return unexpected(std::move(r).error());
	}
	if (ctx.error)
		return streamError("after");
	// Read to the true end: padding after the tar end, further gzip members, the size check.
	for (;;) {
		size_t n = TB_TRY(ctx.next());
		if (n == 0)
			break;
	}
	readAhead.stop(); // the decoder and blob are ours again
	char probe[1];
	if (TB_TRY(verified.read(probe, 1)) != 0)
		return err(Errc::Corrupt, "data after the end of the compressed stream");
	if (verified.count() != layer.size)
		return err(Errc::Corrupt, "blob is " + std::to_string(verified.count()) +
						  " bytes, descriptor says " +
						  std::to_string(layer.size));
	if (layer.digest.algorithm != "sha256")
		return err(Errc::Unsupported, "digest algorithm '" + layer.digest.algorithm + "'");
	Digest got = verified.digest();
	if (got != layer.digest)
		return err(Errc::Corrupt, "blob digest mismatch: got " + got.str());
	Digest diff = plain ? got : diffHash.finish();
	if (diffId && !diffId->empty() && diff != *diffId)
		return err(Errc::Corrupt, "diff_id mismatch: uncompressed digest is " + diff.str() +
						  ", config says " + diffId->str());
	return ctx.uncompressed;
}

Result<void> checkLayerStream(BlobReader &blob, const Descriptor &layer,
			      const ExtractLimits &limits)
{
	VerifyingReader verified(blob, layer.size);
	std::string magic = TB_TRY(verified.peek(4));
	auto compression = sniffCompression(reinterpret_cast<const unsigned char *>(magic.data()),
					    magic.size());
	auto decoder = TB_TRY(makeDecoder(compression, verified));
	ReadAhead readAhead(*decoder, [&verified] { return verified.count(); });
	ReadContext ctx;
	ctx.decoded = &readAhead;
	ctx.limits = &limits;
	while (TB_TRY(ctx.next()) > 0) {
	}
	return {};
}

} // namespace tb::cache
