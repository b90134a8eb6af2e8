// SPDX-License-Identifier: Apache-2.0
// tb-runtime: CDI container edits applied to an OCI runtime spec, as the CDI library does
// (pkg/cdi/container-edits.go): env replaced by name, nodes filled in from the host, mounts
// replaced by destination and ordered by depth.
#include "oci_edits.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace tb::shim {
namespace {

json::object &objectAt(json::object &o, std::string_view key)
{
	json::value &v = o[key];
	if (!v.is_object())
		v = json::object();
	return v.as_object();
}

json::array &arrayAt(json::object &o, std::string_view key)
{
	json::value &v = o[key];
	if (!v.is_array())
		v = json::array();
	return v.as_array();
}

std::string str(const json::object &o, std::string_view key)
{
	const json::value *v = o.if_contains(key);
	return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

int64_t num(const json::object &o, std::string_view key, int64_t fallback)
{
	const json::value *v = o.if_contains(key);
	return v && v->is_int64()    ? v->get_int64()
	       : v && v->is_uint64() ? int64_t(v->get_uint64())
				     : fallback;
}

void setEnv(json::object &config, const std::string &kv)
{
	json::array &env = arrayAt(objectAt(config, "process"), "env");
	std::string key = kv.substr(0, kv.find('='));
	for (auto &e : env)
		if (e.is_string() &&
		    std::string_view(e.get_string()).substr(0, key.size() + 1) == key + "=") {
			e = kv;
			return;
		}
	env.push_back(json::string(kv));
}

Result<void> addDeviceNode(json::object &config, const json::object &node)
{
	std::string path = str(node, "path");
	std::string hostPath = str(node, "hostPath");
	if (hostPath.empty())
		hostPath = path;
	std::string type = str(node, "type");
	int64_t major = num(node, "major", 0), minor = num(node, "minor", 0);
	int64_t mode = num(node, "fileMode", -1);
	if (type.empty() || major == 0 || mode < 0) {
		struct stat st = {};
		if (::stat(hostPath.c_str(), &st) != 0)
			return err(Errc::NotFound,
				   "device node '" + hostPath + "': " + std::strerror(errno));
		if (type.empty())
			type = S_ISBLK(st.st_mode) ? "b" : S_ISCHR(st.st_mode) ? "c" : "";
		if (type.empty())
			return err(Errc::InvalidArgument,
				   "device node '" + hostPath + "' is not a device");
		if (major == 0) {
			major = ::major(st.st_rdev);
			minor = ::minor(st.st_rdev);
		}
		if (mode < 0)
			mode = st.st_mode & 07777;
	}
	json::object dev{{"path", path}, {"type", type}, {"major", major}, {"minor", minor}};
	if (mode >= 0)
		dev["fileMode"] = mode;
	if (node.contains("uid"))
		dev["uid"] = node.at("uid");
	if (node.contains("gid"))
		dev["gid"] = node.at("gid");
	json::object &linux = objectAt(config, "linux");
	json::array &devices = arrayAt(linux, "devices");
	auto same = std::find_if(devices.begin(), devices.end(), [&](const json::value &d) {
		return d.is_object() && str(d.as_object(), "path") == path;
	});
	if (same != devices.end())
		*same = dev;
	else
		devices.push_back(dev);
	std::string access = str(node, "permissions");
	arrayAt(objectAt(linux, "resources"), "devices")
		.push_back(json::object{{"allow", true},
					{"type", type},
					{"major", major},
					{"minor", minor},
					{"access", access.empty() ? "rwm" : access}});
	return {};
}

size_t depth(const json::value &m)
{
	std::string d = m.is_object() ? str(m.as_object(), "destination") : "";
	return static_cast<size_t>(std::count(d.begin(), d.end(), '/'));
}

void addMount(json::object &config, const json::object &mount)
{
	std::string dest = str(mount, "containerPath");
	json::object m{{"destination", dest}, {"source", str(mount, "hostPath")}};
	std::string type = str(mount, "type");
	m["type"] = type.empty() ? "bind" : type;
	if (const json::value *o = mount.if_contains("options"))
		m["options"] = *o;
	json::array &mounts = arrayAt(config, "mounts");
	auto same = std::find_if(mounts.begin(), mounts.end(), [&](const json::value &x) {
		return x.is_object() && str(x.as_object(), "destination") == dest;
	});
	if (same != mounts.end())
		*same = m;
	else
		mounts.push_back(m);
}

} // namespace

Result<void> applyEdits(const json::object &edits, json::object &config)
{
	if (const json::value *env = edits.if_contains("env"); env && env->is_array())
		for (const auto &e : env->get_array())
			if (e.is_string())
				setEnv(config, std::string(e.get_string()));
	if (const json::value *nodes = edits.if_contains("deviceNodes"); nodes && nodes->is_array())
		for (const auto &n : nodes->get_array())
			if (n.is_object())
				TB_TRY(addDeviceNode(config, n.get_object()));
	if (const json::value *mounts = edits.if_contains("mounts"); mounts && mounts->is_array()) {
		for (const auto &m : mounts->get_array())
			if (m.is_object())
				addMount(config, m.get_object());
		json::array &all = arrayAt(config, "mounts");
		std::stable_sort(all.begin(), all.end(),
				 [](const json::value &a, const json::value &b) {
					 return depth(a) < depth(b);
				 });
	}
	if (const json::value *hooks = edits.if_contains("hooks"); hooks && hooks->is_array())
		for (const auto &h : hooks->get_array()) {
			if (!h.is_object())
				continue;
			json::object hook = h.get_object();
			std::string name = str(hook, "hookName");
			hook.erase("hookName");
			arrayAt(objectAt(config, "hooks"), name).push_back(std::move(hook));
		}
	if (const json::value *gids = edits.if_contains("additionalGids");
	    gids && gids->is_array()) {
		json::array &to =
			arrayAt(objectAt(objectAt(config, "process"), "user"), "additionalGids");
		for (const auto &g : gids->get_array())
			if ((g.is_int64() && g.get_int64() != 0) ||
			    (g.is_uint64() && g.get_uint64()))
				to.push_back(g);
	}
	return {};
}

std::vector<std::string> requestedDevices(const json::object &config,
					  const std::string &defaultKind)
{
	std::vector<std::string> out;
	auto add = [&](std::string_view list, const std::string &kind) {
		while (!list.empty()) {
			size_t comma = list.find(',');
			std::string item(list.substr(0, comma));
			list = comma == std::string_view::npos ? std::string_view()
							       : list.substr(comma + 1);
			item.erase(0, item.find_first_not_of(' '));
			item.erase(item.find_last_not_of(' ') + 1);
			if (item.empty() || item == "void" || item == "none")
				continue;
			std::string name =
				item.find('=') != std::string::npos ? item : kind + "=" + item;
			if (std::find(out.begin(), out.end(), name) == out.end())
				out.push_back(name);
		}
	};
	if (const json::value *a = config.if_contains("annotations"); a && a->is_object())
		for (const auto &kv : a->get_object())
			if (kv.key().starts_with("cdi.k8s.io/") && kv.value().is_string())
				add(kv.value().get_string(), defaultKind);
	const json::value *p = config.if_contains("process");
	const json::value *env = p && p->is_object() ? p->get_object().if_contains("env") : nullptr;
	if (env && env->is_array())
		for (const auto &[var, kind] :
		     {std::pair<std::string, std::string>{"TB_VISIBLE_DEVICES=", defaultKind},
		      {"NVIDIA_VISIBLE_DEVICES=", "nvidia.com/gpu"}})
			for (const auto &e : env->get_array())
				if (e.is_string() && e.get_string().starts_with(var))
					add(std::string_view(e.get_string()).substr(var.size()),
					    kind);
	return out;
}

CdiRegistry CdiRegistry::load(const std::vector<std::string> &dirs)
{
	CdiRegistry reg;
	for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) {
		std::error_code ec;
		std::vector<fs::path> files;
		for (fs::directory_iterator it(*d, ec), end; !ec && it != end; it.increment(ec))
			if (it->path().extension() == ".json" && it->is_regular_file(ec))
				files.push_back(it->path());
		std::sort(files.begin(), files.end());
		for (const auto &f : files) {
			std::ifstream in(f);
			std::stringstream text;
			text << in.rdbuf();
			boost::system::error_code jec;
			json::value v = json::parse(text.str(), jec);
			if (jec || !v.is_object() || str(v.as_object(), "kind").empty()) {
				reg.errors_.push_back(f.string() + ": not a CDI spec" +
						      (jec ? " (" + jec.message() + ")" : ""));
				continue;
			}
			std::string kind = str(v.as_object(), "kind");
			reg.specs_.push_back({f.string(), kind, std::move(v.as_object())});
		}
	}
	return reg;
}

Result<void> CdiRegistry::apply(const std::vector<std::string> &devices, json::object &config) const
{
	std::vector<const Spec *> applied;
	std::string missing;
	for (const auto &qualified : devices) {
		auto eq = qualified.find('=');
		std::string kind = qualified.substr(0, eq), name = qualified.substr(eq + 1);
		const Spec *spec = nullptr;
		const json::object *device = nullptr;
		// Highest-priority dir first: the first spec defining the device wins.
		for (const auto &s : specs_) {
			if ((!kind.empty() && s.kind != kind) || device)
				continue;
			const json::value *list = s.spec.if_contains("devices");
			if (list && list->is_array())
				for (const auto &d : list->get_array())
					if (d.is_object() && str(d.get_object(), "name") == name) {
						spec = &s;
						device = &d.get_object();
						break;
					}
		}
		if (!device) {
			missing += (missing.empty() ? "" : ", ") + qualified;
			continue;
		}
		if (std::find(applied.begin(), applied.end(), spec) == applied.end()) {
			applied.push_back(spec);
			if (const json::value *e = spec->spec.if_contains("containerEdits");
			    e && e->is_object())
				TB_TRY_CTX(applyEdits(e->get_object(), config), spec->file);
		}
		if (const json::value *e = device->if_contains("containerEdits");
		    e && e->is_object())
			TB_TRY_CTX(applyEdits(e->get_object(), config), qualified);
	}
	if (!missing.empty()) {
		std::string why;
		for (const auto &e : errors_)
			why += "; " + e;
		return err(Errc::NotFound, "unresolvable CDI devices " + missing + why);
	}
	return {};
}

Result<json::object> readConfig(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return err(Errc::NotFound, "reading '" + path + "': " + std::strerror(errno));
	std::stringstream text;
	text << in.rdbuf();
	boost::system::error_code ec;
	json::value v = json::parse(text.str(), ec);
	if (ec || !v.is_object())
		return err(Errc::Corrupt, "'" + path + "' is not an OCI runtime spec" +
						  (ec ? ": " + ec.message() : ""));
	return std::move(v.as_object());
}

Result<void> writeConfig(const std::string &path, const json::object &config)
{
	std::string tmp = path + ".tb-runtime-tmp";
	{
		std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
		out << json::serialize(config);
		if (!out.flush())
			return err(Errc::Io, "writing '" + tmp + "'");
	}
	struct stat st = {};
	if (::stat(path.c_str(), &st) == 0)
		::chmod(tmp.c_str(), st.st_mode & 07777);
	if (::rename(tmp.c_str(), path.c_str()) != 0) {
		int e = errno;
		::unlink(tmp.c_str());
		return err(Errc::Io, "replacing '" + path + "': " + std::strerror(e));
	}
	return {};
}

} // namespace tb::shim
