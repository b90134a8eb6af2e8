// SPDX-License-Identifier: Apache-2.0
// Built-in PCI device-id table (vendor 0x10de): name and compute capability of common parts.
// Used only when NVML is not available (fixture hosts, nouveau); an id not listed stays
// unknown, nothing is inferred from neighbouring ids.
#include <algorithm>
#include <array>
#include <iterator>

#include "nvidia_probe.h"

namespace tb::nvidia {

namespace {

// Sorted by device id.
constexpr KnownPart kParts[] = {
	{0x102d, "Tesla K80", "37"},
	{0x13f2, "Tesla M60", "52"},
	{0x15f7, "Tesla P100-PCIE-12GB", "60"},
	{0x15f8, "Tesla P100-PCIE-16GB", "60"},
	{0x15f9, "Tesla P100-SXM2-16GB", "60"},
	{0x1b06, "NVIDIA GeForce GTX 1080 Ti", "61"},
	{0x1b38, "Tesla P40", "61"},
	{0x1b80, "NVIDIA GeForce GTX 1080", "61"},
	{0x1bb3, "Tesla P4", "61"},
	{0x1db1, "Tesla V100-SXM2-16GB", "70"},
	{0x1db4, "Tesla V100-PCIE-16GB", "70"},
	{0x1db5, "Tesla V100-SXM2-32GB", "70"},
	{0x1db6, "Tesla V100-PCIE-32GB", "70"},
	{0x1df6, "Tesla V100S-PCIE-32GB", "70"},
	{0x1e04, "NVIDIA GeForce RTX 2080 Ti", "75"},
	{0x1e07, "NVIDIA GeForce RTX 2080 Ti", "75"},
	{0x1eb8, "Tesla T4", "75"},
	{0x20b0, "NVIDIA A100-SXM4-40GB", "80"},
	{0x20b2, "NVIDIA A100-SXM4-80GB", "80"},
	{0x20b5, "NVIDIA A100 80GB PCIe", "80"},
	{0x20b7, "NVIDIA A30", "80"},
	{0x20f1, "NVIDIA A100-PCIE-40GB", "80"},
	{0x2204, "NVIDIA GeForce RTX 3090", "86"},
	{0x2206, "NVIDIA GeForce RTX 3080", "86"},
	{0x2230, "NVIDIA RTX A6000", "86"},
	{0x2235, "NVIDIA A40", "86"},
	{0x2236, "NVIDIA A10", "86"},
	{0x2321, "NVIDIA H100 NVL", "90"},
	{0x2330, "NVIDIA H100 80GB HBM3", "90"},
	{0x2331, "NVIDIA H100 PCIe", "90"},
	{0x2335, "NVIDIA H200", "90"},
	{0x2342, "NVIDIA GH200 480GB", "90"},
	{0x2484, "NVIDIA GeForce RTX 3070", "86"},
	{0x2684, "NVIDIA GeForce RTX 4090", "89"},
	{0x26b1, "NVIDIA RTX 6000 Ada Generation", "89"},
	{0x26b5, "NVIDIA L40", "89"},
	{0x26b9, "NVIDIA L40S", "89"},
	{0x2704, "NVIDIA GeForce RTX 4080", "89"},
	{0x27b8, "NVIDIA L4", "89"},
	{0x2901, "NVIDIA B200", "100"},
	{0x2b85, "NVIDIA GeForce RTX 5090", "120"},
};

static_assert(std::is_sorted(std::begin(kParts), std::end(kParts),
			     [](const KnownPart &a, const KnownPart &b) {
				     return a.deviceId < b.deviceId;
			     }));

} // namespace

const KnownPart *findKnownPart(uint32_t deviceId) noexcept
{
	auto it = std::lower_bound(std::begin(kParts), std::end(kParts), deviceId,
				   [](const KnownPart &p, uint32_t id) { return p.deviceId < id; });
	if (it == std::end(kParts) || it->deviceId != deviceId)
		return nullptr;
	return &*it;
}

} // namespace tb::nvidia
