// SPDX-License-Identifier: Apache-2.0
// Building a spec from one probe's report: host paths, device nodes, driver-file mounts.
#pragma once

#include <string>
#include <string_view>

#include <tb/cdi.h>
#include <tb/gpu_probe.h>

#include "host_facts.h"
#include "internal/profiles.h"

namespace tb::cdi {

/// \brief Where host files are: read under root (through facts); written as root + path when
/// prefixed.
class HostMap {
public:
	HostMap(std::string root, bool prefixed, HostFacts &facts);
	const std::string &root() const { return root_; }
	HostFacts &facts() const { return facts_; }
	/// \brief The spec's hostPath for \a path ("" when the spec should omit it).
	std::string hostPath(std::string_view path) const;
	/// \brief A mount's hostPath for \a path: hostPath(), or the path itself.
	std::string mountSource(std::string_view path) const;

private:
	std::string root_;
	std::string prefix_; // root without trailing '/' when prefixed and not "/"; else ""
	HostFacts &facts_;
};

/// \brief A probe's node as a spec node (permissions rwm); the gid (and \a gids) only for a
/// real node that its group, not everyone, may open.
CdiDeviceNode specNode(const DeviceNode &node, const HostMap &host, std::vector<uint32_t> &gids);

/// \brief Driver libraries, firmware, binaries, config files and IPC sockets the profile
/// wants, as mounts; and the nvidia-cdi-hook hooks when that binary is on the host, else
/// extra mounts of each library at its SONAME links so the loader finds it without ldconfig.
void addDriverFiles(const ProbeReport &report, const ResolvedProfile &profile, const HostMap &host,
		    CdiContainerEdits &edits);

} // namespace tb::cdi
