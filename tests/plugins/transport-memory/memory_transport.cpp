// SPDX-License-Identifier: Apache-2.0
// Test transport "memory:NAME": images kept in the plugin instance, for loader/conformance tests.
#include <cstring>
#include <map>

#include <tb/transport.h>
#include <tbsupport/sha256.h>

#include "string_reader.h"

namespace {

using namespace tb;

struct Image {
	std::map<std::string, std::string> blobs; // digest -> bytes
	RawManifest manifest;
	bool committed = false;
};

using Store = std::map<std::string, Image>;

using test::StringReader;

class Source final : public ImageSource {
public:
	explicit Source(const Image &img) : img_(img) {}
	Result<RawManifest> manifest(const std::optional<Digest> &instance) noexcept override
	{
		if (instance)
			return err(Errc::NotFound, "memory: no child manifest " + instance->str());
		return img_.manifest;
	}
	Result<std::unique_ptr<BlobReader>> openBlob(const Descriptor &blob) noexcept override
	{
		auto it = img_.blobs.find(blob.digest.str());
		if (it == img_.blobs.end())
			return err(Errc::NotFound,
				   "memory: blob " + blob.digest.str() + " not found");
		return std::unique_ptr<BlobReader>(std::make_unique<StringReader>(it->second));
	}

private:
	const Image &img_;
};

class Destination final : public ImageDestination {
public:
	Destination(Store &store, std::string name) : store_(store), name_(std::move(name)) {}
	Result<bool> hasBlob(const Descriptor &blob) noexcept override
	{
		return staged_.blobs.count(blob.digest.str()) > 0;
	}
	Result<void> putBlob(const Descriptor &blob, BlobReader &data) noexcept override
	{
		std::string bytes;
		char buf[65536];
		for (;;) {
			auto n = data.read(buf, sizeof(buf));
			if (!n)
				return unexpected(std::move(n).error().wrap("memory: put blob"));
			if (*n == 0)
				break;
			bytes.append(buf, *n);
		}
		if (static_cast<int64_t>(bytes.size()) != blob.size)
			return err(Errc::Corrupt,
				   "memory: blob " + blob.digest.str() + ": size mismatch");
		if (support::Sha256::of(bytes) != blob.digest)
			return err(Errc::Corrupt,
				   "memory: blob " + blob.digest.str() + ": digest mismatch");
		staged_.blobs[blob.digest.str()] = std::move(bytes);
		return {};
	}
	Result<void> putManifest(const RawManifest &manifest) noexcept override
	{
		staged_.manifest = manifest;
		return {};
	}
	Result<void> commit() noexcept override
	{
		if (staged_.manifest.bytes.empty())
			return err(Errc::InvalidArgument,
				   "memory:" + name_ + ": commit without a manifest");
		staged_.committed = true;
		store_[name_] = staged_;
		return {};
	}

private:
	Store &store_;
	std::string name_;
	Image staged_;
};

class MemoryTransport final : public Transport {
public:
	Result<std::unique_ptr<ImageSource>> openSource(std::string_view location) noexcept override
	{
		auto it = store_.find(std::string(location));
		if (it == store_.end())
			return err(Errc::NotFound,
				   "memory:" + std::string(location) + ": no such image");
		return std::unique_ptr<ImageSource>(std::make_unique<Source>(it->second));
	}
	Result<std::unique_ptr<ImageDestination>>
	openDestination(std::string_view location) noexcept override
	{
		if (location.empty())
			return err(Errc::InvalidArgument, "memory: empty image name");
		return std::unique_ptr<ImageDestination>(
			std::make_unique<Destination>(store_, std::string(location)));
	}
	Result<std::vector<ImageEntry>> list(std::string_view) noexcept override
	{
		std::vector<ImageEntry> out;
		for (const auto &[name, img] : store_) {
			ImageEntry e;
			e.name = name;
			e.manifest.mediaType = img.manifest.mediaType;
			e.manifest.digest = support::Sha256::of(img.manifest.bytes);
			e.manifest.size = static_cast<int64_t>(img.manifest.bytes.size());
			out.push_back(std::move(e));
		}
		return out;
	}

private:
	Store store_;
};

Result<std::unique_ptr<Transport>> create(Host &, const ConfigView &)
{
	return std::unique_ptr<Transport>(std::make_unique<MemoryTransport>());
}

} // namespace

TB_PLUGIN(tb::Transport, "memory", "1.0.0", create);
