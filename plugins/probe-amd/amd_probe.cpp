// SPDX-License-Identifier: Apache-2.0
// The "amd" GPU probe: amdgpu PCI devices, KFD topology (gfx arch, wavefront, memory), /dev/kfd.
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <map>

#include <tb/gpu_probe.h>
#include <tb/plugin.h>

#include <tbsupport/dev_node.h>
#include <tbsupport/gpu_parse.h>
#include <tbsupport/host_fs.h>
#include <tbsupport/host_tree.h>
#include <tbsupport/pci.h>

namespace tb::amd {

namespace {

namespace fs = tb::support;

constexpr const char *kDriverDir = "/sys/module/amdgpu/drivers/pci:amdgpu";
constexpr const char *kTopology = "/sys/class/kfd/kfd/topology/nodes";

struct KnownPart {
	uint16_t deviceId;
	const char *name;
};
constexpr KnownPart kParts[] = {
	{0x738c, "AMD Instinct MI100"},        {0x73bf, "AMD Radeon RX 6900 XT"},
	{0x740c, "AMD Instinct MI250X/MI250"}, {0x740f, "AMD Instinct MI210"},
	{0x744c, "AMD Radeon RX 7900 XTX"},    {0x74a1, "AMD Instinct MI300X"},
};

/// One GPU node of the KFD topology (CPU nodes are dropped).
struct KfdNode {
	std::string id;
	std::map<std::string, uint64_t> props;
	uint64_t memory = 0;
};

class AmdProbe final : public GpuProbe {
public:
	explicit AmdProbe(Host &host) : host_(host) {}

	std::string_view vendor() const noexcept override { return "amd"; }

	Result<ProbeReport> probe() noexcept override
	{
		return guarded("amd probe", [&] { return run(); });
	}

private:
	std::string path(std::string_view absolute) const
	{
		return hostPath(host_.paths(), absolute);
	}
	std::string root() const
	{
		return host_.paths().hostRoot.empty() ? "/" : host_.paths().hostRoot;
	}

	void addNode(ProbeReport &r, std::vector<DeviceNode> &into, const std::string &absolute)
	{
		auto n = fs::statDeviceNode(root(), absolute);
		if (n)
			into.push_back(std::move(*n));
		else
			r.warnings.push_back(n.error().message);
	}

	std::vector<KfdNode> readTopology()
	{
		std::vector<KfdNode> out;
		for (auto &id : fs::listDir(path(kTopology))) {
			std::string dir = std::string(kTopology) + "/" + id;
			auto text = fs::readFile(path(dir + "/properties"), 64 * 1024);
			if (!text)
				continue;
			KfdNode n;
			n.id = id;
			n.props = fs::parseKfdProperties(*text);
			if (n.props["gfx_target_version"] == 0 || n.props["simd_count"] == 0)
				continue; // a CPU node
			for (auto &bank : fs::listDir(path(dir + "/mem_banks"))) {
				auto b = fs::readFile(
					path(dir + "/mem_banks/" + bank + "/properties"));
				if (!b)
					continue;
				auto bp = fs::parseKfdProperties(*b);
				if (bp["heap_type"] == 1 || bp["heap_type"] == 2)
					n.memory += bp["size_in_bytes"];
			}
			if (n.memory == 0)
				n.memory = n.props["local_mem_size"];
			out.push_back(std::move(n));
		}
		std::sort(out.begin(), out.end(), [](const KfdNode &a, const KfdNode &b) {
			auto minor = [](const KfdNode &n) {
				auto it = n.props.find("drm_render_minor");
				return it == n.props.end() ? UINT64_MAX : it->second;
			};
			return minor(a) < minor(b);
		});
		return out;
	}

	static std::string partName(const fs::PciDevice &pci, const std::string &productName)
	{
		if (!productName.empty())
			return productName;
		for (auto &p : kParts)
			if (p.deviceId == pci.device)
				return p.name;
		return "AMD GPU " + fs::hexId(pci.device);
	}

	void fillFromKfd(ProbeReport &r, GpuDevice &gpu, const KfdNode &k)
	{
		auto props = k.props;
		gpu.arch = fs::gfxTargetName(props["gfx_target_version"]);
		if (gpu.arch.empty())
			r.warnings.push_back("GPU " + gpu.pciBdf + ": gfx_target_version " +
					     std::to_string(props["gfx_target_version"]) +
					     " has no gfx name: arch unknown");
		gpu.warpSize = static_cast<int>(props["wave_front_size"]);
		gpu.memoryBytes = k.memory;
		if (uint64_t uid = props["unique_id"]) {
			char buf[32];
			std::snprintf(buf, sizeof buf, "GPU-%016llx",
				      static_cast<unsigned long long>(uid));
			gpu.uuid = buf;
		}
		r.facts["kfdNode." + gpu.pciBdf] = k.id;
		if (uint64_t hive = props["hive_id"]) {
			char buf[32];
			std::snprintf(buf, sizeof buf, "0x%llx",
				      static_cast<unsigned long long>(hive));
			r.facts["xgmiHive." + gpu.pciBdf] = buf;
		}
	}

	// Compute partitions: amdgpu_xcp_* platform devices, mapped to their GPU by render minor.
	void addPartitions(ProbeReport &r, std::vector<GpuDevice> &gpus,
			   const std::map<uint64_t, std::string> &renderToBdf)
	{
		for (auto &xcp : fs::listDir(path("/sys/devices/platform"))) {
			if (xcp.rfind("amdgpu_xcp_", 0) != 0)
				continue;
			std::vector<std::string> cards, renders;
			fs::readDrmNodes(root(), "/sys/devices/platform/" + xcp, cards, renders);
			if (renders.empty())
				continue;
			auto minor = fs::parseInt(std::string_view(renders.front()).substr(7));
			auto it = minor ? renderToBdf.find(static_cast<uint64_t>(*minor))
					: renderToBdf.end();
			auto gpu = it == renderToBdf.end()
					   ? gpus.end()
					   : std::find_if(gpus.begin(), gpus.end(),
							  [&](const GpuDevice &g) {
								  return g.pciBdf == it->second;
							  });
			if (gpu == gpus.end()) {
				r.warnings.push_back(xcp + ": no GPU in the KFD topology owns " +
						     renders.front());
				continue;
			}
			std::string mode = fs::readLine(path("/sys/bus/pci/devices/" + gpu->pciBdf +
							     "/current_compute_partition"))
						   .value_or("");
			if (gpu->partitions.empty())
				gpu->partitions.push_back({gpu->pciBdf, mode, gpu->nodes});
			GpuPartition part{xcp, mode, {}};
			for (auto &c : cards)
				addNode(r, part.nodes, "/dev/dri/" + c);
			for (auto &n : renders)
				addNode(r, part.nodes, "/dev/dri/" + n);
			gpu->partitions.push_back(std::move(part));
		}
	}

	Result<ProbeReport> run()
	{
		if (!fs::isDirectory(path(kDriverDir)))
			return err(Errc::Skip,
				   std::string("amdgpu driver not loaded: no ") + kDriverDir);
		ProbeReport r;
		r.vendor = "amd";
		r.driver.name = "amdgpu";
		r.driver.type = "amdgpu";
		// Only DKMS builds of amdgpu have a module version; the in-tree driver has none.
		r.driver.version = fs::readLine(path("/sys/module/amdgpu/version")).value_or("");
		if (fs::exists(path("/dev/kfd")))
			addNode(r, r.controlNodes, "/dev/kfd");
		else
			r.warnings.push_back("/dev/kfd is missing: ROCm compute is not available");
		auto kfd = readTopology();
		std::map<uint64_t, std::string> renderToBdf;
		for (auto &k : kfd)
			renderToBdf[k.props["drm_render_minor"]] =
				fs::kfdBdf(k.props["domain"], k.props["location_id"]);
		fs::HostTree tree(root());
		for (auto &bdf : fs::listBoundDevices(root(), kDriverDir)) {
			fs::PciDevice pci;
			if (!fs::readPciDevice(tree, bdf, pci))
				continue;
			GpuDevice gpu;
			gpu.vendor = "amd";
			gpu.index = static_cast<int>(r.gpus.size());
			gpu.pciBdf = bdf;
			gpu.pciDeviceId = fs::hexId(pci.device);
			gpu.name = partName(
				pci,
				fs::readLine(path(pci.sysPath + "/product_name")).value_or(""));
			gpu.backend = "hip";
			gpu.driverVersion = r.driver.version;
			gpu.driverType = "amdgpu";
			gpu.numaNode = pci.numaNode;
			for (auto &c : pci.drmCards)
				addNode(r, gpu.nodes, "/dev/dri/" + c);
			for (auto &n : pci.drmRenders)
				addNode(r, gpu.nodes, "/dev/dri/" + n);
			auto k = std::find_if(kfd.begin(), kfd.end(), [&](KfdNode &n) {
				return fs::kfdBdf(n.props["domain"], n.props["location_id"]) == bdf;
			});
			if (k != kfd.end()) {
				fillFromKfd(r, gpu, *k);
				// A partitioned GPU has one KFD node per partition: memory is their
				// sum.
				gpu.memoryBytes = 0;
				for (auto &n : kfd)
					if (fs::kfdBdf(n.props["domain"], n.props["location_id"]) ==
					    bdf)
						gpu.memoryBytes += n.memory;
			} else
				r.warnings.push_back("GPU " + bdf +
						     ": no KFD topology node: arch, "
						     "wavefront and memory unknown");
			r.facts["pciPath." + bdf] = pci.sysPath;
			r.gpus.push_back(std::move(gpu));
		}
		addPartitions(r, r.gpus, renderToBdf);
		if (r.gpus.empty())
			return err(Errc::Skip, "amdgpu is loaded but drives no GPU");
		return r;
	}

	Host &host_;
};

Result<std::unique_ptr<GpuProbe>> create(Host &host, const ConfigView &config)
{
	for (auto &k : config.unknownKeys({}))
		host.log(LogLevel::Warn, "unknown key \"" + k + "\" in [plugins.\"probe.amd\"]");
	return std::unique_ptr<GpuProbe>(std::make_unique<AmdProbe>(host));
}

} // namespace

} // namespace tb::amd

TB_PLUGIN(tb::GpuProbe, "amd", "0.1.0", &tb::amd::create);
