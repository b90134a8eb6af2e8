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

/// The kind's API: plugins of the same major and any minor load (docs/plugin-abi.md).
#define TB_GPU_PROBE_API_MAJOR 2u
#define TB_GPU_PROBE_API_MINOR 0u

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

class GpuProbe : public Versioned {
public:
	virtual ~GpuProbe() = default;
	/// \brief The vendor this probe looks for ("nvidia").
	virtual std::string_view vendor() const noexcept = 0;
	/// \brief Probe the host (under Host::paths().hostRoot).
	/// \return Errc::Skip when the vendor is absent; other errors for broken installs
	virtual Result<ProbeReport> probe() noexcept = 0;

protected:
	explicit GpuProbe(uint16_t m = TB_GPU_PROBE_API_MINOR) noexcept : Versioned(m) {}
};

template<>
struct KindTraits<GpuProbe> {
	static constexpr uint32_t id = static_cast<uint32_t>(Kind::GpuProbe);
	static constexpr const char *name = "probe";
	static constexpr uint16_t versionMajor = TB_GPU_PROBE_API_MAJOR;
	static constexpr uint16_t versionMinor = TB_GPU_PROBE_API_MINOR;
};

} // namespace tb
