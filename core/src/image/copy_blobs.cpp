// SPDX-License-Identifier: Apache-2.0
// Parallel blob copy: a few worker threads take blobs from a shared list. A transport that
// did not declare concurrentBlobs() sees its calls one at a time (a gate); a destination that
// did not is written sequentially. The first error stops the rest: a reader that is read
// after it returns an error, so every running putBlob() abandons its upload or temp file.
#include "image/copy_blobs.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "image/verify.h"

namespace tb::image {

namespace {

// One side of the copy: its calls are serialised unless its transport allows concurrency.
class Gate {
public:
	explicit Gate(bool concurrent) : concurrent_(concurrent) {}
	std::unique_lock<std::mutex> hold()
	{
		return concurrent_ ? std::unique_lock<std::mutex>() : std::unique_lock(m_);
	}

private:
	bool concurrent_;
	std::mutex m_;
};

// concurrentBlobs() exists from minor 2 of the transport API: older plugins are serialised.
template<typename T>
bool concurrent(const T &object)
{
	return hasMinor(object, 2) && object.concurrentBlobs();
}

struct Shared {
	Shared(ImageSource &source, ImageDestination &dest, std::string_view name, CopyReport &out)
	    : src(source), dst(dest), image(name), srcGate(concurrent(source)),
	      dstGate(concurrent(dest)), report(out)
	{
	}
	ImageSource &src;
	ImageDestination &dst;
	std::string image;
	Gate srcGate;
	Gate dstGate;
	std::atomic<bool> stop{false};
	std::mutex m;
	std::optional<Error> first;
	CopyReport &report;
};

// A source reader behind the source's gate that fails once another blob failed.
class GatedReader : public BlobReader {
public:
	GatedReader(std::unique_ptr<BlobReader> inner, Shared &s) : inner_(std::move(inner)), s_(s)
	{
	}
	~GatedReader() override
	{
		auto lock = s_.srcGate.hold();
		inner_.reset();
	}
	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		if (s_.stop)
			return err(Errc::Unavailable, "stopped: another blob of the copy failed");
		auto lock = s_.srcGate.hold();
		return inner_->read(buffer, size);
	}

private:
	std::unique_ptr<BlobReader> inner_;
	Shared &s_;
};

Result<void> copyOne(Shared &s, const Descriptor &blob)
{
	std::string ctx = "image " + s.image + ": blob " + blob.digest.str();
	bool have = false;
	{
		auto lock = s.dstGate.hold();
		have = TB_TRY_CTX(s.dst.hasBlob(blob), ctx);
	}
	if (have) {
		std::lock_guard lock(s.m);
		++s.report.blobsSkipped;
		return {};
	}
	if (blob.digest.algorithm != "sha256")
		return err(Errc::Unsupported, ctx + ": cannot verify digest algorithm '" +
						      blob.digest.algorithm + "'");
	std::unique_ptr<BlobReader> inner;
	{
		auto lock = s.srcGate.hold();
		// Transports name the blob in their errors already.
		inner = TB_TRY_CTX(s.src.openBlob(blob), "image " + s.image);
	}
	VerifyingReader reader(std::make_unique<GatedReader>(std::move(inner), s), blob, s.image);
	Result<void> put;
	{
		auto lock = s.dstGate.hold();
		put = s.dst.putBlob(blob, reader);
	}
	if (!put) {
		// The source's fault reads better than the destination's wrapping of it.
		if (reader.failure())
			return unexpected(*reader.failure());
		return unexpected(std::move(put).error().wrap(ctx));
	}
	std::lock_guard lock(s.m);
	++s.report.blobsCopied;
	s.report.bytesCopied += blob.size;
	return {};
}

void fail(Shared &s, Error e)
{
	std::lock_guard lock(s.m);
	// Errors of transfers stopped because of the first one are consequences, not news.
	if (!s.first && !s.stop)
		s.first = std::move(e);
	s.stop = true;
}

} // namespace

Result<void> copyBlobs(ImageSource &src, ImageDestination &dst,
		       const std::vector<Descriptor> &blobs, std::string_view image, int jobs,
		       CopyReport &report)
{
	// A digest listed twice is copied once (the second time it would be skipped anyway).
	std::vector<const Descriptor *> todo;
	std::set<Digest> seen;
	for (const auto &b : blobs) {
		if (seen.insert(b.digest).second)
			todo.push_back(&b);
		else
			++report.blobsSkipped;
	}
	bool parallel = concurrent(dst);
	Shared s(src, dst, image, report);
	std::atomic<size_t> next{0};
	auto work = [&]() noexcept {
		try {
			while (!s.stop) {
				size_t i = next++;
				if (i >= todo.size())
					break;
				if (auto r = copyOne(s, *todo[i]); !r)
					fail(s, std::move(r).error());
			}
		} catch (...) {
			fail(s, Error{Errc::Internal,
				      detail::describeCurrentException(
					      "copy", "copy: non-standard exception")});
		}
	};
	size_t workers = parallel ? std::min<size_t>(std::max(jobs, 1), todo.size()) : 1;
	std::vector<std::thread> threads;
	for (size_t i = 1; i < workers; ++i) {
		try {
			threads.emplace_back(work);
		} catch (const std::system_error &) {
			break; // fewer threads, same result
		}
	}
	work();
	for (auto &t : threads)
		t.join();
	if (s.first)
		return unexpected(std::move(*s.first));
	return {};
}

} // namespace tb::image
