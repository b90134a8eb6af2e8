// SPDX-License-Identifier: Apache-2.0
// `tb run`'s GPUs: selection, the run's CDI spec (transient) or its edits, the lease.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <fmt/core.h>
#include <unistd.h>

#include <tb/cdi.h>
#include <tb/context.h>
#include <tb/gpus.h>
#include <tb/lease.h>

#include "cdi/cdi_internal.h"
#include "run/run_internal.h"

namespace fs = std::filesystem;

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

// The spec's vendor ("nvidia.com/gpu" -> "nvidia"), which is also GpuDevice::vendor.
std::string vendorOf(const CdiSpec &spec)
{
	return spec.kind.substr(0, spec.kind.find('.'));
}

// One device `tb-<id>` with the edits of the selected GPUs (or of "all").
Result<CdiSpec> runSpec(const CdiSpec &spec, const std::vector<GpuDevice> &gpus, bool all,
			const std::string &runId)
{
	CdiSpec out;
	out.kind = spec.kind;
	// No annotations: they need cdiVersion 0.6.0 (see kTransientCdiVersion), and the
	// isolation level reaches the container as BOLT_GPU_ISOLATION anyway.
	out.containerEdits = spec.containerEdits;
	CdiDevice dev;
	dev.name = "tb-" + runId;
	std::vector<std::string> names;
	if (all)
		names.push_back("all");
	else
		for (const auto &g : gpus)
			if (g.vendor == vendorOf(spec))
				names.push_back(std::to_string(g.index));
	for (const auto &n : names) {
		auto it = std::find_if(spec.devices.begin(), spec.devices.end(),
				       [&](const CdiDevice &d) { return d.name == n; });
		if (it == spec.devices.end())
			return err(Errc::NotFound,
				   "the " + spec.kind + " spec has no device '" + n + "'");
		cdi::append(dev.containerEdits, it->containerEdits);
	}
	cdi::normalize(dev.containerEdits);
	out.devices.push_back(std::move(dev));
	out.cdiVersion = cdiRequiredVersion(out);
	return out;
}

// A runtime applies a spec's variables after -e: a persistent spec may only set what the
// container gets anyway (or what nothing else sets).
bool agrees(const std::vector<std::string> &specEnv, const EnvList &env, const EnvList &userEnv)
{
	for (const auto &kv : specEnv) {
		auto eq = kv.find('=');
		std::string k = kv.substr(0, eq),
			    v = eq == std::string::npos ? "" : kv.substr(eq + 1);
		const std::string *final = nullptr;
		for (const auto *list : {&env, &userEnv})
			for (const auto &x : *list)
				if (x.first == k)
					final = &x.second;
		if (final && *final != v)
			return false;
	}
	return true;
}

void setEnv(EnvList &env, const std::string &kv)
{
	auto eq = kv.find('=');
	std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
	auto it = std::find_if(env.begin(), env.end(), [&](const auto &x) { return x.first == k; });
	if (it != env.end())
		it->second = v;
	else
		env.emplace_back(k, v);
}

// The spec's variables go to the request (`-e`), in order, replacing config values: a
// runtime applies a spec's env after its own -e, so left in the spec they would override
// the user's -e, which must win over everything.
void moveEnv(CdiSpec &spec, RunRequest &r)
{
	for (const auto &kv : spec.containerEdits.env)
		setEnv(r.env, kv);
	spec.containerEdits.env.clear();
	for (auto &d : spec.devices) {
		for (const auto &kv : d.containerEdits.env)
			setEnv(r.env, kv);
		d.containerEdits.env.clear();
	}
}

// For a runtime that cannot resolve CDI names: the edits as plain request fields.
void translate(const CdiContainerEdits &e, RunRequest &r)
{
	for (const auto &n : e.deviceNodes) {
		DeviceNode d;
		d.path = n.path;
		d.hostPath = n.hostPath == n.path ? std::string() : n.hostPath;
		d.type = n.type.empty() ? 'c' : n.type[0];
		d.major = n.major;
		d.minor = n.minor;
		d.fileMode = n.fileMode;
		if (std::none_of(r.devices.begin(), r.devices.end(),
				 [&](const DeviceNode &x) { return x.path == d.path; }))
			r.devices.push_back(std::move(d));
	}
	for (const auto &m : e.mounts)
		r.mounts.push_back(Mount{m.hostPath, m.containerPath, m.options});
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

Result<void> prepareGpus(Context &ctx, const std::string &selection, const Runtime *runtime,
			 const std::string &runId, bool dryRun, const EnvList &userEnv,
			 RunPlan &plan, std::vector<GpuDevice> &selected)
{
	if (selection == "none")
		return {};
	auto inventory = TB_TRY(probeGpus(ctx));
	selected = TB_TRY(selectGpus(inventory.gpus, selection));
	RunRequest &r = plan.request;
	CdiOptions co;
	co.profile = r.profile;
	co.isolation = r.isolation;
	co.deviceNames = CdiDeviceNames::Index;
	// The runtime tb execs sees the host where tb does: under --host-root.
	co.prefixHostPaths = true;
	auto gen = TB_TRY(generateCdi(inventory, ctx.config(), ctx.paths().hostRoot, co));
	plan.warnings.insert(plan.warnings.end(), gen.warnings.begin(), gen.warnings.end());
	bool all = selection == "all";
	bool cdi = runtime && runtime->supportsCdi();
	for (const auto &spec : gen.specs) {
		std::string vendor = vendorOf(spec);
		if (std::none_of(selected.begin(), selected.end(),
				 [&](const GpuDevice &g) { return g.vendor == vendor; }))
			continue;
		CdiSpec s = TB_TRY(runSpec(spec, selected, all, runId));
		moveEnv(s, r);
		if (!cdi) {
			translate(s.containerEdits, r);
			translate(s.devices.front().containerEdits, r);
			continue;
		}
		// A persistent spec that already gives all of it: name its devices, write none.
		std::vector<std::vector<std::string>> candidates;
		if (all)
			candidates.push_back({"all"});
		else
			for (const auto &g : selected)
				if (g.vendor == vendor)
					candidates.push_back(
						g.uuid.empty()
							? std::vector<std::string>{std::to_string(
								  g.index)}
							: std::vector<std::string>{
								  std::to_string(g.index), g.uuid});
		auto p = findPersistentDevices(cdiSpecDirs(ctx.config()), s, candidates);
		if (p && agrees(p->env, r.env, userEnv)) {
			r.cdiDevices.insert(r.cdiDevices.end(), p->names.begin(), p->names.end());
			plan.persistentSpecs.insert(plan.persistentSpecs.end(), p->files.begin(),
						    p->files.end());
			continue;
		}
		TB_TRY(cdi::fitVersion(s, kTransientCdiVersion, plan.warnings));
		std::string path =
			kTransientSpecDir + std::string("/tb-") + runId + "-" + vendor + ".json";
		std::string text = cdiSpecJson(s);
		plan.specs.emplace_back(path, text);
		r.cdiDevices.push_back(s.kind + "=" + s.devices.front().name);
		if (dryRun)
			continue;
		auto written = writeCdiSpecs({s}, path, CdiFormat::Json);
		if (!written)
			return unexpected(
				std::move(written).error().wrap("writing the run's CDI spec"));
		plan.held->undo.push_back([path] {
			std::error_code ec;
			fs::remove(path, ec);
		});
	}
	if (r.isolation == "exclusive" && !dryRun) {
		std::vector<std::string> ids;
		for (const auto &g : selected)
			ids.push_back(gpuLeaseId(g));
		auto lease = TB_TRY(acquireGpuLease(gpuLeaseDir(ctx), ids, "tb run " + r.image));
		// The runtime process keeps the lease while the container runs, even if tb dies.
		TB_TRY(lease.inheritAcrossExec());
		auto held = std::make_shared<GpuLease>(std::move(lease));
		plan.held->undo.push_back([held] { held->release(); });
	}
	return {};
}

} // namespace tb::run
