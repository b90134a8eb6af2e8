// SPDX-License-Identifier: Apache-2.0
// `tb cdi list`: the devices a runtime would see, with the CDI cache's precedence rules.
#include "cdi_internal.h"

#include <algorithm>
#include <map>

#include <boost/json.hpp>

#include <tb/config.h>

#include "tbsupport/host_fs.h"

namespace tb {

std::vector<std::string> cdiSpecDirs(const Config &config)
{
	std::vector<std::string> dirs{"/etc/cdi", "/var/run/cdi"};
	dirs.insert(dirs.end(), config.cdi.specDirs.begin(), config.cdi.specDirs.end());
	return dirs;
}

namespace cdi {

std::vector<SpecFile> specFiles(const std::vector<std::string> &dirs)
{
	std::vector<SpecFile> out;
	for (size_t di = 0; di < dirs.size(); ++di) {
		std::vector<std::string> files = support::listDir(dirs[di]);
		std::sort(files.begin(), files.end());
		for (const auto &f : files) {
			std::string path = dirs[di] + "/" + f;
			if ((f.ends_with(".json") || f.ends_with(".yaml")) &&
			    !support::isDirectory(path))
				out.push_back({std::move(path), di});
		}
	}
	return out;
}

} // namespace cdi

CdiListing listCdiDevices(const std::vector<std::string> &dirs)
{
	CdiListing out;
	struct Seen {
		std::string file;
		size_t dir;
		size_t index; // in out.devices
	};
	std::map<std::string, Seen> byName;
	for (const auto &[path, di] : cdi::specFiles(dirs)) {
		auto text = support::readFile(path, 16 << 20);
		auto tree = text ? cdi::parseSpecText(*text)
				 : Result<boost::json::value>(unexpected(text.error()));
		if (!tree) {
			out.errors.push_back(path + ": " + tree.error().message);
			continue;
		}
		auto problems = cdi::validateTree(*tree);
		if (!problems.empty()) {
			out.errors.push_back(path + ": " + problems.front().path + ": " +
					     problems.front().message);
			continue;
		}
		const auto &o = tree->get_object();
		std::string kind(o.at("kind").get_string());
		for (const auto &d : o.at("devices").get_array()) {
			std::string name =
				kind + "=" + std::string(d.get_object().at("name").get_string());
			auto it = byName.find(name);
			out.devices.push_back({name, path, ""});
			if (it == byName.end()) {
				byName[name] = {path, di, out.devices.size() - 1};
				continue;
			}
			auto &prev = out.devices[it->second.index];
			if (it->second.dir == di) {
				out.devices.back().conflict = "also defined in " + prev.file;
				if (prev.conflict.empty())
					prev.conflict = "also defined in " + path;
			} else {
				prev.conflict = "overridden by " + path;
			}
			it->second = {path, di, out.devices.size() - 1};
		}
	}
	std::stable_sort(out.devices.begin(), out.devices.end(),
			 [](const auto &a, const auto &b) { return a.name < b.name; });
	return out;
}

} // namespace tb
