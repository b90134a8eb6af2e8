// SPDX-License-Identifier: Apache-2.0
// Probe inventory -> CDI specs: one spec per vendor; a device per GPU name, per partition and
// "all"; control nodes, driver files, profile and isolation edits at spec level.
#include "spec_build.h"

#include <algorithm>
#include <set>

#include <tb/config.h>
#include <tb/gpus.h>

#include "cdi_internal.h"
#include "internal/config_values.h"
#include "tbsupport/dev_node.h"
#include "tbsupport/host_fs.h"

namespace tb {

namespace cdi {

namespace {

constexpr const char *kMpsPipeDir = "/tmp/nvidia-mps";

// The kind of a probe's spec; the WSL2 probe's GPUs carry the vendor behind /dev/dxg.
std::string kindOf(const ProbeRun &run, const std::string &cls)
{
	std::string vendor = run.probe;
	if (run.probe == "wsl2")
		vendor = run.report.gpus.empty() ? "microsoft" : run.report.gpus.front().vendor;
	return vendor + ".com/" + cls;
}

bool selected(std::string_view want, std::string_view probe)
{
	return want == "all" || want == probe || (want == "wsl" && probe == "wsl2");
}

bool isDrm(const DeviceNode &n)
{
	return n.path.starts_with("/dev/dri/");
}

bool isNvidiaControl(const DeviceNode &n, const ResolvedProfile &p)
{
	if (n.path == "/dev/nvidiactl")
		return true;
	if (n.path.starts_with("/dev/nvidia-uvm"))
		return p.compute;
	if (n.path == "/dev/nvidia-modeset")
		return p.graphics || p.display;
	return false; // MIG config/monitor caps and IMEX channels are not per-container
}

struct Ctx {
	const ProbeRun &run;
	const ResolvedProfile &profile;
	const Config &config;
	const HostMap &host;
	const CdiOptions &opt;
	std::string isolation;
};

// A device's edits, normalised (the same edits normalised again give the same).
CdiContainerEdits gpuEdits(const Ctx &c, const std::vector<DeviceNode> &nodes)
{
	CdiContainerEdits e;
	bool dropDrm = c.run.probe == "nvidia" && !c.profile.drmNodes;
	e.deviceNodes.reserve(nodes.size());
	for (const auto &n : nodes)
		if (!(dropDrm && isDrm(n)))
			e.deviceNodes.push_back(specNode(n, c.host, e.additionalGids));
	normalize(e);
	return e;
}

// Add a device named \a name (by index) and, when \a alias is set, one named by it (UUID);
// both with \a edits, unless those are empty.
void addDevices(CdiSpec &spec, std::string name, std::string alias, CdiContainerEdits edits)
{
	if (edits.empty())
		return;
	if (!name.empty() && !alias.empty())
		spec.devices.push_back({std::move(name), {}, edits});
	else if (!name.empty())
		alias = std::move(name);
	if (!alias.empty())
		spec.devices.push_back({std::move(alias), {}, std::move(edits)});
}

Result<void> addIsolation(const Ctx &c, size_t gpus, CdiSpec &spec)
{
	auto &env = spec.containerEdits.env;
	env.push_back("BOLT_GPU_ISOLATION=" + c.isolation);
	spec.annotations["tb.gpu/isolation"] = c.isolation;
	if (c.isolation != "virtual")
		return {};
	const auto &ipc = c.run.report.ipcSockets;
	if (c.run.probe != "nvidia")
		return err(Errc::Unsupported, "isolation 'virtual' needs NVIDIA MPS; " + spec.kind +
						      " GPUs have none");
	if (std::find(ipc.begin(), ipc.end(), kMpsPipeDir) == ipc.end())
		return err(Errc::Unsupported,
			   std::string("isolation 'virtual' needs NVIDIA MPS, which is not "
				       "running: no ") +
				   kMpsPipeDir + " pipe directory on the host (start it with " +
				   "`nvidia-cuda-mps-control -d`)");
	spec.containerEdits.mounts.push_back({c.host.mountSource(kMpsPipeDir),
					      kMpsPipeDir,
					      {"nosuid", "nodev", "noexec", "rbind", "rprivate"},
					      ""});
	env.push_back(std::string("CUDA_MPS_PIPE_DIRECTORY=") + kMpsPipeDir);
	if (const auto &limit = c.config.bolt.capsule.gpuMemoryLimit; !limit.empty()) {
		auto bytes = config::parseSize(limit);
		if (!bytes)
			return err(Errc::InvalidArgument,
				   "gpu_memory_limit '" + limit + "': not a size");
		// Ordinals as the container sees them: any subset of the GPUs is renumbered 0..n-1.
		std::string v;
		for (size_t i = 0; i < gpus; ++i)
			v += (i ? "," : "") + std::to_string(i) + "=" + mpsMemoryLimit(*bytes);
		env.push_back("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=" + v);
	}
	if (c.opt.computeShare > 0)
		env.push_back("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=" +
			      std::to_string(c.opt.computeShare));
	return {};
}

Result<CdiSpec> buildSpec(const Ctx &c)
{
	const ProbeReport &r = c.run.report;
	bool nvidia = c.run.probe == "nvidia";
	CdiSpec spec;
	spec.kind = kindOf(c.run, c.opt.kindClass);
	spec.annotations["tb.gpu/profile"] = c.profile.name;
	auto &common = spec.containerEdits;
	if (nvidia)
		common.env.push_back("NVIDIA_VISIBLE_DEVICES=void"); // a legacy hook stays idle
	for (auto &e : profileEnv(c.profile, c.config, spec.kind.substr(0, spec.kind.find('.'))))
		common.env.push_back(std::move(e));
	TB_TRY(addIsolation(c, r.gpus.size(), spec));

	std::set<std::string_view> perGpu; // /dev/dxg is the WSL2 device, not a control node
	for (const auto &g : r.gpus)
		for (const auto &n : g.nodes)
			perGpu.insert(n.path);
	for (const auto &n : r.controlNodes) {
		if (perGpu.count(n.path) || (nvidia && !isNvidiaControl(n, c.profile)) ||
		    (n.path == "/dev/kfd" && !c.profile.compute))
			continue;
		common.deviceNodes.push_back(specNode(n, c.host, common.additionalGids));
	}
	for (const auto &path : c.profile.additionalDevices) {
		auto n = support::statDeviceNode(c.host.root(), path);
		if (!n)
			return err(n.error().code,
				   "profile '" + c.profile.name +
					   "': additional device: " + n.error().message);
		common.deviceNodes.push_back(specNode(*n, c.host, common.additionalGids));
	}
	addDriverFiles(r, c.profile, c.host, common);

	bool byIndex = c.opt.deviceNames != CdiDeviceNames::Uuid;
	bool byUuid = c.opt.deviceNames != CdiDeviceNames::Index;
	CdiContainerEdits all;
	for (const auto &g : r.gpus) {
		auto e = gpuEdits(c, g.nodes);
		append(all, e);
		bool hasUuid = !g.uuid.empty();
		addDevices(spec, byIndex || !hasUuid ? std::to_string(g.index) : std::string(),
			   byUuid && hasUuid ? g.uuid : std::string(), std::move(e));
		if (!c.profile.partitions)
			continue;
		std::vector<DeviceNode> parent;
		for (const auto &n : g.nodes)
			if (!isDrm(n))
				parent.push_back(n); // /dev/nvidiaN; AMD partitions bring their own
		for (size_t i = 0; i < g.partitions.size(); ++i) {
			const auto &p = g.partitions[i];
			std::vector<DeviceNode> nodes = parent;
			nodes.insert(nodes.end(), p.nodes.begin(), p.nodes.end());
			auto pe = gpuEdits(c, nodes);
			append(all, pe);
			bool mig = p.id.starts_with("MIG-");
			addDevices(spec,
				   byIndex || !mig
					   ? std::to_string(g.index) + ":" + std::to_string(i)
					   : std::string(),
				   byUuid && mig ? p.id : std::string(), std::move(pe));
		}
	}
	normalize(all);
	addDevices(spec, "all", {}, std::move(all));
	normalize(common);
	simplify(spec);
	return spec;
}

} // namespace

HostMap::HostMap(std::string root, bool prefixed, HostFacts &facts)
    : root_(std::move(root)), facts_(facts)
{
	if (prefixed && !support::isRealRoot(root_)) {
		prefix_ = root_;
		while (prefix_.size() > 1 && prefix_.back() == '/')
			prefix_.pop_back();
	}
}

std::string HostMap::hostPath(std::string_view path) const
{
	if (prefix_.empty())
		return "";
	std::string out;
	out.reserve(prefix_.size() + path.size() + 1);
	out += prefix_;
	if (path.empty() || path.front() != '/')
		out += '/';
	out += path;
	return out;
}

std::string HostMap::mountSource(std::string_view path) const
{
	return prefix_.empty() ? std::string(path) : hostPath(path);
}

CdiDeviceNode specNode(const DeviceNode &n, const HostMap &host, std::vector<uint32_t> &gids)
{
	CdiDeviceNode s;
	s.path = n.path;
	s.hostPath = host.hostPath(n.path);
	s.type = std::string(1, n.type);
	s.major = n.major;
	s.minor = n.minor;
	s.fileMode = n.fileMode;
	s.permissions = "rwm";
	// A node others may not open (card* is root:video 0660) needs its group in the
	// container.
	if (n.fileMode != 0 && (n.fileMode & 06) != 06) {
		if (int64_t gid = host.facts().nodeGid(n.path); gid >= 0) {
			s.gid = gid;
			gids.push_back(static_cast<uint32_t>(gid));
		}
	}
	return s;
}

} // namespace cdi

namespace {

Result<CdiGeneration> generate(const GpuInventory &inventory, const Config &config,
			       std::string_view hostRoot, const CdiOptions &options)
{
	const auto &v = options.vendor;
	if (v != "all" && v != "nvidia" && v != "amd" && v != "intel" && v != "wsl")
		return err(Errc::InvalidArgument,
			   "vendor '" + v + "': expected nvidia, amd, intel, wsl or all");
	std::string isolation =
		options.isolation.empty() ? config.bolt.capsule.isolationLevel : options.isolation;
	if (isolation != "shared" && isolation != "exclusive" && isolation != "virtual")
		return err(Errc::InvalidArgument,
			   "isolation '" + isolation + "': expected shared, exclusive or virtual");
	if (options.computeShare < 0 || options.computeShare > 100)
		return err(Errc::InvalidArgument, "compute share " +
							  std::to_string(options.computeShare) +
							  ": expected a percentage 1-100");
	if (!cdi::validQualifier(options.kindClass))
		return err(
			Errc::InvalidArgument,
			"class '" + options.kindClass +
				"': starts with a letter, ends with a letter or digit, holds only "
				"letters, digits, '_', '.', '-'");
	auto profile = TB_TRY(resolveProfile(config, options.profile));
	std::string root(hostRoot.empty() ? "/" : hostRoot);
	auto facts = cdi::HostFacts::of(inventory, root);
	cdi::HostMap host(std::move(root), options.prefixHostPaths, *facts);

	CdiGeneration out;
	std::vector<std::string> unusable; // kinds whose GPUs have no node the profile wants
	for (const auto &run : inventory.probes) {
		if (!cdi::selected(v, run.probe))
			continue;
		if (run.status == ProbeStatus::Failed)
			return unexpected(Error(run.error).wrap("probe " + run.probe));
		if (run.status != ProbeStatus::Ok || run.report.gpus.empty())
			continue;
		cdi::Ctx c{run, profile, config, host, options, isolation};
		auto spec = TB_TRY(cdi::buildSpec(c));
		if (spec.devices.empty()) { // e.g. nouveau: DRM nodes only, and aiml wants none
			unusable.push_back(spec.kind);
			continue;
		}
		TB_TRY(cdi::fitVersion(spec, options.maxCdiVersion, out.warnings));
		for (const auto &w : run.report.warnings)
			out.warnings.push_back(run.probe + ": " + w);
		out.specs.push_back(std::move(spec));
	}
	for (const auto &kind : unusable)
		out.warnings.push_back(kind +
				       ": no device node of these GPUs is usable with profile '" +
				       profile.name + "'");
	if (out.specs.empty() && !unusable.empty())
		return err(Errc::NotFound,
			   "no GPU usable with profile '" + profile.name + "' (" +
				   unusable.front() +
				   ": no device node it needs, e.g. no NVIDIA driver)");
	if (out.specs.empty())
		return err(Errc::NotFound, v == "all" ? std::string("no GPU found on this host")
						      : "no " + v + " GPU found on this host");
	std::sort(out.specs.begin(), out.specs.end(),
		  [](const CdiSpec &a, const CdiSpec &b) { return a.kind < b.kind; });
	return out;
}

} // namespace

Result<CdiGeneration> generateCdi(const GpuInventory &inventory, const Config &config,
				  std::string_view hostRoot, const CdiOptions &options)
{
	return generate(inventory, config, hostRoot, options).wrap("cdi generate");
}

} // namespace tb
