// SPDX-License-Identifier: Apache-2.0
// `tb wsl2 check`: what a WSL2 host has and lacks for GPU containers.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/core.h>

#include <tb/gpus.h>

#include "cli.h"

namespace tb::cli {

namespace {

int runCheck(const Result<HostReport> &report)
{
	if (!report) {
		const Error &e = report.error();
		if (e.code == Errc::NotFound)
			fmt::print("WSL2: unknown ({})\n", e.message);
		else if (e.code == Errc::Skip)
			fmt::print("WSL2: no ({})\n", e.message);
		else
			fmt::print("WSL2: probe failed: {}\n", e.message);
		return ExitFailed;
	}
	const HostReport &r = *report;
	auto orDash = [](const std::string &s) { return s.empty() ? std::string("-") : s; };
	fmt::print("WSL2: yes (detected by {})\n", orDash(r.detectedBy));
	fmt::print("Kernel: {}\n", orDash(r.kernelRelease));
	if (!r.distribution.empty())
		fmt::print("Distribution: {}\n", r.distribution);
	auto store = r.driverStores.find("nvidia");
	fmt::print("NVIDIA driver store: {}\n",
		   store == r.driverStores.end() ? std::string("-") : store->second);
	fmt::print("GPU-PV adapters: {}\n\n", r.adapters);
	std::vector<HostRequirement> items = r.requirements;
	std::stable_sort(items.begin(), items.end(),
			 [](const auto &a, const auto &b) { return a.name < b.name; });
	int missingRequired = 0;
	for (const auto &i : items) {
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
		Context *ctx = env.context(true, {"probe"});
		if (!ctx)
			return;
		env.exitCode = runCheck(hostPlatformReport(*ctx, "wsl2"));
	});
}

} // namespace tb::cli
