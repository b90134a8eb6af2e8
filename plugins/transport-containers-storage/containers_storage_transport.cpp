// SPDX-License-Identifier: Apache-2.0
// `containers-storage:REF` (read only): podman's local images, exported with
// `podman image save --format oci-archive` and read in place as an OCI layout.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tb/plugin.h>
#include <tb/transport.h>

#include "tbsupport/layout_image.h"
#include "tbsupport/subprocess.h"
#include "tbsupport/tar_dir.h"
#include "tbsupport/tar_index.h"
#include "tbsupport/transport_util.h"

namespace tb {

namespace {

using support::guard;

class ContainersStorage : public Transport {
public:
	ContainersStorage(std::string podman, std::vector<std::string> args, std::string tmpDir)
	    : podman_(std::move(podman)), args_(std::move(args)), tmpDir_(std::move(tmpDir))
	{
	}

	Result<std::unique_ptr<ImageSource>> openSource(std::string_view location) noexcept override
	{
		return guard(
			"containers-storage source", [&]() -> Result<std::unique_ptr<ImageSource>> {
				std::vector<std::string> argv{podman_};
				argv.insert(argv.end(), args_.begin(), args_.end());
				std::string ref(location);
				// skopeo's "[driver@graphroot+runroot]ref" store selector.
				if (ref.starts_with("[")) {
					auto close = ref.find(']');
					auto at = ref.find('@');
					auto plus = ref.find('+');
					if (close == std::string::npos || at > close ||
					    plus > close || plus < at)
						return err(Errc::InvalidArgument,
							   "store selector must be "
							   "[driver@graphroot+runroot]");
					argv.insert(argv.end(),
						    {"--storage-driver", ref.substr(1, at - 1),
						     "--root", ref.substr(at + 1, plus - at - 1),
						     "--runroot",
						     ref.substr(plus + 1, close - plus - 1)});
					ref = ref.substr(close + 1);
				}
				if (ref.empty() || ref.starts_with("-"))
					return err(Errc::InvalidArgument, "no image reference");
				auto dir = TB_TRY(support::TempDir::create("tb-containers-storage-",
									   tmpDir_));
				std::string tar = dir.path() + "/image.tar";
				argv.insert(argv.end(), {"image", "save", "--format", "oci-archive",
							 "-o", tar, ref});
				auto r = TB_TRY(support::runProcess(argv));
				if (r.exitCode != 0) {
					std::string why = support::lastLine(r.stderrText);
					bool missing =
						why.find("image not known") != std::string::npos ||
						why.find("no such image") != std::string::npos;
					bool badRef = why.find("invalid reference format") !=
						      std::string::npos;
					return err(missing  ? Errc::NotFound
						   : badRef ? Errc::InvalidArgument
							    : Errc::Unavailable,
						   podman_ + " image save failed (exit " +
							   std::to_string(r.exitCode) +
							   "): " + why);
				}
				// Read in place: the export is the only copy made. The index reads
				// it through its own fd (a compressed one is decompressed into an
				// unlinked temp file), so it is unlinked now: a killed tb leaves no
				// export behind.
				auto tree = TB_TRY(support::openArchiveTree(
					tar, "tb-containers-storage-", tmpDir_));
				{
					support::TempDir gone = std::move(dir);
				}
				auto layout = TB_TRY(support::LayoutSource::open(
					std::move(tree), "", "podman image " + ref));
				return std::unique_ptr<ImageSource>(std::move(layout));
			});
	}

	Result<std::unique_ptr<ImageDestination>>
	openDestination(std::string_view location) noexcept override
	{
		return err(Errc::Unsupported, "containers-storage:" + std::string(location) +
						      ": tb only reads podman's storage (write an "
						      "oci-archive and `podman load` it)");
	}

	Result<std::vector<ImageEntry>> list(std::string_view) noexcept override
	{
		return err(Errc::Unsupported, "containers-storage: listing is `podman images`");
	}

private:
	std::string podman_;
	std::vector<std::string> args_;
	std::string tmpDir_;
};

// Declared for `tb config validate/init` and docs/config.md; the core checks the section.
const Setting kKeys[] = {
	{"podman", SettingType::String, "\"podman\"", "the podman executable that reads the store"},
	{"args", SettingType::StringList, "[]",
	 "extra podman arguments (\"--root\", \"/var/lib/containers/storage\")"},
	{"tmp_dir", SettingType::String, "\"\"",
	 "where images are staged; \"\" = the system temporary directory"},
};
constexpr PluginSettings kSettings = declareSettings(kKeys);

Result<std::unique_ptr<Transport>> create(Host &host, const ConfigView &config)
{
	support::warnUnknownKeys(host, config, {"podman", "args", "tmp_dir"});
	return std::unique_ptr<Transport>(std::make_unique<ContainersStorage>(
		config.getString("podman", "podman"), config.getStrings("args"),
		config.getString("tmp_dir")));
}

} // namespace

} // namespace tb

TB_PLUGIN(tb::Transport, "containers-storage", "0.1.0", tb::create, tb::kSettings);
