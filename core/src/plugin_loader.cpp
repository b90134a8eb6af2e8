// SPDX-License-Identifier: Apache-2.0
// Plugin loader: sorted scan, validation from the ELF file, then dlopen and instantiation.
#define BOOST_DLL_USE_STD_FS 1
#include "internal/plugin_loader.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <filesystem>
#include <set>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>

#include "internal/config_values.h"
#include "internal/elf_descriptor.h"
#include "internal/log.h"
#include "plugin_trust.h"

namespace tb {

namespace fs = std::filesystem;

class Library {
public:
	boost::dll::shared_library lib;
};

namespace {

constexpr const char *kLog = "loader";

bool validVersion(const std::string &v)
{
	return !v.empty() &&
	       std::all_of(v.begin(), v.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::string hex(uint32_t v)
{
	char buf[16];
	std::snprintf(buf, sizeof(buf), "0x%x", v);
	return buf;
}

uint32_t apiVersionOf(Kind k)
{
	switch (k) {
	case Kind::Transport:
		return TB_TRANSPORT_API_VERSION;
	case Kind::CacheFormat:
		return TB_CACHE_FORMAT_API_VERSION;
	case Kind::GpuProbe:
		return TB_GPU_PROBE_API_VERSION;
	case Kind::Runtime:
		return TB_RUNTIME_API_VERSION;
	}
	return 0;
}

bool knownKind(uint32_t k)
{
	return k >= static_cast<uint32_t>(Kind::Transport) &&
	       k <= static_cast<uint32_t>(Kind::Runtime);
}

std::vector<std::string> scanDir(const std::string &dir)
{
	std::vector<std::string> out;
	std::error_code ec;
	for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
		const auto &p = it->path();
		if (p.extension() == ".so" && it->is_regular_file(ec))
			out.push_back(p.string());
	}
	if (ec && ec != std::errc::no_such_file_or_directory)
		TB_LOG(kLog, Warn) << "scan " << dir << ": " << ec.message();
	std::sort(out.begin(), out.end());
	return out;
}

std::string stripPath(const std::string &message, const std::string &path)
{
	if (message.rfind(path + ": ", 0) == 0)
		return message.substr(path.size() + 2);
	return message;
}

// Validate the descriptor read from the file. Returns false with info.status/reason set.
bool validate(const FileDescriptor &d, PluginInfo &info)
{
	auto reject = [&](PluginStatus s, std::string why) {
		info.status = s;
		info.reason = std::move(why);
		return false;
	};
	if (d.abiVersion != TB_PLUGIN_ABI_VERSION)
		return reject(PluginStatus::Incompatible,
			      "plugin ABI version " + std::to_string(d.abiVersion) +
				      ", this tb supports " +
				      std::to_string(TB_PLUGIN_ABI_VERSION));
	if (d.cxxAbi != TB_CXX_ABI_TAG)
		return reject(PluginStatus::Incompatible, "C++ ABI tag " + hex(d.cxxAbi) +
								  " does not match this tb (" +
								  hex(TB_CXX_ABI_TAG) + ")");
	if (!knownKind(d.kind))
		return reject(PluginStatus::Incompatible,
			      "unknown plugin kind " + std::to_string(d.kind));
	Kind kind = static_cast<Kind>(d.kind);
	info.kind = kindName(kind);
	if (d.kindVersion != apiVersionOf(kind))
		return reject(PluginStatus::Incompatible,
			      std::string(kindName(kind)) + " API version " +
				      std::to_string(d.kindVersion) + ", this tb supports " +
				      std::to_string(apiVersionOf(kind)));
	if (!d.nameTerminated || !config::validPluginName(d.name))
		return reject(PluginStatus::Failed,
			      "invalid plugin name '" + d.name +
				      "' (1-63 characters of a-z, 0-9 and '-')");
	info.name = d.name;
	info.uri = info.kind + "." + d.name;
	if (!d.versionTerminated || !validVersion(d.version))
		return reject(PluginStatus::Failed, "invalid plugin version string");
	info.version = d.version;
	return true;
}

template<typename T>
void instantiate(std::vector<Loaded<T>> &out, PluginInfo &info, std::shared_ptr<Library> lib,
		 const PluginDescriptor &desc, const LoaderOptions &o)
{
	auto *factory = static_cast<const PluginFactory<T> *>(desc.factory);
	if (!factory || !factory->create) {
		info.status = PluginStatus::Failed;
		info.reason = "descriptor has no factory";
		return;
	}
	static const ConfigView kEmpty;
	const ConfigView *view = &kEmpty;
	if (o.sections) {
		auto it = o.sections->find(info.uri);
		if (it != o.sections->end())
			view = &it->second;
	}
	Loaded<T> l;
	l.name = info.name;
	l.lib = std::move(lib);
	l.host = std::make_unique<HostImpl>(info.uri, *o.paths);
	auto r = factory->create(*l.host, *view);
	if (!r) {
		info.status =
			r.error().code == Errc::Skip ? PluginStatus::Skipped : PluginStatus::Failed;
		info.reason = r.error().message;
		return;
	}
	if (!*r) {
		info.status = PluginStatus::Failed;
		info.reason = "factory returned no object";
		return;
	}
	l.obj = std::move(*r);
	info.status = PluginStatus::Ok;
	out.push_back(std::move(l));
}

} // namespace

PluginSet::~PluginSet() = default;
PluginSet::PluginSet(PluginSet &&) noexcept = default;
PluginSet &PluginSet::operator=(PluginSet &&) noexcept = default;

const char *systemPluginDir() noexcept
{
	return TB_PLUGIN_DIR;
}

PluginSet PluginSet::load(const LoaderOptions &o)
{
	static const HostPaths kNoPaths;
	LoaderOptions opts = o;
	if (!opts.paths)
		opts.paths = &kNoPaths;
	// TB_DLCLOSE=0 keeps libraries mapped after use, so leak checkers can symbolise them.
	const char *dlc = std::getenv("TB_DLCLOSE");
	bool noDelete = dlc && std::strcmp(dlc, "0") == 0;

	PluginSet set;
	// uri -> index in set.infos_ of the file that owns it: the first whose descriptor is
	// valid, whatever happens when it is loaded (see docs/plugin-abi.md, "Policy").
	std::map<std::string, size_t> owner;
	std::set<std::string> seenFiles;
	for (const auto &dir : opts.searchPath) {
		for (const auto &path : scanDir(dir)) {
			std::error_code ec;
			std::string canon = fs::weakly_canonical(path, ec).string();
			if (!seenFiles.insert(ec ? path : canon).second)
				continue; // the same file reached twice through the path
			PluginInfo info;
			info.kind = "unknown";
			info.name = fs::path(path).stem().string();
			info.path = path;
			auto fd = readFileDescriptor(path);
			if (!fd) {
				info.status = fd.error().code == Errc::Unsupported
						      ? PluginStatus::Incompatible
						      : PluginStatus::Failed;
				info.reason = stripPath(fd.error().message, path);
			} else if (validate(*fd, info)) {
				auto disabled = std::find(opts.disabled.begin(),
							  opts.disabled.end(), info.uri);
				if (auto distrust =
					    pluginDistrust(path, ::geteuid(), opts.trusted)) {
					info.status = PluginStatus::Untrusted; // never owns its uri
					info.reason = std::move(*distrust);
				} else if (disabled != opts.disabled.end()) {
					info.status = PluginStatus::Disabled;
					info.reason = "disabled by [core] disabled_plugins";
				} else if (auto it = owner.find(info.uri); it != owner.end()) {
					const PluginInfo &first = set.infos_[it->second];
					info.status = PluginStatus::Shadowed;
					info.reason = "shadowed by " + first.path;
					if (first.status != PluginStatus::Ok)
						info.reason += " (" +
							       std::string(pluginStatusName(
								       first.status)) +
							       ")";
				} else {
					owner[info.uri] = set.infos_.size();
					auto lib = std::make_shared<Library>();
					boost::dll::fs::error_code lec;
					auto mode = boost::dll::load_mode::rtld_now |
						    boost::dll::load_mode::rtld_local;
					if (noDelete)
						mode = mode |
						       static_cast<boost::dll::load_mode::type>(
							       RTLD_NODELETE);
					lib->lib.load(path, lec, mode);
					if (lec) {
						const char *why = dlerror();
						info.status = PluginStatus::Failed;
						info.reason = std::string("dlopen failed: ") +
							      (why ? why : lec.message());
					} else {
						instantiateKind(set, info, lib, opts);
					}
				}
			}
			TB_LOG(kLog, Debug) << info.path << ": " << info.uri << " "
					    << pluginStatusName(info.status)
					    << (info.reason.empty() ? "" : ": ") << info.reason;
			set.infos_.push_back(std::move(info));
		}
	}
	return set;
}

void PluginSet::instantiateKind(PluginSet &set, PluginInfo &info, std::shared_ptr<Library> lib,
				const LoaderOptions &o)
{
	if (!lib->lib.has(TB_PLUGIN_DESCRIPTOR_SYMBOL)) {
		info.status = PluginStatus::Failed;
		info.reason = "descriptor symbol vanished after loading";
		return;
	}
	const auto &desc = lib->lib.get<const PluginDescriptor>(TB_PLUGIN_DESCRIPTOR_SYMBOL);
	// The loaded image must say what the file said; anything else is a broken build.
	if (desc.abiVersion != TB_PLUGIN_ABI_VERSION ||
	    kindName(static_cast<Kind>(desc.kind)) != info.kind ||
	    std::string(desc.name, strnlen(desc.name, sizeof(desc.name))) != info.name) {
		info.status = PluginStatus::Failed;
		info.reason = "descriptor in memory differs from the file";
		return;
	}
	switch (static_cast<Kind>(desc.kind)) {
	case Kind::Transport:
		return instantiate(set.transports_, info, std::move(lib), desc, o);
	case Kind::CacheFormat:
		return instantiate(set.cacheFormats_, info, std::move(lib), desc, o);
	case Kind::GpuProbe:
		return instantiate(set.gpuProbes_, info, std::move(lib), desc, o);
	case Kind::Runtime:
		return instantiate(set.runtimes_, info, std::move(lib), desc, o);
	}
}

Result<void> PluginSet::checkRequired(const std::vector<std::string> &required) const
{
	for (const auto &uri : required) {
		const PluginInfo *found = nullptr;
		for (const auto &i : infos_)
			if (i.uri == uri && (!found || i.status == PluginStatus::Ok))
				found = &i;
		if (!found)
			return err(Errc::NotFound,
				   "required plugin " + uri + ": not found in the plugin path");
		if (found->status != PluginStatus::Ok)
			return err(Errc::Unavailable,
				   "required plugin " + uri + " (" + found->path +
					   "): " + std::string(pluginStatusName(found->status)) +
					   ": " + found->reason);
	}
	return {};
}

} // namespace tb
