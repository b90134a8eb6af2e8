// SPDX-License-Identifier: Apache-2.0
// Workload profiles shared by `cdi generate` and `run`: built-in default/gaming/aiml, and
// [profiles.NAME] that may extend one. What each key maps to: docs/profiles.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tb/config.h>
#include <tb/result.h>

namespace tb {

/// \brief A profile with its built-in base and the user's additions resolved.
struct ResolvedProfile {
	std::string name; ///< "default", "gaming", "aiml" or the user's name
	std::string base; ///< "default", "gaming" or "aiml"
	// Driver capabilities (NVIDIA_DRIVER_CAPABILITIES words): which driver files come along.
	bool compute = true, utility = true, graphics = true, display = true, video = true;
	bool drmNodes = true;   ///< NVIDIA /dev/dri card/render nodes
	bool partitions = true; ///< MIG instances / compute partitions as devices
	bool lib32 = true;      ///< 32-bit driver libraries
	/// Variables from [profiles.NAME] environment (after the built-in's, same key wins).
	std::vector<std::pair<std::string, std::string>> userEnv;
	std::vector<std::string> additionalDevices; ///< host device paths
	/// Runtime options a CDI spec cannot carry (`tb run` passes them): --shm-size, --ulimit.
	std::vector<std::string> runtimeArgs;
};

/// \brief "" or "default", "gaming", "aiml" or a profile of the config.
/// \return Errc::InvalidArgument naming the profile and what exists
Result<void> checkProfile(const Config &config, std::string_view name);

/// \brief Resolve \a name ("" = "default") against the built-ins and [profiles.*].
Result<ResolvedProfile> resolveProfile(const Config &config, std::string_view name);

/// \brief The container environment \a profile gives on \a vendor's GPUs ("nvidia", "amd",
/// "intel", "microsoft"), from the [bolt.gaming] / [bolt.aiml] keys; then the user's.
std::vector<std::string> profileEnv(const ResolvedProfile &profile, const Config &config,
				    std::string_view vendor);

/// \brief A size as CUDA_MPS_PINNED_DEVICE_MEM_LIMIT writes it: "16G", "512M".
std::string mpsMemoryLimit(uint64_t bytes);

} // namespace tb
