// SPDX-License-Identifier: Apache-2.0
// libtb GPU inventory: run every GPU probe, keep skip apart from failure, render stable JSON.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tb/gpu.h>
#include <tb/gpu_probe.h>
#include <tb/result.h>

namespace tb {

class Context;

namespace cdi {
class HostFacts;
/// \brief An empty set of host facts (GpuInventory::hostFacts).
std::shared_ptr<HostFacts> newHostFacts();
} // namespace cdi

/// \brief How one probe ended: found its vendor, declined (vendor absent), or failed.
enum class ProbeStatus { Ok, Skipped, Failed };

/// \brief "ok", "skip", "failed" (the JSON values).
std::string_view probeStatusName(ProbeStatus s) noexcept;

/// \brief One probe run.
struct ProbeRun {
	std::string probe; ///< plugin name ("nvidia")
	ProbeStatus status = ProbeStatus::Skipped;
	Error error;        ///< why it skipped or failed (code Skip for a skip)
	ProbeReport report; ///< valid when status is Ok
};

/// \brief Everything the GPU probes found on the host.
struct GpuInventory {
	std::vector<ProbeRun> probes; ///< in plugin-name order
	std::vector<GpuDevice> gpus;  ///< every GPU of every ok probe, in probe order
	/// Host files CDI generation reads beyond the reports (device-node groups, library
	/// links, the nvidia-cdi-hook binary), each read once by the first generateCdi from this
	/// inventory and then reused: the inventory stays one snapshot of the host, and later
	/// generations make no system call. Opaque; shared by copies.
	std::shared_ptr<cdi::HostFacts> hostFacts = cdi::newHostFacts();

	/// \brief True when the wsl2 probe found a WSL2 host.
	bool wsl2() const;
	/// \brief Number of driver libraries over all ok probes.
	size_t libraryCount() const;
	/// \brief True when at least one probe failed (exit code 1 for `tb info`).
	bool anyFailed() const;
	/// \brief The run of probe \a name, or nullptr.
	const ProbeRun *find(std::string_view name) const;
};

/// \brief Run every ok GpuProbe of \a ctx (Context::gpuProbes()).
/// A probe's Skip or failure is recorded in its ProbeRun, never returned as this call's error.
Result<GpuInventory> probeGpus(Context &ctx);
/// \brief The same over explicit probe instances (named by vendor()); for tests and benches.
GpuInventory probeGpus(const std::vector<GpuProbe *> &probes);

/// \brief The typed report on host platform \a platform ("wsl2") from the first GPU probe (by
/// name) that knows the platform.
/// \return Errc::NotFound when no loaded probe reports on it; the probe's error otherwise
///	    (Errc::Skip: this host is not such a platform)
Result<HostReport> hostPlatformReport(const Context &ctx, std::string_view platform);

/// \brief The `tb info --json` document (schema in docs/gpu-probes.md), pretty-printed,
/// keys in a fixed order, ending in a newline.
std::string gpuInventoryJson(const GpuInventory &inventory);

} // namespace tb
