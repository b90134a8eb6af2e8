// SPDX-License-Identifier: Apache-2.0
// Parsers for vendor driver files: NVIDIA procfs, driver version strings, AMD KFD topology.
#include "tbsupport/gpu_parse.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "tbsupport/host_fs.h"
#include "tbsupport/pci.h"

namespace tb::support {

namespace {

bool isDotted(std::string_view t)
{
	if (t.empty() || !std::isdigit(static_cast<unsigned char>(t.front())) ||
	    !std::isdigit(static_cast<unsigned char>(t.back())))
		return false;
	if (t.find_first_not_of("0123456789.") != std::string_view::npos)
		return false;
	return t.find('.') != std::string_view::npos && t.find("..") == std::string_view::npos;
}

} // namespace

NvidiaGpuInformation parseNvidiaInformation(std::string_view text)
{
	NvidiaGpuInformation info;
	// Five lookups in a few hundred bytes: cheaper than a map of every line.
	if (auto v = keyValue(text, ':', "Model"))
		info.model = std::string(*v);
	if (auto v = keyValue(text, ':', "GPU UUID"); v && v->find('?') == std::string_view::npos)
		info.uuid = std::string(*v);
	if (auto v = keyValue(text, ':', "Bus Location"))
		info.busLocation = asciiLower(*v);
	if (auto v = keyValue(text, ':', "Device Minor"))
		if (auto n = parseInt(*v); n && *n >= 0 && *n < (1 << 20))
			info.deviceMinor = static_cast<int>(*n);
	if (auto v = keyValue(text, ':', "GPU Excluded"))
		info.excluded = asciiLower(*v) == "yes";
	return info;
}

std::optional<std::string> parseDottedVersion(std::string_view text)
{
	text = trim(text);
	if (!isDotted(text))
		return std::nullopt;
	return std::string(text);
}

std::optional<NvidiaDriverVersion> parseNvidiaProcVersion(std::string_view text)
{
	size_t nl = text.find('\n');
	std::string_view line = text.substr(0, nl);
	if (line.find("NVRM version:") == std::string_view::npos)
		return std::nullopt;
	size_t mod = line.find("Module");
	if (mod == std::string_view::npos)
		return std::nullopt;
	NvidiaDriverVersion out;
	out.type =
		line.find("Open Kernel Module") != std::string_view::npos ? "open" : "proprietary";
	std::string_view rest = line.substr(mod + 6);
	size_t i = 0;
	while (i < rest.size()) {
		size_t b = rest.find_first_not_of(" \t", i);
		if (b == std::string_view::npos)
			break;
		size_t e = rest.find_first_of(" \t", b);
		std::string_view tok =
			rest.substr(b, e == std::string_view::npos ? rest.npos : e - b);
		if (isDotted(tok)) {
			out.version = std::string(tok);
			return out;
		}
		i = e == std::string_view::npos ? rest.size() : e;
	}
	return std::nullopt;
}

std::map<std::string, uint64_t> parseKfdProperties(std::string_view text)
{
	std::map<std::string, uint64_t> out;
	for (auto &[k, v] : parseKeyValues(text, ' ')) {
		if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos ||
		    v.size() > 20)
			continue;
		uint64_t n = 0;
		bool overflow = false;
		for (char c : v) {
			uint64_t d = static_cast<uint64_t>(c - '0');
			overflow = overflow || n > (UINT64_MAX - d) / 10;
			n = n * 10 + d;
		}
		if (!overflow)
			out[k] = n;
	}
	return out;
}

std::string gfxTargetName(uint64_t v)
{
	if (v == 0)
		return {};
	uint64_t major = v / 10000, minor = (v / 100) % 100, step = v % 100;
	if (minor > 15 || step > 15)
		return {}; // not expressible as one hex digit each: unknown, never guessed
	char buf[48];
	std::snprintf(buf, sizeof buf, "gfx%llu%llx%llx", static_cast<unsigned long long>(major),
		      static_cast<unsigned long long>(minor),
		      static_cast<unsigned long long>(step));
	return buf;
}

std::string kfdBdf(uint64_t domain, uint64_t locationId)
{
	return formatBdf(static_cast<uint32_t>(domain), static_cast<uint32_t>(locationId >> 8),
			 static_cast<uint32_t>(locationId >> 3), static_cast<uint32_t>(locationId));
}

} // namespace tb::support
