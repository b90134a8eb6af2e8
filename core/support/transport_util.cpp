// SPDX-License-Identifier: Apache-2.0
// Plumbing the in-tree transport plugins share: config checks, archive opening, layout listing.
#include "tbsupport/transport_util.h"

namespace tb::support {

void warnUnknownKeys(Host &host, const ConfigView &config,
		     std::initializer_list<std::string_view> known)
{
	for (const auto &key : config.unknownKeys(known))
		host.log(LogLevel::Warn, "unknown config key '" + key + "' (ignored)");
}

Result<std::shared_ptr<const FileTree>>
openTransportArchive(std::string_view scheme, const std::string &file, const std::string &tmpDir)
{
	if (file.empty())
		return err(Errc::InvalidArgument, std::string(scheme) + ": no file name");
	return openArchiveTree(file, "tb-" + std::string(scheme) + "-", tmpDir);
}

Result<std::vector<ImageEntry>> listLayout(const OciLayout &layout, std::string_view onlyTag)
{
	std::vector<ImageEntry> out;
	for (auto &e : TB_TRY(layout.entries())) {
		auto it = e.descriptor.annotations.find(std::string(RefNameAnnotation));
		std::string name =
			it != e.descriptor.annotations.end() ? it->second : std::string();
		if (!onlyTag.empty() && name != onlyTag)
			continue;
		out.push_back(ImageEntry{std::move(name), std::move(e.descriptor)});
	}
	return out;
}

} // namespace tb::support
