// SPDX-License-Identifier: Apache-2.0
// PCI sysfs helpers: one device's ids, bound driver, NUMA node and DRM nodes under a host root.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tb::support {

class HostTree;

/// \brief What /sys/bus/pci/devices/<bdf>/ tells about one function.
struct PciDevice {
	std::string bdf;        ///< "0000:3b:00.0"
	uint32_t vendor = 0;    ///< 0x10de
	uint32_t device = 0;    ///< 0x1eb8
	uint32_t classCode = 0; ///< 0x030200
	std::string driver;     ///< basename of the driver link ("nvidia"), "" when unbound
	int numaNode = -1;
	std::string sysPath; ///< host path of the device dir after symlinks ("/sys/devices/...")
	std::vector<std::string> drmCards;   ///< "card0" entries of drm/, sorted by number
	std::vector<std::string> drmRenders; ///< "renderD128" entries of drm/, sorted by number
};

/// \brief "DDDD:BB:DD.F" in lower-case hex.
bool isBdf(std::string_view name);
/// \brief Format a BDF from its parts ("0000:3b:00.0").
std::string formatBdf(uint32_t domain, uint32_t bus, uint32_t dev, uint32_t fn);
/// \brief "0x1eb8" (4 hex digits, lower-case).
std::string hexId(uint32_t id);

/// \brief Read /sys/bus/pci/devices/<bdf> under \a root; false when the device is absent.
bool readPciDevice(const std::string &root, std::string_view bdf, PciDevice &out);
/// \brief readPciDevice() for a probe that holds its host root open (cheaper per device).
bool readPciDevice(const HostTree &tree, std::string_view bdf, PciDevice &out);
/// \brief The BDFs of every PCI device, sorted.
std::vector<std::string> listPciDevices(const std::string &root);
std::vector<std::string> listPciDevices(const HostTree &tree);
/// \brief BDF entries of a driver directory such as /sys/bus/pci/drivers/xe, sorted.
std::vector<std::string> listBoundDevices(const std::string &root, std::string_view driverDir);
/// \brief card* and renderD* entries of a sysfs device's drm/ directory (host path).
void readDrmNodes(const std::string &root, std::string_view sysDevice,
		  std::vector<std::string> &cards, std::vector<std::string> &renders);

} // namespace tb::support
