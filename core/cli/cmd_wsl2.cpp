// SPDX-License-Identifier: Apache-2.0
// `tb wsl2 check`: what a WSL2 host has and lacks for GPU containers.
#include <string>
#include <vector>

#include <fmt/core.h>

#include <tb/gpus.h>

#include "cli.h"

namespace tb::cli {

namespace {

struct CheckItem {
	std::string name;
	bool present = false;
	bool required = false;
	std::string path;
};

// The wsl2 probe reports "check.<item>" = "present|missing:required|optional:<path>".
std::vector<CheckItem> checkItems(const ProbeReport &r)
{
	std::vector<CheckItem> out;
	for (auto &[k, v] : r.facts) {
		if (k.rfind("check.", 0) != 0)
			continue;
		size_t a = v.find(':');
		size_t b = a == std::string::npos ? a : v.find(':', a + 1);
		if (b == std::string::npos)
			continue;
		out.push_back({k.substr(6), v.substr(0, a) == "present",
			       v.substr(a + 1, b - a - 1) == "required", v.substr(b + 1)});
	}
	return out;
}

int runCheck(const GpuInventory &inv)
{
	const ProbeRun *run = inv.find("wsl2");
	if (!run) {
		fmt::print("WSL2: unknown (the probe.wsl2 plugin is not loaded; see `tb plugins "
			   "ls`)\n");
		return ExitFailed;
	}
	if (run->status == ProbeStatus::Skipped) {
		fmt::print("WSL2: no ({})\n", run->error.message);
		return ExitFailed;
	}
	if (run->status == ProbeStatus::Failed) {
		fmt::print("WSL2: probe failed: {}\n", run->error.message);
		return ExitFailed;
	}
	const ProbeReport &r = run->report;
	auto fact = [&](const char *k) {
		auto it = r.facts.find(k);
		return it == r.facts.end() ? std::string("-") : it->second;
	};
	fmt::print("WSL2: yes (detected by {})\n", fact("wsl2.detectedBy"));
	fmt::print("Kernel: {}\n", fact("wsl2.kernelRelease"));
	if (r.facts.count("wsl2.distro"))
		fmt::print("Distribution: {}\n", fact("wsl2.distro"));
	fmt::print("NVIDIA driver store: {}\n", fact("wsl2.driverStore.nvidia"));
	fmt::print("GPU-PV adapters: {}\n\n", r.gpus.size());
	int missingRequired = 0;
	for (auto &i : checkItems(r)) {
		fmt::print("{:<8} {:<9} {:<12} {}\n", i.present ? "present" : "missing",
			   i.required ? "required" : "optional", i.name,
			   i.path.empty() ? "-" : i.path);
		missingRequired += !i.present && i.required;
	}
	if (missingRequired) {
		fmt::print("\nNot ready: {} required item(s) missing.\n", missingRequired);
		return ExitFailed;
	}
	// The NVIDIA driver store is a required item: being ready means CUDA through it.
	fmt::print("\nReady for GPU containers (CUDA via the NVIDIA driver store).\n");
	return ExitOk;
}

} // namespace

void registerWsl2(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("wsl2", "WSL2 GPU support");
	cmd->require_subcommand(1);
	auto *check = cmd->add_subcommand("check",
					  "Report what a WSL2 host has and lacks for GPU "
					  "containers (exit 1 when something required is missing)");
	check->callback([&env]() {
		auto inv = probeHostGpus(env);
		if (!inv)
			return;
		env.exitCode = runCheck(*inv);
	});
}

} // namespace tb::cli
