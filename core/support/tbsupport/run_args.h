// SPDX-License-Identifier: Apache-2.0
// Argument spellings shared by the docker-style runtime adaptors (podman, docker, bolt).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <tb/runtime.h>

namespace tb::support {

/// \brief "HOST:CTR[:opt,opt]" for `-v`, keeping only the options in \a allowed (all when
/// \a allowed is empty): docker refuses the CDI mount options it has no spelling for.
inline std::string volumeArg(const Mount &m, const std::vector<std::string_view> &allowed = {})
{
	std::string out = m.hostPath + ":" + m.containerPath;
	std::string opts;
	for (const auto &o : m.options) {
		bool keep = allowed.empty();
		for (auto a : allowed)
			keep = keep || a == o;
		if (keep)
			opts += (opts.empty() ? "" : ",") + o;
	}
	return opts.empty() ? out : out + ":" + opts;
}

/// \brief "HOST:CTR" for `--device`: the node at its own path in the container.
inline std::string deviceArg(const DeviceNode &d)
{
	return (d.hostPath.empty() ? d.path : d.hostPath) + ":" + d.path;
}

/// \brief "K=V"; always with '=', since a bare "K" copies the variable of the client.
inline std::string envArg(const std::pair<std::string, std::string> &kv)
{
	return kv.first + "=" + kv.second;
}

} // namespace tb::support
