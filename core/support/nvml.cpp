// SPDX-License-Identifier: Apache-2.0
// NVML through dlopen at run time (never linked): compute capability, UUID, memory, MIG.
#include <cstring>

#include <dlfcn.h>

#include "tbsupport/nvml.h"

#include "tbsupport/host_fs.h"

namespace tb::support {

namespace {

// The few NVML entry points we use, declared here so the build needs no CUDA headers.
// Signatures as in nvml.h (stable C ABI since NVML 2.x).
using nvmlReturn = int;
using nvmlDevice = struct nvmlDevice_st *;
struct nvmlMemory {
	unsigned long long total, free, used;
};
constexpr nvmlReturn kSuccess = 0;

struct Nvml {
	void *lib = nullptr;
	nvmlReturn (*init)() = nullptr;
	nvmlReturn (*shutdown)() = nullptr;
	nvmlReturn (*driverVersion)(char *, unsigned) = nullptr;
	nvmlReturn (*byBusId)(const char *, nvmlDevice *) = nullptr;
	nvmlReturn (*count)(unsigned *) = nullptr;
	nvmlReturn (*byIndex)(unsigned, nvmlDevice *) = nullptr;
	nvmlReturn (*cudaCc)(nvmlDevice, int *, int *) = nullptr;
	nvmlReturn (*uuid)(nvmlDevice, char *, unsigned) = nullptr;
	nvmlReturn (*name)(nvmlDevice, char *, unsigned) = nullptr;
	nvmlReturn (*memory)(nvmlDevice, nvmlMemory *) = nullptr;
	nvmlReturn (*migMode)(nvmlDevice, unsigned *, unsigned *) = nullptr;
	nvmlReturn (*maxMig)(nvmlDevice, unsigned *) = nullptr;
	nvmlReturn (*migByIndex)(nvmlDevice, unsigned, nvmlDevice *) = nullptr;
	nvmlReturn (*giId)(nvmlDevice, unsigned *) = nullptr;
	nvmlReturn (*ciId)(nvmlDevice, unsigned *) = nullptr;

	~Nvml()
	{
		if (lib && shutdown)
			shutdown();
		if (lib)
			dlclose(lib);
	}

	template<typename F>
	bool sym(F &f, const char *n)
	{
		f = reinterpret_cast<F>(dlsym(lib, n));
		return f != nullptr;
	}
};

// "NVIDIA H100 80GB HBM3 MIG 1g.10gb" -> "1g.10gb"
std::string migProfile(const std::string &name)
{
	size_t p = name.rfind("MIG ");
	return p == std::string::npos ? std::string() : name.substr(p + 4);
}

void queryMig(Nvml &n, nvmlDevice dev, NvmlGpu &gpu)
{
	unsigned current = 0, pending = 0, max = 0;
	if (!n.migMode || n.migMode(dev, &current, &pending) != kSuccess || current != 1)
		return;
	if (!n.maxMig || !n.migByIndex || n.maxMig(dev, &max) != kSuccess)
		return;
	for (unsigned i = 0; i < max; ++i) {
		nvmlDevice mig = nullptr;
		if (n.migByIndex(dev, i, &mig) != kSuccess || !mig)
			continue;
		NvmlMig part;
		char buf[96] = {};
		if (n.uuid(mig, buf, sizeof buf) == kSuccess)
			part.uuid = buf;
		if (n.name && n.name(mig, buf, sizeof buf) == kSuccess)
			part.profile = migProfile(buf);
		unsigned gi = 0, ci = 0;
		if (n.giId && n.ciId && n.giId(mig, &gi) == kSuccess &&
		    n.ciId(mig, &ci) == kSuccess)
			part.slot = "gi" + std::to_string(gi) + "/ci" + std::to_string(ci);
		gpu.migDevices.push_back(std::move(part));
	}
}

NvmlGpu queryDevice(Nvml &n, nvmlDevice dev, const std::string &busId)
{
	NvmlGpu gpu;
	gpu.busId = busId;
	char buf[96] = {};
	if (n.name && n.name(dev, buf, sizeof buf) == kSuccess)
		gpu.name = buf;
	int major = 0, minor = 0;
	if (n.cudaCc(dev, &major, &minor) == kSuccess && major > 0 && minor >= 0)
		gpu.arch = std::to_string(major) + std::to_string(minor);
	std::memset(buf, 0, sizeof buf);
	if (n.uuid(dev, buf, sizeof buf) == kSuccess)
		gpu.uuid = buf;
	nvmlMemory mem{};
	if (n.memory && n.memory(dev, &mem) == kSuccess)
		gpu.memoryBytes = mem.total;
	queryMig(n, dev, gpu);
	return gpu;
}

} // namespace

Result<NvmlMode> nvmlModeFromConfig(const ConfigView &config, std::string_view section)
{
	if (!config.has("nvml"))
		return NvmlMode::Auto;
	if (auto b = config.get<bool>("nvml"))
		return *b ? NvmlMode::Auto : NvmlMode::Never;
	std::string v = config.getString("nvml");
	if (v == "auto")
		return NvmlMode::Auto;
	if (v == "always")
		return NvmlMode::Always;
	if (v == "never")
		return NvmlMode::Never;
	return err(Errc::InvalidArgument,
		   "[plugins.\"" + std::string(section) +
			   "\"] nvml: expected \"auto\", \"always\" or "
			   "\"never\"" +
			   (v.empty() ? std::string() : ", not \"" + v + "\""));
}

bool nvmlWanted(NvmlMode mode, std::string_view root) noexcept
{
	return mode == NvmlMode::Always || (mode == NvmlMode::Auto && isRealRoot(root));
}

std::optional<NvmlFacts> queryNvml(const std::vector<std::string> &bdfs, std::string &why)
{
	Nvml n;
	n.lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!n.lib) {
		const char *e = dlerror();
		why = std::string("cannot load libnvidia-ml.so.1: ") + (e ? e : "unknown error");
		return std::nullopt;
	}
	if (!n.sym(n.init, "nvmlInit_v2") || !n.sym(n.shutdown, "nvmlShutdown") ||
	    !n.sym(n.byBusId, "nvmlDeviceGetHandleByPciBusId_v2") ||
	    !n.sym(n.uuid, "nvmlDeviceGetUUID") ||
	    !n.sym(n.cudaCc, "nvmlDeviceGetCudaComputeCapability")) {
		why = "libnvidia-ml.so.1 lacks the NVML entry points we need";
		n.shutdown = nullptr;
		return std::nullopt;
	}
	n.sym(n.driverVersion, "nvmlSystemGetDriverVersion");
	n.sym(n.count, "nvmlDeviceGetCount_v2");
	n.sym(n.byIndex, "nvmlDeviceGetHandleByIndex_v2");
	n.sym(n.name, "nvmlDeviceGetName");
	n.sym(n.memory, "nvmlDeviceGetMemoryInfo");
	n.sym(n.migMode, "nvmlDeviceGetMigMode");
	n.sym(n.maxMig, "nvmlDeviceGetMaxMigDeviceCount");
	n.sym(n.migByIndex, "nvmlDeviceGetMigDeviceHandleByIndex");
	n.sym(n.giId, "nvmlDeviceGetGpuInstanceId");
	n.sym(n.ciId, "nvmlDeviceGetComputeInstanceId");
	if (nvmlReturn r = n.init(); r != kSuccess) {
		why = "nvmlInit failed with NVML error " + std::to_string(r);
		n.shutdown = nullptr;
		return std::nullopt;
	}
	NvmlFacts facts;
	char buf[96] = {};
	if (n.driverVersion && n.driverVersion(buf, sizeof buf) == kSuccess)
		facts.driverVersion = buf;
	if (!bdfs.empty()) {
		for (auto &bdf : bdfs) {
			nvmlDevice dev = nullptr;
			if (n.byBusId(bdf.c_str(), &dev) == kSuccess && dev)
				facts.gpus.push_back(queryDevice(n, dev, bdf));
		}
	} else if (n.count && n.byIndex) {
		unsigned count = 0;
		if (n.count(&count) == kSuccess)
			for (unsigned i = 0; i < count && i < 1024; ++i) {
				nvmlDevice dev = nullptr;
				if (n.byIndex(i, &dev) == kSuccess && dev)
					facts.gpus.push_back(queryDevice(n, dev, {}));
			}
	}
	return facts;
}

} // namespace tb::support
