// SPDX-License-Identifier: Apache-2.0
// GPU value types: devices, device nodes, driver facts. Shared by probes, CDI and runtimes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tb {

/// \brief A device node as seen on the host (major/minor from stat, full glibc split).
struct DeviceNode {
	std::string path; ///< host path without the host-root prefix, e.g. "/dev/nvidia0"
	char type = 'c';  ///< 'c' or 'b'
	int64_t major = -1;
	int64_t minor = -1;
	uint32_t fileMode = 0; ///< permission bits, 0 = unknown
	/// Where the node is on this machine when not at path (a host root such as a fixture
	/// tree or a mounted host); "" = path. Probes leave it empty.
	std::string hostPath;
	bool operator==(const DeviceNode &) const = default;
};

/// \brief A MIG instance (NVIDIA) or compute partition (AMD) of one GPU.
struct GpuPartition {
	std::string id;      ///< "MIG-<uuid>" or "gi1/ci0" or "xcp0"
	std::string profile; ///< "1g.10gb", "CPX", ...
	std::vector<DeviceNode> nodes;
};

/// \brief One physical GPU: exactly what the cache compatibility check and CDI consume.
struct GpuDevice {
	std::string vendor;            ///< "nvidia", "amd", "intel"
	int index = 0;                 ///< per-vendor index (NVIDIA: device minor)
	std::string name;              ///< "Tesla T4"
	std::string pciBdf;            ///< "0000:3b:00.0"
	std::string pciDeviceId;       ///< "0x1eb8"
	std::string uuid;              ///< empty when unknown
	std::vector<DeviceNode> nodes; ///< per-GPU nodes (nvidiaN, cardN, renderDN)
	std::string backend;           ///< "cuda", "hip", "xpu"
	std::string arch;              ///< "75", "90", "gfx90a"; empty = unknown (never guessed)
	int warpSize = 0;              ///< 0 = unknown
	uint64_t memoryBytes = 0;      ///< 0 = unknown
	std::string driverVersion;
	std::string driverType; ///< "open", "proprietary", "amdgpu", "i915", "xe", "wsl"
	int numaNode = -1;
	std::vector<GpuPartition> partitions;
};

/// \brief Driver-level facts of one vendor on the host.
struct DriverInfo {
	std::string name;    ///< kernel module: "nvidia", "amdgpu", "i915", "xe", "dxg"
	std::string version; ///< full version, never truncated ("550.54.14")
	std::string type;    ///< "open", "proprietary", ...
};

} // namespace tb
