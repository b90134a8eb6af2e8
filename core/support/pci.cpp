// SPDX-License-Identifier: Apache-2.0
// PCI sysfs helpers: one device's ids, bound driver, NUMA node and DRM nodes under a host root.
#include "tbsupport/pci.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include <unistd.h>

#include <tb/host.h>

#include "tbsupport/host_fs.h"
#include "tbsupport/host_tree.h"

namespace tb::support {

namespace {

bool numbered(std::string_view name, std::string_view prefix)
{
	return name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
	       name.substr(prefix.size()).find_first_not_of("0123456789") == std::string_view::npos;
}

void sortByNumber(std::vector<std::string> &v, size_t prefix)
{
	std::sort(v.begin(), v.end(), [prefix](const std::string &a, const std::string &b) {
		return parseInt(std::string_view(a).substr(prefix)).value_or(INT64_MAX) <
		       parseInt(std::string_view(b).substr(prefix)).value_or(INT64_MAX);
	});
}

// The card* and renderD* names of a drm/ listing, each sorted by number.
void drmNodes(const std::vector<std::string> &entries, std::vector<std::string> &cards,
	      std::vector<std::string> &renders)
{
	for (auto &e : entries) {
		if (numbered(e, "card"))
			cards.push_back(e);
		else if (numbered(e, "renderD"))
			renders.push_back(e);
	}
	sortByNumber(cards, 4);
	sortByNumber(renders, 7);
}

} // namespace

bool isBdf(std::string_view n)
{
	if (n.size() != 12 || n[4] != ':' || n[7] != ':' || n[10] != '.')
		return false;
	for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return false;
	return n[11] >= '0' && n[11] <= '7';
}

std::string formatBdf(uint32_t domain, uint32_t bus, uint32_t dev, uint32_t fn)
{
	char buf[32];
	std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.%x", domain & 0xffff, bus & 0xff, dev & 0x1f,
		      fn & 7);
	return buf;
}

std::string hexId(uint32_t id)
{
	char buf[16];
	std::snprintf(buf, sizeof buf, "0x%04x", id);
	return buf;
}

void readDrmNodes(const std::string &root, std::string_view sysDevice,
		  std::vector<std::string> &cards, std::vector<std::string> &renders)
{
	drmNodes(listDir(underRoot(root, std::string(sysDevice) + "/drm")), cards, renders);
}

bool readPciDevice(const HostTree &tree, std::string_view bdf, PciDevice &out)
{
	// The entries of /sys/bus/pci/devices are links into /sys/devices. The device directory
	// is held open where the kernel found it: its files are then one component away.
	UniqueFd dir;
	auto real = tree.find("/sys/bus/pci/devices/" + std::string(bdf), HostTree::Expect::Symlink,
			      dir);
	if (!real)
		return false;
	out = PciDevice{};
	out.bdf = std::string(bdf);
	out.sysPath = *real;
	auto attribute = [&](const char *name, int64_t fallback) {
		if (!dir.isValid())
			return tree.readAttributeInt(*real + "/" + name).value_or(fallback);
		auto line = firstLine(readFileAt(dir.get(), name, *real, 64 * 1024, true));
		return (line ? parseInt(*line) : std::nullopt).value_or(fallback);
	};
	out.vendor = static_cast<uint32_t>(attribute("vendor", 0));
	out.device = static_cast<uint32_t>(attribute("device", 0));
	out.classCode = static_cast<uint32_t>(attribute("class", 0));
	out.numaNode = static_cast<int>(attribute("numa_node", -1));
	if (dir.isValid()) {
		char buf[4096];
		ssize_t n = ::readlinkat(dir.get(), "driver", buf, sizeof buf);
		if (n > 0 && static_cast<size_t>(n) < sizeof buf)
			out.driver = std::string(
				baseName(std::string_view(buf, static_cast<size_t>(n))));
		drmNodes(listDirAt(dir.get(), "drm"), out.drmCards, out.drmRenders);
	} else {
		if (auto drv = tree.readLink(*real + "/driver"))
			out.driver = std::string(baseName(*drv));
		drmNodes(tree.listDir(*real + "/drm"), out.drmCards, out.drmRenders);
	}
	return true;
}

bool readPciDevice(const std::string &root, std::string_view bdf, PciDevice &out)
{
	return readPciDevice(HostTree(root), bdf, out);
}

std::vector<std::string> listPciDevices(const std::string &root)
{
	std::vector<std::string> out;
	for (auto &e : listDir(underRoot(root, "/sys/bus/pci/devices")))
		if (isBdf(e))
			out.push_back(e);
	return out;
}

std::vector<std::string> listPciDevices(const HostTree &tree)
{
	std::vector<std::string> out;
	for (auto &e : tree.listDir("/sys/bus/pci/devices"))
		if (isBdf(e))
			out.push_back(e);
	return out;
}

std::vector<std::string> listBoundDevices(const std::string &root, std::string_view driverDir)
{
	std::vector<std::string> out;
	for (auto &e : listDir(underRoot(root, driverDir)))
		if (isBdf(e))
			out.push_back(e);
	return out;
}

} // namespace tb::support
