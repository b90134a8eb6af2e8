// SPDX-License-Identifier: Apache-2.0
// NVIDIA driver files: libraries via ld.so.cache link chains, firmware, binaries, IPC, configs.
#include <algorithm>
#include <map>
#include <set>

#include <dirent.h>
#include <sys/stat.h>

#include <tbsupport/host_fs.h>
#include <tbsupport/ld_cache.h>

#include "nvidia_probe.h"

namespace tb::nvidia {

namespace {

namespace fs = tb::support;

constexpr const char *kAnchorLibs[] = {"libcuda.so.1", "libnvidia-ml.so.1"};

// Searched when ld.so.cache does not name the anchors (nvidia-container-toolkit's list).
constexpr const char *kLibDirs[] = {
	"/usr/lib64",
	"/usr/lib/x86_64-linux-gnu",
	"/usr/lib/aarch64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu/nvidia/current",
	"/usr/lib/aarch64-linux-gnu/nvidia/current",
	"/lib64",
	"/lib/x86_64-linux-gnu",
	"/lib/aarch64-linux-gnu",
	"/lib/x86_64-linux-gnu/nvidia/current",
	"/lib/aarch64-linux-gnu/nvidia/current",
	"/usr/lib",
};

// Libraries that do not carry the driver version in their name: the legacy NVVM and the
// EGL platform libraries.
constexpr const char *kUnversionedPrefixes[] = {
	"libnvidia-nvvm70.so.",       "libnvidia-egl-gbm.so.", "libnvidia-egl-wayland.so.",
	"libnvidia-egl-wayland2.so.", "libnvidia-egl-xcb.so.", "libnvidia-egl-xlib.so.",
};

// Xorg module directories after <libdir>/nvidia/xorg, as nvidia-container-toolkit searches.
constexpr const char *kXorgModuleRoots[] = {"/usr/lib/xorg/modules", "/usr/lib64/xorg/modules",
					    "/usr/X11R6/lib/modules", "/usr/X11R6/lib64/modules"};
constexpr const char *kXorgModuleSubdirs[] = {"drivers", "extensions", "updates/drivers",
					      "updates/extensions"};

constexpr const char *kConfigFiles[] = {
	"glvnd/egl_vendor.d/10_nvidia.json",
	"egl/egl_external_platform.d/15_nvidia_gbm.json",
	"egl/egl_external_platform.d/10_nvidia_wayland.json",
	"egl/egl_external_platform.d/09_nvidia_wayland2.json",
	"egl/egl_external_platform.d/20_nvidia_xcb.json",
	"egl/egl_external_platform.d/20_nvidia_xlib.json",
	"nvidia/nvoptix.bin",
	"X11/xorg.conf.d/10-nvidia.conf",
	"X11/xorg.conf.d/nvidia-drm-outputclass.conf",
	"OpenCL/vendors/nvidia.icd",
	"vulkan/icd.d/nvidia_icd.json",
	"vulkan/icd.d/nvidia_icd.x86_64.json",
	"vulkan/icd.d/nvidia_icd.aarch64.json",
	"vulkan/icd.d/nvidia_layers.json",
	"vulkan/implicit_layer.d/nvidia_layers.json",
};
constexpr const char *kConfigDirs[] = {"/etc", "/usr/local/share", "/usr/share"};

constexpr const char *kBinaries[] = {
	"nvidia-smi",
	"nvidia-debugdump",
	"nvidia-persistenced",
	"nvidia-cuda-mps-control",
	"nvidia-cuda-mps-server",
	"nvidia-imex",
	"nvidia-imex-ctl",
	"nvidia-xconfig",
};
constexpr const char *kBinDirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
				    "/usr/bin",        "/sbin",          "/bin"};

bool endsWith(std::string_view s, std::string_view suffix)
{
	return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Present and neither a directory nor a symlink: one lstat.
bool isRegularFile(const ProbeState &st, const std::string &absolute)
{
	struct stat s;
	return st.tree.stat(absolute, s, false) == 0 && !S_ISDIR(s.st_mode) && !S_ISLNK(s.st_mode);
}

// Where \a absolute leads inside the host root. A plain exists() would follow an absolute
// link (/etc/alternatives/...) out of a --host-root tree into this machine's files.
std::optional<std::string> inRoot(const ProbeState &st, const std::string &absolute)
{
	return st.tree.find(absolute);
}

// inRoot() of a file that is no directory (nor a symlink: the lookup went through them),
// told by the same lookup that found it.
std::optional<std::string> fileInRoot(const ProbeState &st, const std::string &absolute)
{
	struct stat s;
	auto real = st.tree.findStat(absolute, s);
	if (!real || S_ISDIR(s.st_mode) || S_ISLNK(s.st_mode))
		return std::nullopt;
	return real;
}

// inRoot() for a caller that only asks whether the file is there.
bool presentInRoot(const ProbeState &st, const std::string &absolute)
{
	return st.tree.resolves(absolute);
}

// Whether search directories exist, each asked once per probe: nothing below a directory
// that does not resolve resolves either, so its candidates need no lookup of their own.
class SearchDirs {
public:
	explicit SearchDirs(const ProbeState &st) : st_(st) {}
	bool present(std::string_view dir)
	{
		if (auto it = known_.find(dir); it != known_.end())
			return it->second;
		std::string d(dir);
		bool there = st_.tree.searchDir(d); // held open for the lookups in it
		known_.emplace(std::move(d), there);
		return there;
	}

private:
	const ProbeState &st_;
	std::map<std::string, bool, std::less<>> known_;
};

// Resolve the anchors through the cache; returns the versioned files they lead to.
std::vector<std::string> anchorsFromCache(ProbeState &st)
{
	std::vector<std::string> out;
	auto cache = fs::readLdCache(st.path("/etc/ld.so.cache"));
	if (!cache) {
		if (cache.error().code != Errc::NotFound)
			st.warn("ignoring /etc/ld.so.cache: " + cache.error().message);
		return out;
	}
	const int32_t native = fs::ldCacheNativeFlags();
	for (const char *anchor : kAnchorLibs) {
		for (auto &e : cache->entries) {
			if (e.soname != anchor || e.flags != native)
				continue;
			// A SONAME link, as a rule.
			auto real = st.tree.resolve(e.path, fs::HostTree::Expect::Symlink);
			if (real) {
				out.push_back(*real);
				break;
			}
			st.warn("ld.so.cache names " + e.path + " for " + anchor + " but " +
				real.error().message);
		}
	}
	return out;
}

std::vector<std::string> anchorsFromDirs(const ProbeState &st, const std::string &version)
{
	std::vector<std::string> out;
	for (const char *dir : kLibDirs) {
		for (std::string name : {"libcuda.so." + version, "libnvidia-ml.so." + version}) {
			std::string p = std::string(dir) + "/" + name;
			if (!version.empty())
				if (auto real = inRoot(st, p))
					out.push_back(*real);
		}
		if (!out.empty())
			break;
	}
	return out;
}

// nvidia_drv.so and libglxserver_nvidia.so.<version>: the first hit of each, searched in
// <libdir>/nvidia/xorg, <libdir>/xorg/modules/..., then the system Xorg module dirs.
std::vector<std::string> xorgModules(const ProbeState &st, const std::set<std::string> &libDirs,
				     const std::string &version)
{
	// The directories in search order, each made only when the search gets there; \a f
	// returns true to stop.
	auto eachDir = [&](auto &&f) {
		for (auto &d : libDirs)
			if (f(d + "/nvidia/xorg"))
				return;
		for (auto &d : libDirs)
			for (const char *sub : kXorgModuleSubdirs)
				if (f(d + "/xorg/modules/" + sub))
					return;
		for (const char *r : kXorgModuleRoots)
			for (const char *sub : kXorgModuleSubdirs)
				if (f(std::string(r) + "/" + sub))
					return;
	};
	std::vector<std::string> out;
	std::vector<std::string> names{"nvidia_drv.so"};
	if (!version.empty())
		names.push_back("libglxserver_nvidia.so." + version);
	SearchDirs search(st);
	for (auto &name : names)
		eachDir([&](const std::string &d) {
			if (!search.present(d))
				return false;
			auto real = fileInRoot(st, d + "/" + name);
			if (real)
				out.push_back(std::move(*real));
			return real.has_value();
		});
	return out;
}

void collectLibraries(ProbeState &st, const std::string &version)
{
	auto anchors = anchorsFromCache(st);
	if (anchors.empty())
		anchors = anchorsFromDirs(st, version);
	std::set<std::string> dirs;
	for (auto &a : anchors) {
		if (!version.empty() && !endsWith(a, ".so." + version))
			st.warn(a + " does not match the loaded driver " + version +
				" (driver libraries and kernel module from different installs?)");
		dirs.insert(std::string(fs::dirName(a)));
	}
	std::set<std::string> libs;
	const std::string suffix = ".so." + version;
	for (auto &dir : dirs) {
		for (std::string sub : {dir, dir + "/vdpau"}) {
			for (auto &[name, type] : st.tree.listDirEntries(sub)) {
				bool versioned = !version.empty() && name.rfind("lib", 0) == 0 &&
						 endsWith(name, suffix);
				bool graphics = std::any_of(
					std::begin(kUnversionedPrefixes),
					std::end(kUnversionedPrefixes),
					[&](const char *pre) { return name.rfind(pre, 0) == 0; });
				if (!versioned && !graphics)
					continue;
				std::string p = sub + "/" + name;
				// The listing's type where it gives one: no lstat() per library.
				if (type == DT_UNKNOWN ? isRegularFile(st, p)
						       : type != DT_DIR && type != DT_LNK)
					libs.insert(std::move(p));
			}
		}
	}
	// An anchor whose version differs from the module still is the library the loader uses.
	for (auto &a : anchors)
		libs.insert(a);
	for (auto &x : xorgModules(st, dirs, version))
		libs.insert(x);
	st.report.libraries.assign(libs.begin(), libs.end());
	if (st.report.libraries.empty())
		st.warn("no NVIDIA driver libraries found (libcuda.so.1 is neither in "
			"/etc/ld.so.cache "
			"nor in the standard library directories): containers will not get CUDA");
}

void collectFirmware(ProbeState &st, const std::string &version)
{
	if (version.empty())
		return;
	std::string release = fs::firstLine(st.tree.readFile("/proc/sys/kernel/osrelease",
							     64 * 1024, kShortReadIsEnd))
				      .value_or("");
	std::vector<std::string> bases;
	// The kernel looks in firmware_class.path before the built-in directories.
	std::string custom = fs::firstLine(st.tree.readFile("/sys/module/firmware_class/"
							    "parameters/path",
							    64 * 1024, kShortReadIsEnd))
				     .value_or("");
	while (custom.size() > 1 && custom.back() == '/')
		custom.pop_back();
	if (!custom.empty() && custom[0] == '/')
		bases.push_back(custom);
	if (!release.empty())
		bases.push_back("/lib/firmware/updates/" + release);
	bases.push_back("/lib/firmware/updates");
	if (!release.empty())
		bases.push_back("/lib/firmware/" + release);
	bases.push_back("/lib/firmware");
	for (auto &b : bases) {
		std::string dir = b + "/nvidia/" + version;
		auto real = inRoot(st, dir);
		if (!real)
			continue;
		bool found = false;
		for (auto &name : st.tree.listDir(*real)) {
			if (name.rfind("gsp", 0) == 0 && endsWith(name, ".bin")) {
				st.report.firmware.push_back(dir + "/" + name);
				found = true;
			}
		}
		if (found)
			return;
	}
}

void collectFixedLists(ProbeState &st)
{
	SearchDirs search(st);
	for (const char *bin : kBinaries)
		for (const char *dir : kBinDirs) {
			if (!search.present(dir))
				continue;
			std::string p = std::string(dir) + "/" + bin;
			if (fileInRoot(st, p)) {
				st.report.binaries.push_back(p);
				break;
			}
		}
	for (const char *cfg : kConfigFiles)
		for (const char *dir : kConfigDirs) {
			std::string p = std::string(dir) + "/" + cfg;
			if (search.present(fs::dirName(p)) && presentInRoot(st, p)) {
				st.report.configFiles.push_back(p);
				break;
			}
		}
	for (const char *sock : {"/nvidia-persistenced/socket", "/nvidia-fabricmanager/socket"})
		for (const char *run : {"/run", "/var/run"}) {
			std::string p = std::string(run) + sock;
			if (presentInRoot(st, p)) {
				st.report.ipcSockets.push_back(p);
				break;
			}
		}
	if (auto mps = inRoot(st, "/tmp/nvidia-mps"); mps && st.tree.isDirectory(*mps))
		st.report.ipcSockets.push_back("/tmp/nvidia-mps");
}

} // namespace

void probeDriverFiles(ProbeState &st, const std::string &version)
{
	collectLibraries(st, version);
	collectFirmware(st, version);
	collectFixedLists(st);
}

} // namespace tb::nvidia
