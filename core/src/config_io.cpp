// SPDX-License-Identifier: Apache-2.0
// Finding, loading and printing nvbind.toml.
#include "internal/config.h"

#include <tb/context.h>

#include <cstdlib>
#include <filesystem>
#include <span>
#include <sstream>

#include <toml++/toml.h>

#include "internal/config_keys.h"
#include "internal/paths.h"
#include "internal/plugin_config.h"
#include "tbsupport/host_fs.h"

namespace tb {

namespace {

// nvbind.toml is a few KiB; a larger file is a mistake (a log, an image), not a config.
constexpr size_t MaxConfigFileBytes = size_t(4) << 20;

// An explicit file must be there; a directory or a device is named as such, not "not found".
Result<std::string> explicitFile(const std::string &path, const char *source)
{
	std::error_code ec;
	auto st = std::filesystem::status(path, ec);
	if (st.type() == std::filesystem::file_type::not_found || ec)
		return err(Errc::NotFound,
			   "config file " + path + " (from " + source + "): not found");
	if (st.type() != std::filesystem::file_type::regular)
		return err(Errc::InvalidArgument,
			   "config file " + path + " (from " + source + "): not a regular file");
	return path;
}

bool isFile(const std::string &p)
{
	std::error_code ec;
	return std::filesystem::is_regular_file(p, ec);
}

toml::array toArray(const std::vector<std::string> &v)
{
	toml::array a;
	for (const auto &s : v)
		a.push_back(s);
	return a;
}

toml::table toTable(const std::map<std::string, std::string> &m)
{
	toml::table t;
	for (const auto &[k, v] : m)
		t.insert(k, v);
	return t;
}

toml::table valuesTable(const ConfigValues &values)
{
	toml::table t;
	for (const auto &kv : values) {
		const auto &k = kv.first; // a structured binding: clang 14 cannot capture it
		std::visit(
			[&](const auto &x) {
				using X = std::decay_t<decltype(x)>;
				if constexpr (std::is_same_v<X, std::vector<std::string>>)
					t.insert(k, toArray(x));
				else
					t.insert(k, x);
			},
			kv.second);
	}
	return t;
}

toml::table recordsTable(const ConfigView::Records &records)
{
	toml::table t;
	for (const auto &[name, values] : records)
		t.insert(name, valuesTable(values));
	return t;
}

} // namespace

Result<std::string> findConfigFile(const std::string &explicitPath)
{
	if (!explicitPath.empty())
		return explicitFile(explicitPath, "--config");
	if (const char *env = std::getenv("TB_CONFIG"); env && *env)
		return explicitFile(env, "TB_CONFIG");
	for (const std::string &candidate :
	     {std::string("nvbind.toml"), userConfigPath(), std::string("/etc/tb/nvbind.toml")})
		if (isFile(candidate))
			return std::filesystem::absolute(candidate).string();
	return std::string();
}

Result<Config> loadConfigFile(const std::string &path)
{
	return parseConfig(TB_TRY(readConfigText(path)), path);
}

Result<std::string> readConfigText(const std::string &path)
{
	auto text = support::readFile(path, MaxConfigFileBytes);
	if (!text) {
		// support::readFile names the file ("cannot open|read PATH: why"); keep only the
		// why.
		Error e = std::move(text).error();
		std::string named = path + ": ";
		auto at = e.message.find(named);
		std::string why =
			at == std::string::npos ? e.message : e.message.substr(at + named.size());
		return err(e.code, "config file " + path + ": cannot read: " + why);
	}
	return std::move(*text);
}

Result<void> validateConfigFile(const std::string &path)
{
	TB_TRY(checkConfigFile(path));
	return {};
}

std::string_view defaultConfigFile() noexcept
{
	return defaultConfigText();
}

std::string userConfigPath()
{
	return paths::xdgConfigHome() + "/tb/nvbind.toml";
}

Result<void> writeDefaultConfig(const std::string &path, bool overwrite)
{
	return paths::writeFileAtomic(path, defaultConfigWithPlugins(), overwrite)
		.wrap("config init");
}

namespace {

toml::table &subTable(toml::table &root, std::string_view path)
{
	toml::table *t = &root;
	while (!path.empty()) {
		auto dot = path.find('.');
		std::string name(path.substr(0, dot));
		path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
		if (!t->contains(name))
			t->insert(name, toml::table());
		t = t->get(name)->as_table();
	}
	return *t;
}

template<typename Rec>
void insertKeys(toml::table &root, std::span<const config::Key<Rec>> keys, const Rec &rec)
{
	for (const auto &k : keys) {
		toml::table &t = subTable(root, k.section);
		std::visit(
			[&](const auto &v) {
				using V = std::decay_t<decltype(v)>;
				if constexpr (std::is_same_v<V, std::vector<std::string>>)
					t.insert(k.key, toArray(v));
				else if constexpr (std::is_same_v<V, config::StringMap>)
					t.insert(k.key, toTable(v));
				else
					t.insert(k.key, v);
			},
			config::keyValue(k, rec));
	}
}

// Every part of the file, defaults included, from the key table.
toml::table configTable(const Config &c)
{
	toml::table root;
	for (const auto &s : config::sections()) {
		switch (s.kind) {
		case config::SectionKind::Keys:
			break;
		case config::SectionKind::Reserved: {
			// Shown even when unset (empty), as the default file has it.
			auto it = c.pluginTables.find(s.name);
			root.insert(s.name, it == c.pluginTables.end() ? toml::table()
								       : recordsTable(it->second));
			break;
		}
		case config::SectionKind::Profiles: {
			toml::table profiles;
			for (const auto &[name, p] : c.profiles) {
				toml::table t;
				insertKeys(t, config::profileKeys(), p);
				profiles.insert(name, std::move(t));
			}
			root.insert(s.name, std::move(profiles));
			break;
		}
		case config::SectionKind::Plugins: {
			toml::table plugins;
			for (const auto &[uri, view] : c.plugins) {
				toml::table t = valuesTable(view.values());
				for (const auto &[name, records] : view.tables())
					t.insert(name, recordsTable(records));
				plugins.insert(uri, std::move(t));
			}
			root.insert(s.name, std::move(plugins));
			break;
		}
		}
	}
	insertKeys(root, config::coreKeys(), c);
	return root;
}

} // namespace

std::string configToToml(const Config &c)
{
	std::ostringstream out;
	out << configTable(c) << "\n";
	return out.str();
}

std::string configToJson(const Config &c)
{
	std::ostringstream out;
	out << toml::json_formatter{configTable(c)} << "\n";
	return out.str();
}

} // namespace tb
