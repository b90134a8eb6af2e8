// SPDX-License-Identifier: Apache-2.0
// GPU-probe plugins: find one vendor's GPUs, nodes and driver files under the host root.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tb/gpu.h>
#include <tb/plugin.h>
#include <tb/result.h>

#define TB_GPU_PROBE_API_VERSION 1u

namespace tb {

/// \brief Everything one probe found. Paths are host paths without the host-root prefix.
struct ProbeReport {
	std::string vendor;
	DriverInfo driver;
	std::vector<GpuDevice> gpus;
	std::vector<DeviceNode> controlNodes; ///< nvidiactl, nvidia-uvm, /dev/kfd, /dev/dxg ...
	std::vector<std::string> libraries;   ///< resolved driver libraries (versioned files)
	std::vector<std::string> firmware;
	std::vector<std::string> binaries;
	std::vector<std::string> ipcSockets;
	std::vector<std::string> configFiles;
	std::map<std::string, std::string> facts; ///< vendor extras, e.g. "wsl2.distro"
	std::vector<std::string> warnings; ///< "nouveau is loaded: no NVIDIA driver usable ..."
};

class GpuProbe {
public:
	virtual ~GpuProbe() = default;
	/// \brief The vendor this probe looks for ("nvidia").
	virtual std::string_view vendor() const noexcept = 0;
	/// \brief Probe the host (under Host::paths().hostRoot).
	/// \return Errc::Skip when the vendor is absent; other errors for broken installs
	virtual Result<ProbeReport> probe() noexcept = 0;
};

template<>
struct KindTraits<GpuProbe> {
	static constexpr Kind kind = Kind::GpuProbe;
	static constexpr uint32_t apiVersion = TB_GPU_PROBE_API_VERSION;
};

} // namespace tb
