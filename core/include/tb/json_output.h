// SPDX-License-Identifier: Apache-2.0
// The machine-readable (--json) documents of the store and image verbs, rendered by libtb so
// that every program on it prints the same JSON (`tb images/inspect/prune --json`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <tb/cdi.h>
#include <tb/context.h>
#include <tb/images.h>

namespace tb {

/// \brief `tb images --json`: an array of {name, digest, mediaType, size, variant, targets
/// [{backend, arch, warp_size}], entryCount?, error?}.
std::string imageListJson(const std::vector<ImageSummary> &images);

/// \brief `tb inspect --json`: skopeo inspect's keys with its JSON types (null where Go
/// prints a nil map, slice or time), then tb's (MediaType, Config, Annotations, Size,
/// IndexDigest, ArtifactType, Cache).
std::string imageInspectionJson(const ImageInspection &inspection);

/// \brief `tb prune --json`: {dryRun, bytes, items [{kind, path, bytes}]}.
std::string pruneReportJson(const PruneReport &report);

/// \brief "blob" or "temp", as `tb prune` names what it removes.
std::string_view prunedItemKindName(PrunedItem::Kind kind) noexcept;

/// \brief `tb cdi list --json`: {"devices": [{name, file, conflict|null}], "errors": [...]},
/// one device per line. Names and paths come from spec files: every string is escaped as
/// JSON requires (control characters included).
std::string cdiListingJson(const CdiListing &listing);

/// \brief `tb plugins ls --json`: {"plugins": [{kind, name, uri, version, apiVersion, status,
/// reason, path}]}.
std::string pluginListJson(const std::vector<PluginInfo> &plugins);

/// \brief `tb version --json`: {version, pluginAbiVersion, cxxAbiTag, apiVersions {KIND:
/// "MAJOR.MINOR"}} for the kinds this core loads.
std::string versionJson();

} // namespace tb
