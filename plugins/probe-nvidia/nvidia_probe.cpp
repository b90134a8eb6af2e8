// SPDX-License-Identifier: Apache-2.0
// The "nvidia" GPU probe: driver, GPUs, MIG, nodes and driver files under the host root.
#include <tb/gpu_probe.h>
#include <tb/plugin.h>

#include <tbsupport/gpu_parse.h>
#include <tbsupport/host_fs.h>
#include <tbsupport/nvml.h>

#include "nvidia_probe.h"

namespace tb::nvidia {

namespace {

namespace fs = tb::support;

std::string joinList(const std::vector<std::string> &v)
{
	std::string out;
	for (auto &s : v)
		out += (out.empty() ? "" : ", ") + s;
	return out;
}

void readDriver(ProbeState &st)
{
	DriverInfo &d = st.report.driver;
	d.name = "nvidia";
	// Both are kernel files written whole by the first read (single_open(), a sysfs
	// attribute): a short read is their end (kShortReadIsEnd, nvidia_probe.h).
	auto proc = st.tree.readFile("/proc/driver/nvidia/version", 64 * 1024, kShortReadIsEnd);
	std::optional<fs::NvidiaDriverVersion> procVersion;
	if (proc)
		procVersion = fs::parseNvidiaProcVersion(*proc);
	auto line = fs::firstLine(
		st.tree.readFile("/sys/module/nvidia/version", 64 * 1024, kShortReadIsEnd));
	std::optional<std::string> modVersion = line ? fs::parseDottedVersion(*line) : std::nullopt;
	if (procVersion)
		d.type = procVersion->type;
	if (modVersion)
		d.version = *modVersion;
	else if (procVersion)
		d.version = procVersion->version;
	if (modVersion && procVersion && *modVersion != procVersion->version)
		st.warn("driver version differs: /sys/module/nvidia/version says " + *modVersion +
			", /proc/driver/nvidia/version says " + procVersion->version);
}

void mergeNvml(ProbeState &st, const fs::NvmlFacts &facts)
{
	for (auto &n : facts.gpus) {
		const std::string &bdf = n.busId;
		for (auto &g : st.report.gpus) {
			if (g.pciBdf != bdf)
				continue;
			if (!n.arch.empty())
				g.arch = n.arch;
			if (!n.uuid.empty())
				g.uuid = n.uuid;
			g.memoryBytes = n.memoryBytes;
			for (auto &m : n.migDevices) {
				for (auto &p : g.partitions) {
					if (m.slot.empty() || p.id != m.slot)
						continue;
					// The procfs slot stays findable after the id became the
					// UUID.
					if (!m.uuid.empty()) {
						st.report.facts["mig." + m.uuid] =
							bdf + " " + m.slot;
						p.id = m.uuid;
					}
					p.profile = m.profile;
				}
			}
		}
	}
	if (st.report.driver.version.empty() && !facts.driverVersion.empty()) {
		st.report.driver.version = facts.driverVersion;
		// Not for a GPU another driver (vfio-pci) owns: probeGpus cleared its backend.
		for (auto &g : st.report.gpus)
			if (!g.backend.empty())
				g.driverVersion = facts.driverVersion;
	} else if (!facts.driverVersion.empty() &&
		   facts.driverVersion != st.report.driver.version) {
		st.warn("NVML reports driver " + facts.driverVersion + ", the kernel module " +
			st.report.driver.version);
	}
}

class NvidiaProbe final : public GpuProbe {
public:
	NvidiaProbe(Host &host, fs::NvmlMode nvml) : host_(host), nvml_(nvml) {}

	std::string_view vendor() const noexcept override { return "nvidia"; }

	Result<ProbeReport> probe() noexcept override
	{
		return guarded("nvidia probe", [&] { return run(); });
	}

private:
	Result<ProbeReport> run()
	{
		ProbeState st;
		st.paths = &host_.paths();
		st.root = st.paths->hostRoot.empty() ? "/" : st.paths->hostRoot;
		st.tree = fs::HostTree(st.root);
		st.report.vendor = "nvidia";
		if (!st.tree.isDirectory("/proc/driver/nvidia") &&
		    !st.tree.isDirectory("/sys/module/nvidia"))
			return noDriver(st);
		readDriver(st);
		probeGpus(st);
		if (fs::nvmlWanted(nvml_, st.root) && !st.report.gpus.empty()) {
			std::vector<std::string> bdfs;
			for (auto &g : st.report.gpus)
				bdfs.push_back(g.pciBdf);
			std::string why;
			if (auto facts = fs::queryNvml(bdfs, why))
				mergeNvml(st, *facts);
			else
				host_.log(LogLevel::Info,
					  why + " (compute capability from the PCI id table)");
		}
		// Only now: NVML may have supplied the version the module did not.
		if (st.report.driver.version.empty())
			st.warn("driver version unknown: neither /sys/module/nvidia/version nor "
				"/proc/driver/nvidia/version holds one, and NVML was not asked or "
				"had none");
		for (auto &g : st.report.gpus)
			if (g.arch.empty())
				st.warn("GPU " + g.pciBdf + " (" + g.pciDeviceId +
					"): compute capability unknown (not in the PCI id table, "
					"no NVML)");
		probeControlNodes(st);
		probeDriverFiles(st, st.report.driver.version);
		return std::move(st.report);
	}

	Result<ProbeReport> noDriver(ProbeState &st)
	{
		if (st.tree.isDirectory("/sys/module/nouveau")) {
			st.report.driver = {"nouveau", "", "nouveau"};
			probeNouveauGpus(st);
			if (!st.report.gpus.empty()) {
				st.warn("nouveau is loaded: no NVIDIA driver usable for containers "
					"(install the NVIDIA driver and blacklist nouveau)");
				return std::move(st.report);
			}
		}
		auto nodes = presentDeviceNodes(st);
		if (!nodes.empty())
			return err(
				Errc::Unavailable,
				"broken NVIDIA install: " + joinList(nodes) +
					" exist but the kernel driver is not loaded "
					"(/proc/driver/nvidia and /sys/module/nvidia are missing)");
		return err(Errc::Skip, "no NVIDIA driver loaded: no /proc/driver/nvidia or "
				       "/sys/module/nvidia");
	}

	Host &host_;
	fs::NvmlMode nvml_;
};

Result<std::unique_ptr<GpuProbe>> create(Host &host, const ConfigView &config)
{
	for (auto &k : config.unknownKeys({"nvml"}))
		host.log(LogLevel::Warn, "unknown key \"" + k + "\" in [plugins.\"probe.nvidia\"]");
	auto nvml = fs::nvmlModeFromConfig(config, "probe.nvidia");
	if (!nvml)
		return unexpected(std::move(nvml).error());
	return std::unique_ptr<GpuProbe>(std::make_unique<NvidiaProbe>(host, *nvml));
}

} // namespace

} // namespace tb::nvidia

TB_PLUGIN(tb::GpuProbe, "nvidia", "0.1.0", &tb::nvidia::create);
