// SPDX-License-Identifier: Apache-2.0
// NVML through dlopen at run time (never linked): compute capability, UUID, memory, MIG.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tb::support {

/// \brief One MIG device as NVML reports it.
struct NvmlMig {
	std::string uuid;    ///< "MIG-..."
	std::string profile; ///< "1g.10gb"
	std::string slot;    ///< "gi1/ci0", matches the procfs partition id
};

/// \brief What NVML tells about one GPU.
struct NvmlGpu {
	std::string busId; ///< the BDF asked for; empty when enumerated by index
	std::string name;  ///< "NVIDIA H100 80GB HBM3"
	std::string arch;  ///< compute capability without the dot ("90")
	std::string uuid;
	uint64_t memoryBytes = 0;
	std::vector<NvmlMig> migDevices;
};

struct NvmlFacts {
	std::string driverVersion;
	std::vector<NvmlGpu> gpus;
};

/// \brief dlopen libnvidia-ml.so.1, query the GPUs at \a bdfs (every GPU by index when
/// \a bdfs is empty), shut NVML down again. Only for the real root: NVML talks to the
/// running kernel, never to a host-root tree.
/// \return nullopt with \a why set when NVML is not available
std::optional<NvmlFacts> queryNvml(const std::vector<std::string> &bdfs, std::string &why);

} // namespace tb::support
