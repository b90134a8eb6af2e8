// SPDX-License-Identifier: Apache-2.0
// `tb run`'s GPUs: selection, the run's CDI spec (transient) or its edits, the lease.
#include <random>
#include <string>

#include <fmt/core.h>
#include <unistd.h>

#include <tb/cdi.h>
#include <tb/context.h>
#include <tb/gpus.h>

#include "run/run_internal.h"

namespace tb::run {
namespace {

std::string trim(std::string s)
{
	auto b = s.find_first_not_of(" \t");
	auto e = s.find_last_not_of(" \t");
	return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string describe(const std::vector<GpuDevice> &gpus)
{
	std::string out;
	for (const auto &g : gpus)
		out += (out.empty() ? "" : ", ") + fmt::format("{} {}", g.vendor, g.index) +
		       (g.uuid.empty() ? "" : " (" + g.uuid + ")");
	return out.empty() ? "no GPU" : out;
}

} // namespace

std::string newRunId()
{
	std::random_device rd;
	return fmt::format("{}-{:08x}", ::getpid(), rd());
}

Result<std::vector<GpuDevice>> selectGpus(const std::vector<GpuDevice> &gpus,
					  const std::string &selection)
{
	if (selection == "none")
		return std::vector<GpuDevice>{};
	if (gpus.empty())
		return err(Errc::NotFound, "--gpus " + selection + ": the probes found no GPU");
	if (selection == "all")
		return gpus;
	if (selection == "first")
		return std::vector<GpuDevice>{gpus.front()};
	std::vector<GpuDevice> out;
	size_t pos = 0;
	while (pos <= selection.size()) {
		size_t comma = selection.find(',', pos);
		std::string item = trim(selection.substr(
			pos, comma == std::string::npos ? std::string::npos : comma - pos));
		const GpuDevice *hit = nullptr;
		for (const auto &g : gpus)
			if ((!g.uuid.empty() && g.uuid == item) || std::to_string(g.index) == item)
				hit = hit ? hit : &g;
		if (!hit)
			return err(Errc::NotFound,
				   "--gpus " + selection + ": no GPU '" + item +
					   "' on this host (found: " + describe(gpus) + ")");
		out.push_back(*hit);
		if (comma == std::string::npos)
			break;
		pos = comma + 1;
	}
	return out;
}

Result<void> prepareGpus(Context &ctx, const std::string &selection, const Runtime &runtime,
			 const std::string &runId, bool dryRun, RunPlan &plan,
			 std::vector<GpuDevice> &selected)
{
	(void)runtime;
	(void)runId;
	(void)dryRun;
	if (selection == "none")
		return {};
	auto inventory = TB_TRY(probeGpus(ctx));
	selected = TB_TRY(selectGpus(inventory.gpus, selection));
	auto specs = TB_TRY(generateCdi(ctx, plan.request.profile));
	(void)specs;
	return err(Errc::NotImplemented, "GPU passthrough: waiting for the CDI generator");
}

} // namespace tb::run
