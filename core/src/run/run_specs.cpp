// SPDX-License-Identifier: Apache-2.0
// `tb run` with the host's persistent CDI specs: when a spec in the CDI dirs already gives the
// container everything the run's own spec would (device nodes, mounts, hooks), the run names
// its devices and writes no transient spec.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <boost/json.hpp>

#include "cdi/cdi_internal.h"
#include "run/run_internal.h"
#include "tbsupport/host_fs.h"

namespace tb::run {
namespace {

namespace json = boost::json;

// What a container gets, as comparable keys: (what, container path, host path or args).
using Item = std::tuple<char, std::string, std::string>;

std::string str(const json::object &o, std::string_view key)
{
	auto it = o.find(key);
	return it != o.end() && it->value().is_string() ? std::string(it->value().get_string())
							: std::string();
}

void itemsOf(const json::object &parent, std::set<Item> &out, std::vector<std::string> &env)
{
	auto edits = parent.find("containerEdits");
	if (edits == parent.end() || !edits->value().is_object())
		return;
	const auto &e = edits->value().get_object();
	if (auto it = e.find("env"); it != e.end() && it->value().is_array())
		for (const auto &v : it->value().get_array())
			if (v.is_string())
				env.emplace_back(v.get_string());
	auto each = [&](std::string_view key, auto fn) {
		auto it = e.find(key);
		if (it != e.end() && it->value().is_array())
			for (const auto &v : it->value().get_array())
				if (v.is_object())
					fn(v.get_object());
	};
	each("deviceNodes", [&](const json::object &n) {
		std::string path = str(n, "path"), host = str(n, "hostPath");
		out.emplace('n', path, host.empty() ? path : host);
	});
	each("mounts", [&](const json::object &m) {
		out.emplace('m', str(m, "containerPath"), str(m, "hostPath"));
	});
	each("hooks", [&](const json::object &h) {
		std::string args;
		if (auto a = h.find("args"); a != h.end() && a->value().is_array())
			for (const auto &v : a->value().get_array())
				args += (v.is_string() ? std::string(v.get_string()) : "") + '\n';
		out.emplace('h', str(h, "hookName") + " " + str(h, "path"), args);
	});
}

void itemsOf(const CdiContainerEdits &e, std::set<Item> &out)
{
	for (const auto &n : e.deviceNodes)
		out.emplace('n', n.path, n.hostPath.empty() ? n.path : n.hostPath);
	for (const auto &m : e.mounts)
		out.emplace('m', m.containerPath, m.hostPath);
	for (const auto &h : e.hooks) {
		std::string args;
		for (const auto &a : h.args)
			args += a + '\n';
		out.emplace('h', h.hookName + " " + h.path, args);
	}
}

struct Defined {
	std::string file;
	size_t dir = 0;
	bool conflict = false;
	std::set<Item> items;         ///< the spec's edits plus the device's
	std::vector<std::string> env; ///< their variables ("K=V")
};

// The devices of \a kind in \a dirs as a runtime resolves them: a later dir overrides an
// earlier one, two files of one dir defining a name make it unusable. Only specs every CDI
// consumer reads (cdiVersion <= kTransientCdiVersion) and that validate count.
std::map<std::string, Defined> devicesOf(const std::vector<std::string> &dirs,
					 const std::string &kind)
{
	std::map<std::string, Defined> out;
	for (const auto &[path, di] : cdi::specFiles(dirs)) {
		auto text = support::readFile(path, 16 << 20);
		if (!text || text->find(kind) == std::string::npos)
			continue; // cheap: most files are of other kinds
		auto tree = cdi::parseSpecText(*text);
		if (!tree || !cdi::validateTree(*tree).empty())
			continue;
		const auto &o = tree->get_object();
		if (str(o, "kind") != kind ||
		    cdi::compareVersions(str(o, "cdiVersion"), kTransientCdiVersion) > 0)
			continue;
		std::set<Item> common;
		std::vector<std::string> commonEnv;
		itemsOf(o, common, commonEnv);
		for (const auto &d : o.at("devices").get_array()) {
			const auto &dev = d.get_object();
			std::string name = str(dev, "name");
			Defined def{path, di, false, common, commonEnv};
			itemsOf(dev, def.items, def.env);
			auto it = out.find(name);
			if (it != out.end() && it->second.dir == di) {
				it->second.conflict = true;
				continue;
			}
			out[name] = std::move(def);
		}
	}
	return out;
}

} // namespace

std::optional<PersistentDevices>
findPersistentDevices(const std::vector<std::string> &dirs, const CdiSpec &wanted,
		      const std::vector<std::vector<std::string>> &candidates)
{
	auto defined = devicesOf(dirs, wanted.kind);
	if (defined.empty())
		return std::nullopt;
	PersistentDevices found;
	std::set<Item> given;
	for (const auto &names : candidates) {
		const Defined *hit = nullptr;
		for (const auto &n : names) {
			auto it = defined.find(n);
			if (it != defined.end() && !it->second.conflict) {
				found.names.push_back(wanted.kind + "=" + n);
				hit = &it->second;
				break;
			}
		}
		if (!hit)
			return std::nullopt;
		given.insert(hit->items.begin(), hit->items.end());
		found.env.insert(found.env.end(), hit->env.begin(), hit->env.end());
		if (std::find(found.files.begin(), found.files.end(), hit->file) ==
		    found.files.end())
			found.files.push_back(hit->file);
	}
	std::set<Item> needed;
	itemsOf(wanted.containerEdits, needed);
	for (const auto &d : wanted.devices)
		itemsOf(d.containerEdits, needed);
	if (!std::includes(given.begin(), given.end(), needed.begin(), needed.end()))
		return std::nullopt;
	return found;
}

} // namespace tb::run
