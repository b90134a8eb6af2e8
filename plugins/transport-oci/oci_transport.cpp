// SPDX-License-Identifier: Apache-2.0
// The `oci:DIR[:TAG]` transport: an OCI image layout directory, read and write.
#include <memory>
#include <string>
#include <string_view>

#include <tb/plugin.h>
#include <tb/transport.h>

#include "tbsupport/layout_image.h"
#include "tbsupport/transport_util.h"

namespace tb {

namespace {

class OciTransport : public Transport {
public:
	explicit OciTransport(Host &host) : host_(host) {}

	Result<std::unique_ptr<ImageSource>> openSource(std::string_view location) noexcept override
	{
		return support::guard("oci source", [&]() -> Result<std::unique_ptr<ImageSource>> {
			auto [dir, tag] = support::splitPathAndTag(location);
			if (dir.empty())
				return err(Errc::InvalidArgument,
					   "oci:" + std::string(location) + ": no directory");
			auto src = TB_TRY(support::LayoutSource::open(dir, tag));
			return std::unique_ptr<ImageSource>(std::move(src));
		});
	}

	Result<std::unique_ptr<ImageDestination>>
	openDestination(std::string_view location) noexcept override
	{
		return support::guard(
			"oci destination", [&]() -> Result<std::unique_ptr<ImageDestination>> {
				auto [dir, tag] = support::splitPathAndTag(location);
				auto dst = TB_TRY_CTX(support::LayoutDestination::create(dir, tag),
						      "oci:" + std::string(location));
				return std::unique_ptr<ImageDestination>(std::move(dst));
			});
	}

	uint32_t roles() const noexcept override { return TransportRole::LayoutStore; }

	Result<std::vector<ImageEntry>> list(std::string_view location) noexcept override
	{
		return support::guard("oci list", [&]() -> Result<std::vector<ImageEntry>> {
			auto [dir, tag] = support::splitPathAndTag(location);
			auto layout = TB_TRY(support::OciLayout::open(dir));
			return support::listLayout(layout, tag);
		});
	}

private:
	Host &host_;
};

Result<std::unique_ptr<Transport>> create(Host &host, const ConfigView &config)
{
	support::warnUnknownKeys(host, config, {});
	return std::unique_ptr<Transport>(std::make_unique<OciTransport>(host));
}

} // namespace

} // namespace tb

TB_PLUGIN(tb::Transport, "oci", "0.1.0", tb::create);
