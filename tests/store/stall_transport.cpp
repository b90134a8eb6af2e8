// SPDX-License-Identifier: Apache-2.0
// Test transport "stall:DIR:TAG": the image of an OCI layout, except that reading a layer blob
// stops for good halfway. A tb copying or extracting from it is caught mid-write, with its
// temp files in place, for as long as a test needs before killing it.
#include <chrono>
#include <thread>

#include <tb/plugin.h>
#include <tb/transport.h>

#include "tbsupport/layout_image.h"

namespace {

using namespace tb;

class StallingReader final : public BlobReader {
public:
	StallingReader(std::unique_ptr<BlobReader> inner, int64_t budget)
	    : inner_(std::move(inner)), budget_(budget)
	{
	}
	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		while (budget_ <= 0)
			std::this_thread::sleep_for(std::chrono::seconds(1));
		auto n = inner_->read(buffer, std::min<size_t>(size, static_cast<size_t>(budget_)));
		if (n)
			budget_ -= static_cast<int64_t>(*n);
		return n;
	}

private:
	std::unique_ptr<BlobReader> inner_;
	int64_t budget_;
};

class StallingSource final : public ImageSource {
public:
	explicit StallingSource(std::unique_ptr<ImageSource> inner) : inner_(std::move(inner)) {}
	Result<RawManifest> manifest(const std::optional<Digest> &instance) noexcept override
	{
		return inner_->manifest(instance);
	}
	Result<std::unique_ptr<BlobReader>> openBlob(const Descriptor &blob) noexcept override
	{
		auto r = TB_TRY(inner_->openBlob(blob));
		if (blob.mediaType.find("layer") == std::string::npos)
			return r;
		return std::unique_ptr<BlobReader>(
			std::make_unique<StallingReader>(std::move(r), blob.size / 2));
	}

private:
	std::unique_ptr<ImageSource> inner_;
};

class StallTransport final : public Transport {
public:
	Result<std::unique_ptr<ImageSource>> openSource(std::string_view location) noexcept override
	{
		return support::guard(
			"stall source", [&]() -> Result<std::unique_ptr<ImageSource>> {
				auto [dir, tag] = support::splitPathAndTag(location);
				auto src = TB_TRY(support::LayoutSource::open(dir, tag));
				return std::unique_ptr<ImageSource>(
					std::make_unique<StallingSource>(std::move(src)));
			});
	}
	Result<std::unique_ptr<ImageDestination>>
	openDestination(std::string_view) noexcept override
	{
		return err(Errc::Unsupported, "stall: read only");
	}
	Result<std::vector<ImageEntry>> list(std::string_view) noexcept override
	{
		return err(Errc::Unsupported, "stall: cannot list");
	}
};

Result<std::unique_ptr<Transport>> create(Host &, const ConfigView &)
{
	return std::unique_ptr<Transport>(std::make_unique<StallTransport>());
}

} // namespace

TB_PLUGIN(tb::Transport, "stall", "0.1.0", create);
