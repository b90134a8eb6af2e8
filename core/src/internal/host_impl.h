// SPDX-License-Identifier: Apache-2.0
// The Host a plugin receives: logging in the plugin's own category, paths, version.
#pragma once

#include <string>

#include <tb/host.h>

namespace tb {

class HostImpl final : public Host {
public:
	HostImpl(std::string category, const HostPaths &paths)
	    : category_(std::move(category)), paths_(paths)
	{
	}

	void log(LogLevel level, std::string_view message) noexcept override;
	bool logEnabled(LogLevel level) const noexcept override;
	const HostPaths &paths() const noexcept override { return paths_; }
	std::string_view coreVersion() const noexcept override;

private:
	std::string category_;
	const HostPaths &paths_;
};

} // namespace tb
