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
#include "internal/plugin_settings.h"
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

struct Found {
	std::string path;
	std::string canonical; // empty when it cannot be resolved
};

// The .so files in \a dir, sorted, with their canonical paths: the directory is resolved once,
// and only a file that is itself a link is resolved on its own.
std::vector<Found> scanDir(const std::string &dir)
{
	std::vector<Found> out;
	std::error_code ec;
	std::string dirCanon = fs::canonical(dir, ec).string();
	if (ec) {
		if (ec != std::errc::no_such_file_or_directory)
			TB_LOG(kLog, Warn) << "scan " << dir << ": " << ec.message();
		return out;
	}
	for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
		const auto &p = it->path();
		std::error_code fec;
		if (p.extension() != ".so" || !it->is_regular_file(fec))
			continue;
		Found f{p.string(), {}};
		if (it->is_symlink(fec))
			f.canonical = fs::canonical(p, fec).string();
		else
			f.canonical = (fs::path(dirCanon) / p.filename()).string();
		if (fec)
			f.canonical.clear();
		out.push_back(std::move(f));
	}
	if (ec && ec != std::errc::no_such_file_or_directory)
		TB_LOG(kLog, Warn) << "scan " << dir << ": " << ec.message();
	std::sort(out.begin(), out.end(),
		  [](const Found &a, const Found &b) { return a.path < b.path; });
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
	const KindEntry *kind = findKind(d.kind);
	if (!kind)
		return reject(PluginStatus::Incompatible,
			      "unknown plugin kind " + std::to_string(d.kind));
	info.kind = kind->name;
	// Same major, any minor: the core calls only what the plugin's minor has.
	if (d.kindMajor != kind->versionMajor)
		return reject(PluginStatus::Incompatible,
			      info.kind + " API version " + std::to_string(d.kindMajor) + "." +
				      std::to_string(d.kindMinor) + ", this tb supports " +
				      std::to_string(kind->versionMajor) + ".x");
	info.apiVersion = std::to_string(d.kindMajor) + "." + std::to_string(d.kindMinor);
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

constexpr const char *kKindNotNeeded = "kind not needed by this command";

// \a kinds names kinds ("runtime") or single plugins ("runtime.podman").
bool selected(const std::vector<std::string> &kinds, const PluginInfo &info)
{
	return std::find(kinds.begin(), kinds.end(), info.kind) != kinds.end() ||
	       std::find(kinds.begin(), kinds.end(), info.uri) != kinds.end();
}

bool wanted(const LoaderOptions &o, const PluginInfo &info)
{
	return o.kinds.empty() || selected(o.kinds, info) ||
	       std::find(o.required.begin(), o.required.end(), info.uri) != o.required.end();
}

// dlopen with Boost.DLL (error-code overload: nothing throws); nullptr with info set.
std::shared_ptr<Library> openLibrary(const std::string &path, PluginInfo &info)
{
	// TB_DLCLOSE=0 keeps libraries mapped after use, so leak checkers can symbolise them.
	const char *dlc = std::getenv("TB_DLCLOSE");
	auto lib = std::make_shared<Library>();
	boost::dll::fs::error_code lec;
	auto mode = boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local;
	if (dlc && std::strcmp(dlc, "0") == 0)
		mode = mode | static_cast<boost::dll::load_mode::type>(RTLD_NODELETE);
	lib->lib.load(path, lec, mode);
	if (lec) {
		const char *why = dlerror();
		info.status = PluginStatus::Failed;
		info.reason = std::string("dlopen failed: ") + (why ? why : lec.message());
		return nullptr;
	}
	return lib;
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
	static const SharedServices kNoServices;
	LoaderOptions opts = o;
	if (!opts.paths)
		opts.paths = &kNoPaths;
	if (!opts.services)
		opts.services = &kNoServices;

	PluginSet set;
	// uri -> index in set.infos_ of the file that owns it: the first whose descriptor is
	// valid, whatever happens when it is loaded (see docs/plugin-abi.md, "Policy").
	std::map<std::string, size_t> owner;
	std::set<std::string> seenFiles;
	PluginTrust trust(::geteuid(), opts.trusted);
	for (const auto &dir : opts.searchPath) {
		for (const auto &f : scanDir(dir)) {
			if (!seenFiles.insert(f.canonical.empty() ? f.path : f.canonical).second)
				continue; // the same file reached twice through the path
			set.loadFile(f.path, f.canonical, opts, trust, owner);
		}
	}
	return set;
}

void PluginSet::loadFile(const std::string &path, const std::string &canonical,
			 const LoaderOptions &opts, PluginTrust &trust,
			 std::map<std::string, size_t> &owner)
{
	PluginInfo info;
	info.kind = "unknown";
	info.name = fs::path(path).stem().string();
	info.path = path;
	auto fd = readFileDescriptor(path);
	if (!fd) {
		info.status = fd.error().code == Errc::Unsupported ? PluginStatus::Incompatible
								   : PluginStatus::Failed;
		info.reason = stripPath(fd.error().message, path);
	} else if (validate(*fd, info)) {
		auto disabled = std::find(opts.disabled.begin(), opts.disabled.end(), info.uri);
		if (auto distrust =
			    trust.distrust(path, canonical.empty() ? nullptr : &canonical)) {
			info.status = PluginStatus::Untrusted; // never owns its uri
			info.reason = std::move(*distrust);
		} else if (disabled != opts.disabled.end()) {
			info.status = PluginStatus::Disabled;
			info.reason = "disabled by [core] disabled_plugins";
		} else if (auto it = owner.find(info.uri); it != owner.end()) {
			const PluginInfo &first = infos_[it->second];
			info.status = PluginStatus::Shadowed;
			info.reason = "shadowed by " + first.path;
			if (first.status != PluginStatus::Ok)
				info.reason +=
					" (" + std::string(pluginStatusName(first.status)) + ")";
		} else {
			owner[info.uri] = infos_.size();
			if (!wanted(opts, info)) {
				info.status = PluginStatus::NotLoaded;
				info.reason = kKindNotNeeded;
			} else if (auto lib = openLibrary(path, info)) {
				instantiate(info, std::move(lib), opts);
			}
		}
	}
	TB_LOG(kLog, Debug) << info.path << ": " << info.uri << " " << pluginStatusName(info.status)
			    << (info.reason.empty() ? "" : ": ") << info.reason;
	infos_.push_back(std::move(info));
}

size_t PluginSet::loadKinds(const LoaderOptions &o, const std::vector<std::string> &kinds)
{
	size_t errorsBefore = configErrors_.size();
	for (auto &info : infos_) {
		if (info.status != PluginStatus::NotLoaded || info.reason != kKindNotNeeded ||
		    !selected(kinds, info))
			continue;
		info.reason.clear();
		if (auto lib = openLibrary(info.path, info))
			instantiate(info, std::move(lib), o);
		TB_LOG(kLog, Debug)
			<< info.path << ": " << info.uri << " " << pluginStatusName(info.status)
			<< (info.reason.empty() ? "" : ": ") << info.reason;
		// Warned as Context::create warns about the plugins it loads.
		if (info.status == PluginStatus::Failed)
			TB_LOG(kLog, Warn) << "plugin " << info.path << ": "
					   << pluginStatusName(info.status) << ": " << info.reason;
	}
	return errorsBefore;
}

void PluginSet::instantiate(PluginInfo &info, std::shared_ptr<Library> lib, const LoaderOptions &o)
{
	if (!lib->lib.has(TB_PLUGIN_DESCRIPTOR_SYMBOL)) {
		info.status = PluginStatus::Failed;
		info.reason = "descriptor symbol vanished after loading";
		return;
	}
	const auto &desc = lib->lib.get<const PluginDescriptor>(TB_PLUGIN_DESCRIPTOR_SYMBOL);
	const KindEntry *kind = findKind(desc.kind);
	// The loaded image must say what the file said; anything else is a broken build.
	if (desc.abiVersion != TB_PLUGIN_ABI_VERSION || !kind || info.kind != kind->name ||
	    std::string(desc.name, strnlen(desc.name, sizeof(desc.name))) != info.name) {
		info.status = PluginStatus::Failed;
		info.reason = "descriptor in memory differs from the file";
		return;
	}
	if (auto declared = readDeclaration(desc, info.uri, info.path, lib)) {
		declared_.push_back(std::move(*declared));
	} else {
		info.status = PluginStatus::Failed;
		info.reason = declared.error().message;
		return;
	}
	if (o.declarationsOnly) {
		info.status = PluginStatus::NotLoaded;
		info.reason = "settings read, plugin not created";
		return;
	}
	static const ConfigView kEmpty;
	const ConfigView *view = &kEmpty;
	ConfigView checked;
	if (o.configure) {
		auto v = o.configure(declared_.back());
		if (!v) {
			info.status = PluginStatus::Failed;
			info.reason = v.error().message;
			configErrors_.push_back(v.error());
			return;
		}
		checked = std::move(*v);
		view = &checked;
	} else if (o.sections) {
		auto it = o.sections->find(info.uri);
		if (it != o.sections->end())
			view = &it->second;
	}
	Loaded l;
	l.name = info.name;
	l.kind = kind->id;
	l.lib = std::move(lib);
	l.host = std::make_unique<HostImpl>(info.uri, *o.paths, *view, *o.services);
	auto r = kind->create(desc.factory, *l.host, *view);
	if (!r) {
		info.status =
			r.error().code == Errc::Skip ? PluginStatus::Skipped : PluginStatus::Failed;
		info.reason = r.error().message;
		return;
	}
	if (r->apiMinor != desc.kindMinor) {
		info.status = PluginStatus::Failed;
		info.reason = "object built against " + info.kind + " API minor " +
			      std::to_string(r->apiMinor) + ", descriptor says " +
			      std::to_string(desc.kindMinor);
		return;
	}
	l.obj = std::move(*r);
	info.status = PluginStatus::Ok;
	loaded_.push_back(std::move(l));
}

Result<void> PluginSet::checkRequired(const std::vector<std::string> &required) const
{
	for (const auto &uri : required) {
		const PluginInfo *found = nullptr;
		for (const auto &i : infos_)
			if (i.uri == uri && (!found || i.status == PluginStatus::Ok))
				found = &i;
		// InvalidArgument, as Context::create documents: the configuration asks for a
		// plugin this installation cannot provide.
		if (!found)
			return err(Errc::InvalidArgument,
				   "required plugin " + uri + ": not found in the plugin path");
		if (found->status != PluginStatus::Ok)
			return err(Errc::InvalidArgument,
				   "required plugin " + uri + " (" + found->path +
					   "): " + std::string(pluginStatusName(found->status)) +
					   ": " + found->reason);
	}
	return {};
}

} // namespace tb
