// SPDX-License-Identifier: Apache-2.0
// Device-node lookup under a host root: stat() for real nodes, a text stand-in for fixtures.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <sys/types.h>

#include <tb/gpu.h>
#include <tb/result.h>

namespace tb::support {

class HostTree;

/// \brief Split a dev_t with glibc's major()/minor() (12-bit majors, 20-bit minors).
void splitDev(dev_t dev, int64_t &major, int64_t &minor);

/// \brief Parse the fixture stand-in "c MAJ:MIN [MODE]" (MODE octal, e.g. 0666).
/// \return Errc::Corrupt when the text is not of that form
Result<DeviceNode> parseNodeStandIn(std::string_view text);

/// \brief Look up the device node \a absolute ("/dev/nvidia0") below \a root.
///
/// A real character or block device gives type, major/minor (glibc major()/minor()) and mode
/// from stat(). Fixture hosts cannot hold device nodes without privileges, so when \a root is
/// not "/" a regular file whose content is "c MAJ:MIN [MODE]" stands in for one. On the real
/// root a regular file is never taken for a device.
/// \return Errc::NotFound when absent, Errc::Corrupt when present but not a device node
Result<DeviceNode> statDeviceNode(const std::string &root, std::string_view absolute);
/// \brief statDeviceNode() for a probe that holds its host root open.
Result<DeviceNode> statDeviceNode(const HostTree &tree, std::string_view absolute);

} // namespace tb::support
