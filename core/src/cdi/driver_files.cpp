// SPDX-License-Identifier: Apache-2.0
// Driver files as CDI mounts, chosen by the profile's driver capabilities (the words of
// NVIDIA_DRIVER_CAPABILITIES, with libnvidia-container's file lists), plus the NVIDIA hooks.
#include "spec_build.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

namespace tb::cdi {

namespace {

constexpr unsigned Utility = 1, Compute = 2, Video = 4, Graphics = 8, Display = 16, Any = 31;

const std::vector<std::string> kFileOptions{"ro", "nosuid", "nodev", "rbind", "rprivate"};
// Sockets and the MPS pipe directory are written to: no "ro", never executable.
const std::vector<std::string> kIpcOptions{"nosuid", "nodev", "noexec", "rbind", "rprivate"};

// Library name prefix -> capabilities that need it (libnvidia-container's lists).
constexpr std::pair<std::string_view, unsigned> kNvidiaLibs[] = {
	{"libnvidia-ml.", Utility},
	{"libnvidia-cfg.", Utility},
	{"libnvidia-nscq.", Utility},
	{"libcuda.", Compute},
	{"libcudadebugger.", Compute},
	{"libnvidia-opencl.", Compute},
	{"libnvidia-ptxjitcompiler.", Compute},
	{"libnvidia-fatbinaryloader.", Compute},
	{"libnvidia-compiler.", Compute},
	{"libnvidia-pkcs11", Compute},
	{"libnvidia-nvvm", Compute},
	{"libnvidia-tileiras", Compute},
	{"libnvidia-gpucomp.", Compute | Graphics},
	{"libnvidia-allocator.", Compute | Graphics},
	{"libvdpau_nvidia.", Video},
	{"libnvidia-encode.", Video},
	{"libnvidia-opticalflow.", Video},
	{"libnvcuvid.", Video},
	{"libglxserver_nvidia.", Display},
	{"nvidia_drv.", Display},
	{"libnvidia-", Graphics}, // eglcore, glcore, glsi, tls, fbc, rtcore, ngx, egl-*, ...
	{"libEGL_nvidia.", Graphics},
	{"libGLX_nvidia.", Graphics},
	{"libGLESv1_CM_nvidia.", Graphics},
	{"libGLESv2_nvidia.", Graphics},
	{"libnvoptix.", Graphics},
};

constexpr std::pair<std::string_view, unsigned> kNvidiaBins[] = {
	{"nvidia-smi", Utility},
	{"nvidia-debugdump", Utility},
	{"nvidia-persistenced", Utility},
	{"nvidia-cuda-mps-control", Compute},
	{"nvidia-cuda-mps-server", Compute},
	{"nvidia-imex", Compute},
	{"nvidia-xconfig", Display},
};

std::string_view base(std::string_view p)
{
	size_t s = p.rfind('/');
	return s == std::string_view::npos ? p : p.substr(s + 1);
}

std::string_view dir(std::string_view p)
{
	size_t s = p.rfind('/');
	return s == std::string_view::npos || s == 0 ? std::string_view("/") : p.substr(0, s);
}

unsigned libCaps(std::string_view name)
{
	for (auto [prefix, caps] : kNvidiaLibs)
		if (name.starts_with(prefix))
			return caps;
	return Any;
}

unsigned binCaps(std::string_view name)
{
	for (auto [bin, caps] : kNvidiaBins)
		if (name.starts_with(bin))
			return caps;
	return Any;
}

unsigned configCaps(std::string_view path)
{
	if (path.find("/OpenCL/") != std::string_view::npos)
		return Compute;
	if (path.find("/X11/") != std::string_view::npos)
		return Display;
	return Graphics; // glvnd, egl, vulkan, nvoptix
}

unsigned ipcCaps(std::string_view path)
{
	if (path.find("persistenced") != std::string_view::npos)
		return Utility;
	return Compute; // fabric manager, MPS
}

unsigned wanted(const ResolvedProfile &p)
{
	return (p.utility ? Utility : 0u) | (p.compute ? Compute : 0u) | (p.video ? Video : 0u) |
	       (p.graphics ? Graphics : 0u) | (p.display ? Display : 0u);
}

bool is32bit(std::string_view path)
{
	return path.find("/i386-linux-gnu/") != std::string_view::npos ||
	       path.find("/lib32/") != std::string_view::npos;
}

// Symlinks in a library directory that lead (within the directory) to a mounted library:
// "libcuda.so.1" -> "libcuda.so.550.54.14".
std::map<std::string, std::string> linksTo(const HostMap &host, const std::string &libDir,
					   const std::set<std::string> &libs)
{
	std::map<std::string, std::string> links; // link name -> final library name
	auto raw = host.facts().links(libDir);
	for (const auto &[name, target] : *raw) {
		const std::string *t = &target;
		for (int hop = 0; hop < 8; ++hop) {
			auto next = raw->find(*t);
			if (next == raw->end())
				break;
			t = &next->second;
		}
		if (libs.count(*t))
			links.emplace(name, *t);
	}
	return links;
}

} // namespace

void addDriverFiles(const ProbeReport &r, const ResolvedProfile &profile, const HostMap &host,
		    CdiContainerEdits &edits)
{
	bool nvidia = r.vendor == "nvidia";
	unsigned want = nvidia ? wanted(profile) : Any;
	auto add = [&](const std::string &path, const std::vector<std::string> &opts) {
		edits.mounts.push_back({host.mountSource(path), path, opts, ""});
	};
	std::map<std::string, std::set<std::string>> libDirs; // dir -> library names
	for (const auto &lib : r.libraries) {
		if ((libCaps(base(lib)) & want) == 0 || (!profile.lib32 && is32bit(lib)))
			continue;
		add(lib, kFileOptions);
		libDirs[std::string(dir(lib))].insert(std::string(base(lib)));
	}
	for (const auto &fw : r.firmware)
		add(fw, kFileOptions);
	for (const auto &bin : r.binaries)
		if (!nvidia || (binCaps(base(bin)) & want))
			add(bin, kFileOptions);
	for (const auto &cfg : r.configFiles)
		if (!nvidia || (configCaps(cfg) & want))
			add(cfg, kFileOptions);
	for (const auto &sock : r.ipcSockets)
		if (!nvidia || (ipcCaps(sock) & want))
			add(sock, kIpcOptions);

	std::string hook = nvidia ? host.facts().hookBinary() : "";
	if (!hook.empty() && !libDirs.empty()) {
		std::string path = host.mountSource(hook);
		std::vector<std::string> ld{"nvidia-cdi-hook", "update-ldcache"};
		for (const auto &[d, names] : libDirs) {
			ld.push_back("--folder");
			ld.push_back(d);
			for (const auto &n : names)
				if (n.starts_with("libcuda.so."))
					edits.hooks.push_back(
						{"createContainer",
						 path,
						 {"nvidia-cdi-hook", "create-symlinks", "--link",
						  "libcuda.so.1::" + d + "/libcuda.so"},
						 {"NVIDIA_CTK_DEBUG=false"},
						 0});
		}
		edits.hooks.push_back({"createContainer", path, ld, {"NVIDIA_CTK_DEBUG=false"}, 0});
		return;
	}
	// No hook to run ldconfig in the container: give each library its SONAME and
	// development links as bind mounts of the same file.
	for (const auto &[d, names] : libDirs)
		for (const auto &[link, lib] : linksTo(host, d, names)) {
			std::string target = d + "/" + lib;
			edits.mounts.push_back(
				{host.mountSource(target), d + "/" + link, kFileOptions, ""});
		}
}

} // namespace tb::cdi
