// SPDX-License-Identifier: Apache-2.0
// libtb: host-wide exclusive GPU leases (`isolation_level = "exclusive"`). A lease is an
// flock(2) on one lock file per GPU; the kernel drops it when the holder exits or is killed,
// so a dead holder's lease is reclaimed by the next request without any cleanup.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <tb/gpu.h>
#include <tb/result.h>

namespace tb {

class Context;

/// \brief Who holds (or last held) a GPU lease, as written in its lock file.
struct GpuLeaseHolder {
	long pid = 0;
	std::string command;  ///< what the holder runs ("tb run ... IMAGE")
	std::string since;    ///< UTC time of the grant, RFC 3339
	std::string lockFile; ///< the lock file's path
};

/// \brief Exclusive leases on one or more GPUs, released on destruction (RAII).
/// Move-only. All-or-nothing: either every asked GPU is leased or none is.
class GpuLease {
public:
	GpuLease() = default;
	~GpuLease();
	GpuLease(GpuLease &&other) noexcept;
	GpuLease &operator=(GpuLease &&other) noexcept;
	GpuLease(const GpuLease &) = delete;
	GpuLease &operator=(const GpuLease &) = delete;

	/// \brief The leased GPU ids, in request order.
	const std::vector<std::string> &gpus() const noexcept { return gpus_; }
	/// \brief Keep the locks in a child started with exec (the runtime process that runs the
	/// container): clears close-on-exec on the lock fds. Call right before fork/exec.
	Result<void> inheritAcrossExec() const;
	/// \brief Release now (the destructor does the same).
	void release() noexcept;

private:
	friend Result<GpuLease>
	acquireGpuLease(const std::string &, const std::vector<std::string> &, const std::string &);
	std::vector<int> fds_;
	std::vector<std::string> gpus_;
};

/// \brief A GPU's lease id: "<vendor>-<uuid>", else "<vendor>-<PCI address>", else
/// "<vendor>-<index>" (the same physical GPU gets the same id from every process).
std::string gpuLeaseId(const GpuDevice &gpu);

/// \brief The host-wide lease directory: /run/tb/gpu-leases (created 01777 so every user's
/// `tb run` shares it), or `<runtime dir>/gpu-leases` of \a ctx when /run/tb cannot be made.
std::string gpuLeaseDir(const Context &ctx);

/// \brief Lease \a gpus (stable ids: "nvidia-GPU-<uuid>", "amd-0", ...) in \a dir for the
/// caller's lifetime, recording \a command as the holder. Never waits.
/// \return Errc::Conflict naming the GPU and its holder (pid, command, since) when one is
///	    already leased; Errc::InvalidArgument for an id that is not a plain file name
Result<GpuLease> acquireGpuLease(const std::string &dir, const std::vector<std::string> &gpus,
				 const std::string &command);

/// \brief The current holder of \a gpu's lease in \a dir, or Errc::NotFound when free.
Result<GpuLeaseHolder> gpuLeaseHolder(const std::string &dir, const std::string &gpu);

} // namespace tb
