// SPDX-License-Identifier: Apache-2.0
// The "intel" GPU probe: devices bound to i915 or xe, their device ids and DRM nodes.
#include <tb/gpu_probe.h>
#include <tb/plugin.h>

#include <tbsupport/dev_node.h>
#include <tbsupport/host_fs.h>
#include <tbsupport/host_tree.h>
#include <tbsupport/pci.h>

namespace tb::intel {

namespace {

namespace fs = tb::support;

struct KnownPart {
	uint16_t deviceId;
	const char *name;
	const char *arch; ///< the device name Intel's offline compilers take (ocloc -device)
};
constexpr KnownPart kParts[] = {
	{0x0bd5, "Intel Data Center GPU Max 1550", "pvc"},
	{0x0bda, "Intel Data Center GPU Max 1100", "pvc"},
	{0x56a0, "Intel Arc A770 Graphics", "dg2"},
	{0x56a1, "Intel Arc A750 Graphics", "dg2"},
	{0x56a5, "Intel Arc A380 Graphics", "dg2"},
	{0x56c0, "Intel Data Center GPU Flex 170", "dg2"},
	{0x56c1, "Intel Data Center GPU Flex 140", "dg2"},
	{0xe20b, "Intel Arc B580 Graphics", "bmg"},
	{0xe20c, "Intel Arc B570 Graphics", "bmg"},
};

class IntelProbe final : public GpuProbe {
public:
	explicit IntelProbe(Host &host) : host_(host) {}

	std::string_view vendor() const noexcept override { return "intel"; }

	Result<ProbeReport> probe() noexcept override
	{
		return guarded("intel probe", [&] { return run(); });
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

	void addNode(ProbeReport &r, GpuDevice &gpu, const std::string &absolute)
	{
		auto n = fs::statDeviceNode(root(), absolute);
		if (n)
			gpu.nodes.push_back(std::move(*n));
		else
			r.warnings.push_back(n.error().message);
	}

	Result<ProbeReport> run()
	{
		ProbeReport r;
		r.vendor = "intel";
		bool anyDriver = false;
		for (std::string drv : {"i915", "xe"}) {
			std::string dir = "/sys/bus/pci/drivers/" + drv;
			if (!fs::isDirectory(path(dir)))
				continue;
			anyDriver = true;
			fs::HostTree tree(root());
			for (auto &bdf : fs::listBoundDevices(root(), dir)) {
				fs::PciDevice pci;
				if (!fs::readPciDevice(tree, bdf, pci) || pci.vendor != 0x8086)
					continue;
				GpuDevice gpu;
				gpu.vendor = "intel";
				gpu.index = static_cast<int>(r.gpus.size());
				gpu.pciBdf = bdf;
				gpu.pciDeviceId = fs::hexId(pci.device);
				gpu.name = "Intel GPU " + gpu.pciDeviceId;
				for (auto &p : kParts)
					if (p.deviceId == pci.device) {
						gpu.name = p.name;
						gpu.arch = p.arch;
					}
				gpu.backend = "xpu";
				gpu.driverType = drv;
				gpu.numaNode = pci.numaNode;
				for (auto &c : pci.drmCards)
					addNode(r, gpu, "/dev/dri/" + c);
				for (auto &n : pci.drmRenders)
					addNode(r, gpu, "/dev/dri/" + n);
				if (pci.drmRenders.empty())
					r.warnings.push_back("GPU " + bdf +
							     ": no render node in sysfs drm/");
				if (gpu.arch.empty())
					r.warnings.push_back("GPU " + bdf + " (" + gpu.pciDeviceId +
							     "): architecture unknown (not in the "
							     "PCI id table)");
				r.facts["pciPath." + bdf] = pci.sysPath;
				r.gpus.push_back(std::move(gpu));
				if (r.driver.name.find(drv) == std::string::npos)
					r.driver.name += (r.driver.name.empty() ? "" : ",") + drv;
			}
		}
		if (!anyDriver)
			return err(Errc::Skip,
				   "neither i915 nor xe is loaded: no /sys/bus/pci/drivers/i915 or "
				   "/sys/bus/pci/drivers/xe");
		if (r.gpus.empty())
			return err(Errc::Skip, "i915/xe is loaded but drives no GPU");
		// In-tree kernel drivers carry no version of their own.
		r.driver.type = r.driver.name;
		return r;
	}

	Host &host_;
};

Result<std::unique_ptr<GpuProbe>> create(Host &host, const ConfigView &config)
{
	for (auto &k : config.unknownKeys({}))
		host.log(LogLevel::Warn, "unknown key \"" + k + "\" in [plugins.\"probe.intel\"]");
	return std::unique_ptr<GpuProbe>(std::make_unique<IntelProbe>(host));
}

} // namespace

} // namespace tb::intel

TB_PLUGIN(tb::GpuProbe, "intel", "0.1.0", &tb::intel::create);
