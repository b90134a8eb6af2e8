// SPDX-License-Identifier: Apache-2.0
// `tb info [--detailed] [--json]`: the host's GPUs, drivers, WSL2 state and driver libraries.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/core.h>

#include <tb/gpus.h>

#include "cli.h"

namespace tb::cli {

namespace {

std::string orDash(const std::string &s)
{
	return s.empty() ? "-" : s;
}

std::string memory(uint64_t bytes)
{
	if (bytes == 0)
		return "-";
	double gib = static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0);
	return gib >= 10 ? fmt::format("{:.0f} GiB", gib) : fmt::format("{:.1f} GiB", gib);
}

// "550.54.14 (open)"; in-tree drivers without a version show their type alone ("xe").
std::string driverText(const std::string &version, const std::string &type)
{
	if (version.empty())
		return type.empty() ? "-" : type;
	return type.empty() ? version : version + " (" + type + ")";
}

std::string driverLine(const DriverInfo &d)
{
	std::string s = d.name.empty() ? "-" : d.name;
	if (!d.version.empty())
		s += " " + d.version;
	if (!d.type.empty() && d.type != d.name)
		s += " (" + d.type + ")";
	return s;
}

std::string nodeText(const DeviceNode &n)
{
	std::string s = fmt::format("{} ({} {}:{}", n.path, n.type, n.major, n.minor);
	if (n.fileMode)
		s += fmt::format(" {:04o}", n.fileMode);
	return s + ")";
}

std::string fact(const ProbeReport &r, const std::string &key)
{
	auto it = r.facts.find(key);
	return it == r.facts.end() ? std::string() : it->second;
}

void printTable(const GpuInventory &inv)
{
	if (inv.gpus.empty()) {
		fmt::print("No GPUs found.\n");
	} else {
		std::vector<std::vector<std::string>> rows;
		rows.push_back({"GPU", "VENDOR", "NAME", "PCI BDF", "BACKEND", "ARCH", "WARP",
				"MEMORY", "NUMA", "DRIVER"});
		for (auto &g : inv.gpus)
			rows.push_back({std::to_string(g.index), g.vendor, orDash(g.name),
					orDash(g.pciBdf), orDash(g.backend), orDash(g.arch),
					g.warpSize ? std::to_string(g.warpSize) : "-",
					memory(g.memoryBytes),
					g.numaNode >= 0 ? std::to_string(g.numaNode) : "-",
					driverText(g.driverVersion, g.driverType)});
		std::vector<size_t> width(rows[0].size(), 0);
		for (auto &r : rows)
			for (size_t i = 0; i < r.size(); ++i)
				width[i] = std::max(width[i], r[i].size());
		for (auto &r : rows) {
			std::string line;
			for (size_t i = 0; i < r.size(); ++i)
				line += i + 1 < r.size() ? fmt::format("{:<{}}  ", r[i], width[i])
							 : r[i];
			fmt::print("{}\n", line);
		}
	}
	std::vector<std::string> drivers;
	for (auto &p : inv.probes)
		if (p.status == ProbeStatus::Ok)
			drivers.push_back(driverLine(p.report.driver));
	std::string joined;
	for (auto &d : drivers)
		joined += (joined.empty() ? "" : ", ") + d;
	fmt::print("Driver: {}\n", drivers.empty() ? "none" : joined);
	const ProbeRun *wsl = inv.find("wsl2");
	if (inv.wsl2())
		fmt::print("WSL2: yes (kernel {})\n",
			   orDash(fact(wsl->report, "wsl2.kernelRelease")));
	else
		fmt::print("WSL2: no\n");
	fmt::print("Libraries: {}\n", inv.libraryCount());
	for (auto &p : inv.probes) {
		if (p.status == ProbeStatus::Failed)
			fmt::print("error: probe {} failed: {}\n", p.probe, p.error.message);
		for (auto &w : p.report.warnings)
			fmt::print("warning: {}: {}\n", p.probe, w);
	}
}

void printList(const char *title, const std::vector<std::string> &items)
{
	if (items.empty())
		return;
	fmt::print("  {} ({}):\n", title, items.size());
	for (auto &i : items)
		fmt::print("    {}\n", i);
}

void printGpu(const GpuDevice &g, const ProbeReport &r)
{
	fmt::print("GPU {} ({}): {}\n", g.index, g.vendor, orDash(g.name));
	fmt::print("  PCI:        {} (device {}), NUMA node {}\n", orDash(g.pciBdf),
		   orDash(g.pciDeviceId), g.numaNode >= 0 ? std::to_string(g.numaNode) : "-");
	if (auto path = fact(r, "pciPath." + g.pciBdf); !path.empty())
		fmt::print("  Topology:   {}\n", path);
	if (auto hive = fact(r, "xgmiHive." + g.pciBdf); !hive.empty())
		fmt::print("  XGMI hive:  {}\n", hive);
	if (auto node = fact(r, "kfdNode." + g.pciBdf); !node.empty())
		fmt::print("  KFD node:   {}\n", node);
	fmt::print("  UUID:       {}\n", orDash(g.uuid));
	fmt::print("  Compute:    backend {}, arch {}, warp {}, memory {}\n",
		   g.backend.empty() ? "none" : g.backend, g.arch.empty() ? "unknown" : g.arch,
		   g.warpSize ? std::to_string(g.warpSize) : "unknown",
		   g.memoryBytes ? memory(g.memoryBytes) : "unknown");
	fmt::print("  Driver:     {}\n", driverText(g.driverVersion, g.driverType));
	for (auto &n : g.nodes)
		fmt::print("  Node:       {}\n", nodeText(n));
	for (auto &p : g.partitions) {
		fmt::print("  Partition:  {}{}\n", p.id,
			   p.profile.empty() ? "" : " (" + p.profile + ")");
		for (auto &n : p.nodes)
			fmt::print("    {}\n", nodeText(n));
	}
}

void printDetailed(const GpuInventory &inv)
{
	printTable(inv);
	for (auto &p : inv.probes) {
		fmt::print("\nProbe {}: {}", p.probe, probeStatusName(p.status));
		if (p.status != ProbeStatus::Ok) {
			fmt::print(" ({})\n", p.error.message);
			continue;
		}
		const ProbeReport &r = p.report;
		fmt::print(", driver {}\n", driverLine(r.driver));
		for (auto &g : r.gpus)
			printGpu(g, r);
		if (!r.controlNodes.empty()) {
			fmt::print("  Control nodes ({}):\n", r.controlNodes.size());
			for (auto &n : r.controlNodes)
				fmt::print("    {}\n", nodeText(n));
		}
		printList("Libraries", r.libraries);
		printList("Firmware", r.firmware);
		printList("Binaries", r.binaries);
		printList("IPC sockets", r.ipcSockets);
		printList("Config files", r.configFiles);
		std::vector<std::string> facts;
		for (auto &[k, v] : r.facts)
			if (k.rfind("pciPath.", 0) && k.rfind("xgmiHive.", 0) &&
			    k.rfind("kfdNode.", 0))
				facts.push_back(k + " = " + v);
		printList("Facts", facts);
	}
}

} // namespace

void registerInfo(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("info", "Show the host's GPUs, drivers and libraries");
	static bool detailed = false, json = false;
	cmd->add_flag("--detailed", detailed,
		      "Add device nodes, libraries, MIG/partitions, topology");
	cmd->add_flag("--json", json, "Machine-readable output (schema: docs/gpu-probes.md)");
	onRun(cmd, env, [&env]() -> Status {
		auto inv = TB_TRY(hostGpus(env));
		if (inv.probes.empty() && !json) {
			// "No GPUs found" would be a guess: nothing looked.
			return err(Errc::Unavailable,
				   "info: no GPU probe plugin is loaded (see `tb plugins ls`)");
		}
		if (json)
			fmt::print("{}", gpuInventoryJson(inv));
		else if (detailed)
			printDetailed(inv);
		else
			printTable(inv);
		// The report is printed either way; a failed probe (broken install) still fails,
		// and so does a JSON report that no probe contributed to.
		return inv.anyFailed() || inv.probes.empty() ? ExitFailed : ExitOk;
	});
}

} // namespace tb::cli
