// SPDX-License-Identifier: Apache-2.0
// Profile lookup shared by `cdi generate` and `run`: built-in gaming/aiml or [profiles.NAME].
#pragma once

#include <string>
#include <string_view>

#include <tb/config.h>
#include <tb/result.h>

namespace tb {

/// \brief "" (no profile), "gaming", "aiml" or a profile of the config.
/// \return Errc::InvalidArgument naming the profile and what exists
inline Result<void> checkProfile(const Config &config, std::string_view name)
{
	if (name.empty() || name == "gaming" || name == "aiml" ||
	    config.profiles.count(std::string(name)))
		return {};
	std::string known = "gaming, aiml";
	for (const auto &[n, p] : config.profiles)
		known += ", " + n;
	return err(Errc::InvalidArgument,
		   "profile '" + std::string(name) + "': not defined (known: " + known + ")");
}

} // namespace tb
