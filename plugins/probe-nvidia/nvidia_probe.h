// SPDX-License-Identifier: Apache-2.0
// Internal interfaces of the NVIDIA probe (devices, driver files, NVML, PCI-id table).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tb/gpu_probe.h>
#include <tb/host.h>

#include <tbsupport/host_tree.h>

namespace tb::nvidia {

/// \brief For HostTree::readFile() of the driver's procfs files, sysfs attributes and sysctls:
/// the kernel writes each whole into the first read() (the driver's procfs files are
/// single_open() seq_files, one record each), so a short read is the end and no second read
/// is needed to see it. Fixture copies are regular files, where a short read is the end too.
constexpr bool kShortReadIsEnd = true;

/// \brief Host root plus the report under construction.
struct ProbeState {
	std::string root;       ///< host root ("/" on a real host)
	support::HostTree tree; ///< \a root held open for symlink resolution
	const HostPaths *paths = nullptr;
	ProbeReport report;
	std::string path(std::string_view absolute) const { return hostPath(*paths, absolute); }
	void warn(std::string w) { report.warnings.push_back(std::move(w)); }
};

/// \brief One row of the built-in PCI device-id table.
struct KnownPart {
	uint16_t deviceId;
	const char *name;
	const char *arch; ///< compute capability without the dot ("75", "90")
};
/// \brief Look up a PCI device id of vendor 0x10de; nullptr when not in the table.
const KnownPart *findKnownPart(uint32_t deviceId) noexcept;

/// \brief GPUs from /proc/driver/nvidia/gpus cross-checked with sysfs and /dev.
void probeGpus(ProbeState &st);
/// \brief MIG instances from /proc/driver/nvidia/capabilities/gpu<minor>/mig.
void probeMigPartitions(ProbeState &st, GpuDevice &gpu);
/// \brief nvidiactl, nvidia-uvm(-tools), nvidia-modeset, nvidia-caps/* not owned by a partition.
void probeControlNodes(ProbeState &st);
/// \brief GPUs bound to nouveau (no NVIDIA driver usable for containers).
void probeNouveauGpus(ProbeState &st);
/// \brief /dev/nvidia<N> and /dev/nvidiactl that exist (for the broken-install check).
std::vector<std::string> presentDeviceNodes(const ProbeState &st);

/// \brief Libraries, firmware, binaries, IPC sockets and config files of driver \a version.
void probeDriverFiles(ProbeState &st, const std::string &version);

} // namespace tb::nvidia
