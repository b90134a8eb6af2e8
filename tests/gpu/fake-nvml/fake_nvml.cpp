// SPDX-License-Identifier: Apache-2.0
// A stand-in libnvidia-ml.so.1 for tests, with nvml.h's C signatures for the entry points tb's
// dlopen'ed NVML client uses. Three GPUs: an RTX A6000 (8.6, 0000:01:00.0), an H100 with one
// MIG instance (0000:02:00.0), and the first H100 of the h100x8-open-mig fixture host
// (0000:18:00.0) with MIG instances matching that host's gi1/ci0 and gi2/ci0.
// FAKE_NVML_DRIVER_VERSION overrides the reported driver version (560.35.03).
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {

struct nvmlDevice_st {
	int id;              ///< < 100: a GPU; >= 100: a MIG device
	unsigned gi, ci;     ///< MIG devices only
	const char *profile; ///< MIG devices only
};
struct FakeMemory {
	unsigned long long total, free, used;
};

namespace {
nvmlDevice_st gDevices[3] = {{0, 0, 0, nullptr}, {1, 0, 0, nullptr}, {2, 0, 0, nullptr}};
nvmlDevice_st gMig1[] = {{100, 1, 0, "1g.10gb"}};
nvmlDevice_st gMig2[] = {{200, 1, 0, "1g.10gb"}, {201, 2, 0, "3g.40gb"}};
int gInits = 0;

int put(char *buf, unsigned len, const char *s)
{
	if (std::strlen(s) + 1 > len)
		return 7; // NVML_ERROR_INSUFFICIENT_SIZE
	std::strcpy(buf, s);
	return 0;
}
} // namespace

__attribute__((visibility("default"))) int nvmlInit_v2()
{
	++gInits;
	return 0;
}
__attribute__((visibility("default"))) int nvmlShutdown()
{
	return gInits-- > 0 ? 0 : 1;
}
__attribute__((visibility("default"))) int nvmlSystemGetDriverVersion(char *b, unsigned n)
{
	const char *v = std::getenv("FAKE_NVML_DRIVER_VERSION");
	return put(b, n, v ? v : "560.35.03");
}
__attribute__((visibility("default"))) int nvmlDeviceGetCount_v2(unsigned *c)
{
	*c = 3;
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetHandleByIndex_v2(unsigned i,
									 nvmlDevice_st **d)
{
	if (i >= 3)
		return 2; // NVML_ERROR_INVALID_ARGUMENT
	*d = &gDevices[i];
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetHandleByPciBusId_v2(const char *id,
									    nvmlDevice_st **d)
{
	const char *ids[] = {"0000:01:00.0", "0000:02:00.0", "0000:18:00.0"};
	for (int i = 0; i < 3; ++i)
		if (std::strcmp(id, ids[i]) == 0) {
			*d = &gDevices[i];
			return 0;
		}
	return 6; // NVML_ERROR_NOT_FOUND
}
__attribute__((visibility("default"))) int nvmlDeviceGetUUID(nvmlDevice_st *d, char *b, unsigned n)
{
	char s[64];
	std::snprintf(s, sizeof s,
		      d->id >= 100 ? "MIG-5c3a1e2f-0000-4000-8000-00000000%04d"
				   : "GPU-5c3a1e2f-0000-4000-8000-00000000%04d",
		      d->id);
	return put(b, n, s);
}
__attribute__((visibility("default"))) int nvmlDeviceGetName(nvmlDevice_st *d, char *b, unsigned n)
{
	if (d->id >= 100) {
		char s[64];
		std::snprintf(s, sizeof s, "NVIDIA H100 80GB HBM3 MIG %s", d->profile);
		return put(b, n, s);
	}
	return put(b, n, d->id == 0 ? "NVIDIA RTX A6000" : "NVIDIA H100 80GB HBM3");
}
__attribute__((visibility("default"))) int nvmlDeviceGetCudaComputeCapability(nvmlDevice_st *d,
									      int *ma, int *mi)
{
	*ma = d->id == 0 ? 8 : 9;
	*mi = d->id == 0 ? 6 : 0;
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetMemoryInfo(nvmlDevice_st *d, FakeMemory *m)
{
	m->total = d->id == 0 ? 51527024640ull : 85520809984ull;
	m->free = m->total / 2;
	m->used = m->total - m->free;
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetMigMode(nvmlDevice_st *d, unsigned *cur,
								unsigned *pending)
{
	*cur = *pending = d->id == 1 || d->id == 2 ? 1 : 0;
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_st *,
									  unsigned *c)
{
	*c = 7;
	return 0;
}
__attribute__((visibility("default"))) int
nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_st *d, unsigned i, nvmlDevice_st **m)
{
	if (d->id == 1 && i < 1)
		*m = &gMig1[i];
	else if (d->id == 2 && i < 2)
		*m = &gMig2[i];
	else
		return 6; // NVML_ERROR_NOT_FOUND: an empty MIG slot
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetGpuInstanceId(nvmlDevice_st *d,
								      unsigned *id)
{
	if (d->id < 100)
		return 3; // NVML_ERROR_NOT_SUPPORTED: not a MIG device
	*id = d->gi;
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetComputeInstanceId(nvmlDevice_st *d,
									  unsigned *id)
{
	if (d->id < 100)
		return 3;
	*id = d->ci;
	return 0;
}

} // extern "C"
