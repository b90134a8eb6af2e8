// SPDX-License-Identifier: Apache-2.0
// NVIDIA GPUs, MIG instances and control nodes from procfs, sysfs and /dev under the host root.
#include <cstdio>
#include <set>

#include <tbsupport/dev_node.h>
#include <tbsupport/gpu_parse.h>
#include <tbsupport/host_fs.h>
#include <tbsupport/pci.h>

#include "nvidia_probe.h"

namespace tb::nvidia {

namespace {

namespace fs = tb::support;

bool numberedName(std::string_view name, std::string_view prefix)
{
	return name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
	       name.substr(prefix.size()).find_first_not_of("0123456789") == std::string_view::npos;
}

// Add a node when present; a missing or bogus node becomes a warning.
void addNode(ProbeState &st, std::vector<DeviceNode> &into, const std::string &absolute,
	     std::string_view missingHint)
{
	auto n = fs::statDeviceNode(st.tree, absolute);
	if (n) {
		into.push_back(std::move(*n));
		return;
	}
	if (n.error().code == Errc::NotFound) {
		if (!missingHint.empty())
			st.warn(absolute + " is missing" + std::string(missingHint));
		return;
	}
	st.warn(n.error().message);
}

void addDrmNodes(ProbeState &st, GpuDevice &gpu, const fs::PciDevice &pci)
{
	for (auto &c : pci.drmCards)
		addNode(st, gpu.nodes, "/dev/dri/" + c, " (DRM node listed in sysfs)");
	for (auto &r : pci.drmRenders)
		addNode(st, gpu.nodes, "/dev/dri/" + r, " (DRM node listed in sysfs)");
}

std::optional<int64_t> capMinor(const ProbeState &st, const std::string &absolute)
{
	auto text = st.tree.readFile(absolute, 4096, kShortReadIsEnd);
	if (!text)
		return std::nullopt;
	auto minor = fs::keyValue(*text, ':', "DeviceFileMinor");
	return minor ? fs::parseInt(*minor) : std::nullopt;
}

std::set<std::string> partitionNodePaths(const ProbeReport &r)
{
	std::set<std::string> out;
	for (auto &g : r.gpus)
		for (auto &p : g.partitions)
			for (auto &n : p.nodes)
				out.insert(n.path);
	return out;
}

// Class and vendor first: most PCI functions of a server are no NVIDIA display controllers,
// and readPciDevice() resolves the device and reads it whole (ids, NUMA, driver, drm/). The
// class goes first: it rules out bridges and the like, and NVIDIA's own NVSwitches, at once.
bool nvidiaDisplay(const ProbeState &st, const std::string &bdf)
{
	std::string dir = "/sys/bus/pci/devices/" + bdf;
	if (st.root == "/") { // the kernel follows sysfs links the same way on the real root
		if ((st.tree.readAttributeInt(dir + "/class").value_or(0) >> 16) != 0x03)
			return false;
		return st.tree.readAttributeInt(dir + "/vendor").value_or(0) == 0x10de;
	}
	if ((st.tree.readAttributeIntInRoot(dir + "/class").value_or(0) >> 16) != 0x03)
		return false;
	return st.tree.readAttributeIntInRoot(dir + "/vendor").value_or(0) == 0x10de;
}

} // namespace

void probeMigPartitions(ProbeState &st, GpuDevice &gpu)
{
	std::string base =
		"/proc/driver/nvidia/capabilities/gpu" + std::to_string(gpu.index) + "/mig";
	for (auto &gi : st.tree.listDir(base)) {
		if (!numberedName(gi, "gi"))
			continue;
		std::string giDir = base + "/" + gi;
		auto giMinor = capMinor(st, giDir + "/access");
		for (auto &ci : st.tree.listDir(giDir)) {
			if (!numberedName(ci, "ci"))
				continue;
			GpuPartition part;
			part.id = gi + "/" + ci;
			if (giMinor)
				addNode(st, part.nodes,
					"/dev/nvidia-caps/nvidia-cap" + std::to_string(*giMinor),
					" (MIG capability of " + gpu.pciBdf + " " + part.id + ")");
			if (auto ciMinor = capMinor(st, giDir + "/" + ci + "/access"))
				addNode(st, part.nodes,
					"/dev/nvidia-caps/nvidia-cap" + std::to_string(*ciMinor),
					" (MIG capability of " + gpu.pciBdf + " " + part.id + ")");
			gpu.partitions.push_back(std::move(part));
		}
	}
}

void probeGpus(ProbeState &st)
{
	const std::string &version = st.report.driver.version;
	std::set<std::string> inProcfs; // excluded GPUs too: the driver knows them
	for (auto &bdf : st.tree.listDir("/proc/driver/nvidia/gpus")) {
		inProcfs.insert(bdf);
		std::string infoPath = "/proc/driver/nvidia/gpus/" + bdf + "/information";
		auto text = st.tree.readFile(infoPath, 64 * 1024, kShortReadIsEnd);
		if (!text) {
			st.warn("GPU " + bdf + " skipped: " + text.error().message);
			continue;
		}
		auto info = fs::parseNvidiaInformation(*text);
		if (!info.busLocation.empty())
			inProcfs.insert(info.busLocation);
		if (info.excluded) {
			st.warn("GPU " + bdf +
				" is excluded by the driver (NVreg_ExcludedGpus): skipped");
			continue;
		}
		if (info.deviceMinor < 0) {
			st.warn("GPU " + bdf + " skipped: no Device Minor in " + infoPath);
			continue;
		}
		GpuDevice gpu;
		gpu.vendor = "nvidia";
		gpu.index = info.deviceMinor;
		gpu.name = info.model;
		gpu.pciBdf = info.busLocation.empty() ? bdf : info.busLocation;
		gpu.uuid = info.uuid;
		gpu.backend = "cuda";
		gpu.warpSize = 32; // every CUDA architecture so far
		gpu.driverVersion = version;
		gpu.driverType = st.report.driver.type;
		fs::PciDevice pci;
		if (fs::readPciDevice(st.tree, gpu.pciBdf, pci)) {
			if (pci.vendor != 0x10de)
				st.warn("GPU " + gpu.pciBdf + ": sysfs vendor is " +
					fs::hexId(pci.vendor) + ", not 0x10de");
			if ((pci.classCode >> 16) != 0x03) {
				char cls[16];
				std::snprintf(cls, sizeof cls, "0x%06x", pci.classCode);
				st.warn("GPU " + gpu.pciBdf + ": sysfs class " + cls +
					" is not a display controller");
			}
			if (pci.driver.empty()) {
				st.warn("GPU " + gpu.pciBdf +
					": bound to no driver in sysfs, not nvidia");
			} else if (pci.driver != "nvidia") {
				// vfio-pci (VM passthrough) or another driver owns the device:
				// the nvidia driver cannot drive it, so no container can use it.
				gpu.backend.clear();
				gpu.driverVersion.clear();
				gpu.driverType.clear();
				st.warn("GPU " + gpu.pciBdf + ": bound to " + pci.driver +
					" in sysfs, not nvidia: not usable for containers");
			}
			gpu.pciDeviceId = fs::hexId(pci.device);
			gpu.numaNode = pci.numaNode;
			if (auto *part = findKnownPart(pci.device)) {
				gpu.arch = part->arch;
				if (gpu.name.empty())
					gpu.name = part->name;
			}
			st.report.facts["pciPath." + gpu.pciBdf] = pci.sysPath;
		} else {
			st.warn("GPU " + gpu.pciBdf + ": not found in /sys/bus/pci/devices");
		}
		addNode(st, gpu.nodes, "/dev/nvidia" + std::to_string(gpu.index),
			" (created on first use by nvidia-modprobe; run nvidia-smi once)");
		if (pci.bdf == gpu.pciBdf)
			addDrmNodes(st, gpu, pci);
		probeMigPartitions(st, gpu);
		st.report.gpus.push_back(std::move(gpu));
	}
	// NVIDIA GPUs procfs does not list: bound to nvidia (a driver problem) or to another
	// driver such as vfio-pci (passed through to a VM). Either way no container gets them.
	for (auto &bdf : fs::listPciDevices(st.tree)) {
		fs::PciDevice pci;
		if (inProcfs.count(bdf) || !nvidiaDisplay(st, bdf) ||
		    !fs::readPciDevice(st.tree, bdf, pci) || pci.vendor != 0x10de ||
		    (pci.classCode >> 16) != 0x03)
			continue;
		if (pci.driver == "nvidia")
			st.warn("GPU " + bdf +
				" is bound to nvidia but not listed in /proc/driver/nvidia/gpus");
		else
			st.warn("GPU " + bdf + " (" + fs::hexId(pci.device) + ") is bound to " +
				(pci.driver.empty() ? std::string("no driver") : pci.driver) +
				", not nvidia: not usable for containers");
	}
}

void probeControlNodes(ProbeState &st)
{
	auto &out = st.report.controlNodes;
	addNode(st, out, "/dev/nvidiactl",
		" (the driver creates it on first use; run nvidia-smi once)");
	addNode(st, out, "/dev/nvidia-uvm", " (CUDA needs nvidia-uvm: modprobe nvidia-uvm)");
	addNode(st, out, "/dev/nvidia-uvm-tools", "");
	addNode(st, out, "/dev/nvidia-modeset", "");
	auto owned = partitionNodePaths(st.report);
	for (auto &e : st.tree.listDir("/dev/nvidia-caps")) {
		std::string p = "/dev/nvidia-caps/" + e;
		if (!owned.count(p))
			addNode(st, out, p, "");
	}
	for (auto &e : st.tree.listDir("/dev/nvidia-caps-imex-channels"))
		addNode(st, out, "/dev/nvidia-caps-imex-channels/" + e, "");
}

void probeNouveauGpus(ProbeState &st)
{
	for (auto &bdf : fs::listPciDevices(st.tree)) {
		fs::PciDevice pci;
		if (!nvidiaDisplay(st, bdf) || !fs::readPciDevice(st.tree, bdf, pci) ||
		    pci.vendor != 0x10de || (pci.classCode >> 16) != 0x03 ||
		    pci.driver != "nouveau")
			continue;
		GpuDevice gpu;
		gpu.vendor = "nvidia";
		gpu.index = static_cast<int>(st.report.gpus.size());
		gpu.pciBdf = bdf;
		gpu.pciDeviceId = fs::hexId(pci.device);
		gpu.numaNode = pci.numaNode;
		gpu.driverType = "nouveau";
		gpu.warpSize = 32;
		// No backend: nouveau offers no CUDA, so no kernel cache can target this GPU.
		if (auto *part = findKnownPart(pci.device)) {
			gpu.name = part->name;
			gpu.arch = part->arch;
		} else {
			gpu.name = "NVIDIA GPU " + gpu.pciDeviceId;
		}
		addDrmNodes(st, gpu, pci);
		st.report.gpus.push_back(std::move(gpu));
	}
}

std::vector<std::string> presentDeviceNodes(const ProbeState &st)
{
	std::vector<std::string> out;
	for (auto &e : st.tree.listDir("/dev"))
		if (numberedName(e, "nvidia") || e == "nvidiactl")
			out.push_back("/dev/" + e);
	return out;
}

} // namespace tb::nvidia
