// SPDX-License-Identifier: Apache-2.0
// The "wsl2" GPU probe: /dev/dxg, the WSL libraries and the Windows driver store (GPU-PV).
#include <cstdlib>

#include <tb/gpu_probe.h>
#include <tb/plugin.h>

#include <tbsupport/dev_node.h>
#include <tbsupport/host_fs.h>
#include <tbsupport/host_tree.h>
#include <tbsupport/nvml.h>
#include <tbsupport/pci.h>

namespace tb::wsl2 {

namespace {

namespace fs = tb::support;

constexpr const char *kWslLib = "/usr/lib/wsl/lib";
constexpr const char *kDriverStore = "/usr/lib/wsl/drivers";
// Files NVIDIA's toolkit takes from the driver store directory holding libcuda.so.1.1.
constexpr const char *kNvidiaStoreLibs[] = {
	"libcuda.so.1.1",    "libcuda_loader.so",      "libnvidia-ptxjitcompiler.so.1",
	"libnvidia-ml.so.1", "libnvidia-ml_loader.so", "libnvdxgdmal.so.1",
	"nvcubins.bin",
};

bool containsNoCase(std::string_view hay, std::string_view needle)
{
	for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
		size_t k = 0;
		while (k < needle.size() &&
		       std::tolower(static_cast<unsigned char>(hay[i + k])) ==
			       std::tolower(static_cast<unsigned char>(needle[k])))
			++k;
		if (k == needle.size())
			return true;
	}
	return false;
}

class Wsl2Probe final : public GpuProbe {
public:
	Wsl2Probe(Host &host, fs::NvmlMode nvml) : host_(host), nvml_(nvml) {}

	std::string_view vendor() const noexcept override { return "wsl2"; }

	Result<ProbeReport> probe() noexcept override
	{
		return guarded("wsl2 probe", [&] {
			HostReport unused;
			return run(unused);
		});
	}

	Result<HostReport> hostReport(std::string_view platform) noexcept override
	{
		if (platform != "wsl2")
			return GpuProbe::hostReport(platform);
		return guarded("wsl2 probe", [&]() -> Result<HostReport> {
			HostReport h;
			auto r = run(h);
			if (!r)
				return unexpected(std::move(r).error());
			h.adapters = r->gpus.size();
			return h;
		});
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
	bool realRoot() const { return fs::isRealRoot(root()); }

	// One requirement, in the typed report and as a fact "check.<item>" =
	// "present|missing:required|optional:<path>" (kept for `tb info --json`).
	bool check(ProbeReport &r, HostReport &h, const std::string &item,
		   const std::string &absolute, bool required)
	{
		bool present = !absolute.empty() && fs::exists(path(absolute));
		h.requirements.push_back({item, absolute, present, required});
		r.facts["check." + item] = std::string(present ? "present" : "missing") + ":" +
					   (required ? "required" : "optional") + ":" + absolute;
		if (!present && required)
			r.warnings.push_back((absolute.empty() ? item : absolute) + " is missing");
		return present;
	}

	std::string detectedBy(std::string &kernel) const
	{
		kernel = fs::readLine(path("/proc/version")).value_or("");
		if (fs::exists(path("/dev/dxg")))
			return "/dev/dxg";
		if (containsNoCase(kernel, "microsoft") || kernel.find("WSL") != std::string::npos)
			return "/proc/version";
		if (fs::exists(path("/proc/sys/fs/binfmt_misc/WSLInterop")))
			return "/proc/sys/fs/binfmt_misc/WSLInterop";
		// The environment describes this process's machine, never a fixture root.
		if (realRoot() && std::getenv("WSL_DISTRO_NAME"))
			return "WSL_DISTRO_NAME";
		return {};
	}

	Result<ProbeReport> run(HostReport &h)
	{
		std::string kernel;
		std::string by = detectedBy(kernel);
		if (by.empty())
			return err(Errc::Skip,
				   "not a WSL2 host: no /dev/dxg, and /proc/version names "
				   "neither Microsoft nor WSL");
		ProbeReport r;
		r.vendor = "wsl2";
		r.driver = {"dxg", "", "wsl"};
		r.facts["wsl2.detectedBy"] = by;
		h.platform = "wsl2";
		h.detectedBy = by;
		if (!kernel.empty())
			r.facts["wsl2.kernel"] = kernel;
		if (auto rel = fs::readLine(path("/proc/sys/kernel/osrelease")))
			r.facts["wsl2.kernelRelease"] = h.kernelRelease = *rel;
		if (const char *d = std::getenv("WSL_DISTRO_NAME"); d && realRoot())
			r.facts["wsl2.distro"] = h.distribution = d;
		if (check(r, h, "dxg", "/dev/dxg", true)) {
			auto n = fs::statDeviceNode(root(), "/dev/dxg");
			if (n)
				r.controlNodes.push_back(std::move(*n));
			else
				r.warnings.push_back(n.error().message);
		}
		std::string dxcore = std::string(kWslLib) + "/libdxcore.so";
		if (check(r, h, "dxcore", dxcore, true))
			r.libraries.push_back(dxcore);
		for (std::string lib : {"d3d12", "d3d12core"}) {
			std::string p = std::string(kWslLib) + "/lib" + lib + ".so";
			if (check(r, h, lib, p, false))
				r.libraries.push_back(p);
		}
		check(r, h, "cudaStub", std::string(kWslLib) + "/libcuda.so.1", false);
		// The store is the directory holding libcuda.so.1.1; an empty or foreign
		// /usr/lib/wsl/drivers (Intel or AMD only) is no NVIDIA driver store.
		std::string store;
		for (auto &dir : fs::listDir(path(kDriverStore))) {
			std::string d = std::string(kDriverStore) + "/" + dir;
			if (fs::exists(path(d + "/libcuda.so.1.1"))) {
				store = d;
				break;
			}
		}
		if (!store.empty()) {
			check(r, h, "driverStore", store, true);
			r.facts["wsl2.driverStore.nvidia"] = h.driverStores["nvidia"] = store;
			for (const char *lib : kNvidiaStoreLibs)
				if (fs::exists(path(store + "/" + lib)))
					r.libraries.push_back(store + "/" + lib);
			if (check(r, h, "nvidiaSmi", store + "/nvidia-smi", false))
				r.binaries.push_back(store + "/nvidia-smi");
		} else {
			std::string pattern = std::string(kDriverStore) + "/*/libcuda.so.1.1";
			r.facts["check.driverStore"] = "missing:required:" + pattern;
			h.requirements.push_back({"driverStore", pattern, false, true});
			r.warnings.push_back("no NVIDIA driver store: nothing matches " + pattern);
		}
		check(r, h, "cuda", store.empty() ? "" : store + "/libcuda.so.1.1", false);
		check(r, h, "nvml", store.empty() ? "" : store + "/libnvidia-ml.so.1", false);
		// NVML's GPUs replace the anonymous adapters; both would count the same GPUs twice.
		if (!addNvmlGpus(r))
			addAdapters(r);
		return r;
	}

	// GPU-PV adapters show up as Microsoft (0x1414) device 0x008e on the virtual PCI bus;
	// which vendor's GPU sits behind one is only known to dxcore/NVML, so it stays unknown.
	void addAdapters(ProbeReport &r)
	{
		fs::HostTree tree(root());
		for (auto &bdf : fs::listPciDevices(root())) {
			fs::PciDevice pci;
			if (!fs::readPciDevice(tree, bdf, pci) || pci.vendor != 0x1414 ||
			    pci.device != 0x008e)
				continue;
			GpuDevice gpu;
			gpu.vendor = "microsoft";
			gpu.index = static_cast<int>(r.gpus.size());
			gpu.name = "GPU-PV adapter";
			gpu.pciBdf = bdf;
			gpu.pciDeviceId = fs::hexId(pci.device);
			gpu.driverType = "wsl";
			gpu.numaNode = pci.numaNode;
			gpu.nodes = r.controlNodes;
			r.gpus.push_back(std::move(gpu));
		}
	}

	// On the real WSL2 root NVML (from /usr/lib/wsl/lib) names the NVIDIA GPUs behind GPU-PV.
	bool addNvmlGpus(ProbeReport &r)
	{
		if (!fs::nvmlWanted(nvml_, root()))
			return false;
		std::string why;
		auto facts = fs::queryNvml({}, why);
		if (!facts || facts->gpus.empty()) {
			host_.log(LogLevel::Info, facts ? "NVML lists no GPU" : why);
			return false;
		}
		r.driver.version = facts->driverVersion;
		for (auto &n : facts->gpus) {
			GpuDevice gpu;
			gpu.vendor = "nvidia";
			gpu.index = static_cast<int>(r.gpus.size());
			gpu.name = n.name;
			gpu.uuid = n.uuid;
			gpu.backend = "cuda";
			gpu.arch = n.arch;
			gpu.warpSize = 32;
			gpu.memoryBytes = n.memoryBytes;
			gpu.driverVersion = facts->driverVersion;
			gpu.driverType = "wsl";
			gpu.nodes = r.controlNodes;
			r.gpus.push_back(std::move(gpu));
		}
		return true;
	}

	Host &host_;
	fs::NvmlMode nvml_;
};

Result<std::unique_ptr<GpuProbe>> create(Host &host, const ConfigView &config)
{
	for (auto &k : config.unknownKeys({"nvml"}))
		host.log(LogLevel::Warn, "unknown key \"" + k + "\" in [plugins.\"probe.wsl2\"]");
	auto nvml = fs::nvmlModeFromConfig(config, "probe.wsl2");
	if (!nvml)
		return unexpected(std::move(nvml).error());
	return std::unique_ptr<GpuProbe>(std::make_unique<Wsl2Probe>(host, *nvml));
}

} // namespace

} // namespace tb::wsl2

TB_PLUGIN(tb::GpuProbe, "wsl2", "0.1.0", &tb::wsl2::create);
