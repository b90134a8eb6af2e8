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

/// \brief `BINARY run [--rm] [-i] [-t] [--name N]`, then `--device` for each CDI name and each
/// device node: the start of a podman or docker command line, which spell these alike.
inline std::vector<std::string> dockerStyleRunHead(const std::string &binary, const RunRequest &r)
{
	std::vector<std::string> a = {binary, "run"};
	if (r.remove)
		a.push_back("--rm");
	if (r.interactive)
		a.push_back("-i");
	if (r.tty)
		a.push_back("-t");
	if (!r.name.empty())
		a.insert(a.end(), {"--name", r.name});
	for (const auto &d : r.cdiDevices)
		a.insert(a.end(), {"--device", d});
	for (const auto &d : r.devices)
		a.insert(a.end(), {"--device", deviceArg(d)});
	return a;
}

} // namespace tb::support
