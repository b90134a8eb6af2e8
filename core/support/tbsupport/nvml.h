// SPDX-License-Identifier: Apache-2.0
// NVML through dlopen at run time (never linked): compute capability, UUID, memory, MIG.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tb/config_view.h>
#include <tb/result.h>

namespace tb::support {

/// \brief When a probe asks NVML (the `nvml` key of its plugin section).
enum class NvmlMode {
	Auto,   ///< only when the host root is "/" (NVML describes this machine's kernel)
	Always, ///< also under another host root, e.g. `--host-root /host` of the same machine
	Never,
};

/// \brief Read the `nvml` key of \a section: "auto" (default), "always" or "never"; the
/// booleans of earlier versions still mean auto (true) and never (false).
/// \return Errc::InvalidArgument for any other value
Result<NvmlMode> nvmlModeFromConfig(const ConfigView &config, std::string_view section);
/// \brief Whether to ask NVML under \a mode when the host root is \a root.
bool nvmlWanted(NvmlMode mode, std::string_view root) noexcept;

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
/// \a bdfs is empty), shut NVML down again. NVML talks to the running kernel, never to a
/// host-root tree: callers decide with nvmlWanted().
/// \return nullopt with \a why set when NVML is not available
std::optional<NvmlFacts> queryNvml(const std::vector<std::string> &bdfs, std::string &why);

} // namespace tb::support
