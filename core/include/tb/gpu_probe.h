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
#define TB_GPU_PROBE_API_MINOR 1u

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

/// \brief One thing a platform needs for GPU containers, and whether the host has it.
struct HostRequirement {
	std::string name; ///< "dxg", "driverStore"
	std::string path; ///< host path checked ("" when there is nothing to look for)
	bool present = false;
	bool required = false;
};

/// \brief (minor 1) What a probe knows about a host platform it recognises (WSL2, ...).
struct HostReport {
	std::string platform;      ///< "wsl2"
	std::string detectedBy;    ///< the evidence: "/dev/dxg", "/proc/version"
	std::string kernelRelease; ///< "" when unknown
	std::string distribution;  ///< "" when unknown
	std::map<std::string, std::string> driverStores; ///< vendor -> directory
	size_t adapters = 0;                             ///< GPUs the platform exposes
	std::vector<HostRequirement> requirements;       ///< in check order
};

class GpuProbe : public Versioned {
public:
	virtual ~GpuProbe() = default;
	/// \brief The vendor this probe looks for ("nvidia").
	virtual std::string_view vendor() const noexcept = 0;
	/// \brief Probe the host (under Host::paths().hostRoot).
	/// \return Errc::Skip when the vendor is absent; other errors for broken installs
	virtual Result<ProbeReport> probe() noexcept = 0;

	// ---- minor 1: call only when apiMinor() >= 1 ----

	/// \brief Report on host platform \a platform ("wsl2").
	/// \return Errc::Unsupported when this probe knows nothing about \a platform,
	///	    Errc::Skip when it does and this host is not one
	virtual Result<HostReport> hostReport(std::string_view platform) noexcept
	{
		return err(Errc::Unsupported,
			   "no report on platform '" + std::string(platform) + "'");
	}

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
