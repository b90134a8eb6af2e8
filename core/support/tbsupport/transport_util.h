// SPDX-License-Identifier: Apache-2.0
// Plumbing the in-tree transport plugins share: config checks, archive opening, layout listing.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tb/config_view.h>
#include <tb/host.h>
#include <tb/transport.h>

#include "tbsupport/oci_layout.h"
#include "tbsupport/tar_index.h"

namespace tb::support {

/// \brief Log a warning for every key of \a config not in \a known (they are ignored).
void warnUnknownKeys(Host &host, const ConfigView &config,
		     std::initializer_list<std::string_view> known);

/// \brief The tree of FILE for the archive transport \a scheme ("oci-archive"): read in place
/// when uncompressed, else unpacked under \a tmpDir. \return Errc::InvalidArgument for ""
Result<std::shared_ptr<const FileTree>>
openTransportArchive(std::string_view scheme, const std::string &file, const std::string &tmpDir);

/// \brief The entries of \a layout as Transport::list() gives them, named by their ref.name
/// ("" when untagged); a non-empty \a onlyTag keeps just the entries with that name.
Result<std::vector<ImageEntry>> listLayout(const OciLayout &layout, std::string_view onlyTag = {});

} // namespace tb::support
