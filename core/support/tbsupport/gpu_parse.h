// SPDX-License-Identifier: Apache-2.0
// Parsers for vendor driver files: NVIDIA procfs, driver version strings, AMD KFD topology.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tb::support {

/// \brief /proc/driver/nvidia/gpus/<bdf>/information.
struct NvidiaGpuInformation {
	std::string model;       ///< "Tesla T4"
	std::string uuid;        ///< "GPU-..."; empty when the line is absent
	std::string busLocation; ///< "0000:3b:00.0" (lower-case)
	int deviceMinor = -1;
	bool excluded = false; ///< "GPU Excluded: Yes"
};
NvidiaGpuInformation parseNvidiaInformation(std::string_view text);

/// \brief Driver version and flavour from /proc/driver/nvidia/version.
struct NvidiaDriverVersion {
	std::string version; ///< full dotted version, never truncated ("550.54.14")
	std::string type;    ///< "open" or "proprietary"; empty when the line is not recognised
};
/// \brief Parse the "NVRM version:" line: the first dotted-number token after "Module".
std::optional<NvidiaDriverVersion> parseNvidiaProcVersion(std::string_view text);
/// \brief A version string such as /sys/module/nvidia/version ("550.54.14\n"): digits and
/// dots only, at least two parts; nullopt otherwise.
std::optional<std::string> parseDottedVersion(std::string_view text);

/// \brief KFD topology node properties ("key value" lines, unsigned decimal values).
std::map<std::string, uint64_t> parseKfdProperties(std::string_view text);
/// \brief gfx_target_version (major*10000 + minor*100 + stepping) to "gfx90a"; "" for 0.
std::string gfxTargetName(uint64_t gfxTargetVersion);
/// \brief BDF from KFD domain + location_id (bus = id>>8, device = (id>>3)&0x1f, fn = id&7).
std::string kfdBdf(uint64_t domain, uint64_t locationId);

} // namespace tb::support
