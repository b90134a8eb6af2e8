// SPDX-License-Identifier: Apache-2.0
// A stand-in libnvidia-ml.so.1 for tests: two GPUs (8.6 and 9.0, MIG on the second), the
// entry points tb's dlopen'ed NVML client uses, with nvml.h's C signatures.
#include <cstdio>
#include <cstring>

extern "C" {

struct nvmlDevice_st {
	int id;
};
struct FakeMemory {
	unsigned long long total, free, used;
};

namespace {
nvmlDevice_st gDevices[2] = {{0}, {1}};
nvmlDevice_st gMig = {100};
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
	return put(b, n, "560.35.03");
}
__attribute__((visibility("default"))) int nvmlDeviceGetCount_v2(unsigned *c)
{
	*c = 2;
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetHandleByIndex_v2(unsigned i,
									 nvmlDevice_st **d)
{
	if (i >= 2)
		return 2; // NVML_ERROR_INVALID_ARGUMENT
	*d = &gDevices[i];
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetHandleByPciBusId_v2(const char *id,
									    nvmlDevice_st **d)
{
	if (std::strcmp(id, "0000:01:00.0") == 0)
		*d = &gDevices[0];
	else if (std::strcmp(id, "0000:02:00.0") == 0)
		*d = &gDevices[1];
	else
		return 6; // NVML_ERROR_NOT_FOUND
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetUUID(nvmlDevice_st *d, char *b, unsigned n)
{
	char s[64];
	std::snprintf(s, sizeof s,
		      d->id == 100 ? "MIG-5c3a1e2f-0000-4000-8000-00000000%04d"
				   : "GPU-5c3a1e2f-0000-4000-8000-00000000%04d",
		      d->id);
	return put(b, n, s);
}
__attribute__((visibility("default"))) int nvmlDeviceGetName(nvmlDevice_st *d, char *b, unsigned n)
{
	return put(b, n,
		   d->id == 0	  ? "NVIDIA RTX A6000"
		   : d->id == 100 ? "NVIDIA H100 80GB HBM3 MIG 1g.10gb"
				  : "NVIDIA H100 80GB HBM3");
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
	*cur = *pending = d->id == 1 ? 1 : 0;
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
	if (d->id != 1 || i != 0)
		return 6;
	*m = &gMig;
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetGpuInstanceId(nvmlDevice_st *, unsigned *id)
{
	*id = 1;
	return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetComputeInstanceId(nvmlDevice_st *,
									  unsigned *id)
{
	*id = 0;
	return 0;
}

} // extern "C"
