// SPDX-License-Identifier: Apache-2.0
// probeGpus(): run every GPU probe and gather devices, drivers, WSL2 facts and libraries.
#include <tb/gpus.h>

#include <algorithm>

#include <tb/context.h>

namespace tb {

std::string_view probeStatusName(ProbeStatus s) noexcept
{
	switch (s) {
	case ProbeStatus::Ok:
		return "ok";
	case ProbeStatus::Skipped:
		return "skip";
	case ProbeStatus::Failed:
		return "failed";
	}
	return "unknown";
}

bool GpuInventory::wsl2() const
{
	const ProbeRun *r = find("wsl2");
	return r && r->status == ProbeStatus::Ok;
}

size_t GpuInventory::libraryCount() const
{
	size_t n = 0;
	for (auto &p : probes)
		if (p.status == ProbeStatus::Ok)
			n += p.report.libraries.size();
	return n;
}

bool GpuInventory::anyFailed() const
{
	return std::any_of(probes.begin(), probes.end(),
			   [](const ProbeRun &p) { return p.status == ProbeStatus::Failed; });
}

const ProbeRun *GpuInventory::find(std::string_view name) const
{
	for (auto &p : probes)
		if (p.probe == name)
			return &p;
	return nullptr;
}

namespace {

ProbeRun runOne(const std::string &name, GpuProbe &probe)
{
	ProbeRun run;
	run.probe = name;
	auto r = probe.probe();
	if (r) {
		run.status = ProbeStatus::Ok;
		run.report = std::move(r).value();
	} else {
		run.error = std::move(r).error();
		run.status =
			run.error.code == Errc::Skip ? ProbeStatus::Skipped : ProbeStatus::Failed;
	}
	return run;
}

void gather(GpuInventory &inv)
{
	for (auto &p : inv.probes)
		if (p.status == ProbeStatus::Ok)
			inv.gpus.insert(inv.gpus.end(), p.report.gpus.begin(), p.report.gpus.end());
}

} // namespace

GpuInventory probeGpus(const std::vector<GpuProbe *> &probes)
{
	GpuInventory inv;
	for (GpuProbe *p : probes)
		if (p)
			inv.probes.push_back(runOne(std::string(p->vendor()), *p));
	std::sort(inv.probes.begin(), inv.probes.end(),
		  [](const ProbeRun &a, const ProbeRun &b) { return a.probe < b.probe; });
	gather(inv);
	return inv;
}

Result<GpuInventory> probeGpus(Context &ctx)
{
	GpuInventory inv;
	std::vector<std::string> names;
	for (auto &info : ctx.plugins())
		if (info.kind == "probe" && info.status == PluginStatus::Ok)
			names.push_back(info.name);
	std::sort(names.begin(), names.end());
	names.erase(std::unique(names.begin(), names.end()), names.end());
	for (auto &name : names)
		if (GpuProbe *p = ctx.gpuProbe(name))
			inv.probes.push_back(runOne(name, *p));
	gather(inv);
	return inv;
}

} // namespace tb
