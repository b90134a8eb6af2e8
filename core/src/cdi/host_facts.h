// SPDX-License-Identifier: Apache-2.0
// The host files CDI generation reads beyond the probe reports, each read once per inventory.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <tb/gpus.h>

#include "tbsupport/unique_fd.h"

namespace tb::cdi {

/// \brief What generation learns from the host tree under one root: the group of a device
/// node, the nvidia-cdi-hook binary, the symlinks of a library directory. Each fact is read
/// on first use and kept, so a GpuInventory stays one snapshot of its host and a second
/// generation from it makes no system call. Thread-safe.
class HostFacts {
public:
	/// \brief The group a container needs to open the node \a path (-1: none, i.e. not a
	/// real device node, or owned by group root).
	int64_t nodeGid(std::string_view path);
	/// \brief "/usr/bin/nvidia-cdi-hook" or "/usr/local/bin/nvidia-cdi-hook" when on the host,
	/// else "".
	std::string hookBinary();
	/// \brief The symlinks of directory \a dir: link name -> target as written.
	std::shared_ptr<const std::map<std::string, std::string>> links(const std::string &dir);

	/// \brief The facts of \a inventory's host when it was probed under \a root (the
	/// inventory's own, bound to the first root asked for); a fresh set for this call
	/// otherwise (another root, or no shared set).
	static std::shared_ptr<HostFacts> of(const GpuInventory &inventory, std::string_view root);

private:
	// The directory descriptor and relative path to hand an *at() call for host path
	// \a path: the root held open, so each lookup walks only the path below it.
	int at(std::string_view path, std::string &rel);

	std::mutex mutex_;
	std::optional<std::string> root_; // bound on first use
	support::UniqueFd rootFd_;        // root_ (O_PATH), opened on first use
	bool rootOpened_ = false;
	std::map<std::string, int64_t, std::less<>> gids_;
	std::optional<std::string> hook_;
	std::map<std::string, std::shared_ptr<const std::map<std::string, std::string>>,
		 std::less<>>
		links_;
};

} // namespace tb::cdi
