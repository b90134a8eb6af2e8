// SPDX-License-Identifier: Apache-2.0
// Plugin config sections checked against the plugin's declared settings.
#include "internal/plugin_config.h"

#include <cstring>
#include <set>

#include "internal/config_keys.h"
#include "internal/plugin_loader.h"
#include "internal/setting_values.h"

namespace tb {

namespace {

Error fail(std::string_view origin, const toml::source_region &src, const std::string &key,
	   const std::string &what)
{
	return Error{Errc::InvalidArgument,
		     tomlWhere(origin, src) + ": key '" + key + "': " + what};
}

const Setting *findSetting(const Setting *list, uint32_t n, std::string_view key)
{
	for (uint32_t i = 0; i < n; ++i)
		if (key == list[i].key)
			return &list[i];
	return nullptr;
}

// Keys of one table (a section or a record) checked against \a fields, defaults filled in.
Result<ConfigValues> readKeys(const toml::table &t, const Setting *fields, uint32_t count,
			      const std::string &prefix, std::string_view origin,
			      const std::set<std::string> &skip = {})
{
	ConfigValues out;
	for (uint32_t i = 0; i < count; ++i)
		out[fields[i].key] = TB_TRY(parseSettingLiteral(fields[i]));
	for (const auto &[k, node] : t) {
		std::string key(k.str());
		if (skip.count(key))
			continue;
		const Setting *s = findSetting(fields, count, key);
		if (!s)
			return unexpected(fail(origin, k.source(), prefix + key, "unknown key"));
		auto v = settingValue(node, *s);
		if (!v)
			return unexpected(
				fail(origin, node.source(), prefix + key, v.error().message));
		out[key] = std::move(*v);
	}
	return out;
}

// Records `[...KEY."NAME"]` of one declared table from \a t into \a out.
Result<void> readRecords(const toml::table &t, const SettingTable &decl, const std::string &prefix,
			 std::string_view origin, ConfigView::Records &out)
{
	for (const auto &[k, node] : t) {
		std::string name(k.str());
		std::string shown = prefix + "\"" + name + "\"";
		const toml::table *rec = node.as_table();
		if (!rec)
			return unexpected(fail(origin, node.source(), shown, "expected a table"));
		out[name] =
			TB_TRY(readKeys(*rec, decl.fields, decl.fieldCount, shown + ".", origin));
	}
	return {};
}

// A section of a plugin that declares nothing: scalars and string arrays, as before.
Result<ConfigView> undeclaredView(const toml::table &t, const std::string &prefix,
				  std::string_view origin)
{
	ConfigValues values;
	for (const auto &[k, node] : t) {
		std::string key(k.str());
		if (auto b = node.as_boolean())
			values[key] = b->get();
		else if (auto i = node.as_integer())
			values[key] = i->get();
		else if (auto f = node.as_floating_point())
			values[key] = f->get();
		else if (auto s = node.as_string())
			values[key] = s->get();
		else if (auto a = node.as_array()) {
			std::vector<std::string> list;
			for (const auto &item : *a) {
				if (!item.is_string())
					return unexpected(fail(
						origin, item.source(), prefix + key,
						"arrays in plugin sections hold strings only"));
				list.push_back(*item.value<std::string>());
			}
			values[key] = std::move(list);
		} else
			return unexpected(fail(origin, node.source(), prefix + key,
					       "this plugin declares no tables or dates"));
	}
	return ConfigView(std::move(values));
}

} // namespace

const std::vector<std::string> &reservedAliasTables()
{
	static const std::vector<std::string> names = [] {
		std::vector<std::string> out;
		for (const auto &s : config::sections())
			if (s.kind == config::SectionKind::Reserved)
				out.push_back(s.name);
		return out;
	}();
	return names;
}

Result<ConfigView> declaredView(const toml::table &root, std::string_view origin, const Declared &d)
{
	std::string prefix = "plugins.\"" + d.uri + "\".";
	const toml::table *section = nullptr;
	if (const toml::table *plugins = root["plugins"].as_table())
		section = (*plugins)[d.uri].as_table();
	static const toml::table kEmpty;
	if (!d.declares)
		return undeclaredView(section ? *section : kEmpty, prefix, origin);

	std::set<std::string> tableKeys;
	for (const auto &t : d.tables)
		tableKeys.insert(t.key);
	const toml::table &s = section ? *section : kEmpty;
	ConfigValues values =
		TB_TRY(readKeys(s, d.settings.data(), static_cast<uint32_t>(d.settings.size()),
				prefix, origin, tableKeys));
	std::map<std::string, ConfigView::Records> tables;
	for (const auto &t : d.tables) {
		ConfigView::Records &records = tables[t.key];
		const toml::node *own = s.get(t.key);
		if (own && !own->is_table())
			return unexpected(fail(origin, own->source(), prefix + t.key,
					       "expected a table of records"));
		if (own)
			TB_TRY(readRecords(*own->as_table(), t, prefix + t.key + ".", origin,
					   records));
		if (!t.topLevelAlias)
			continue;
		const toml::node *alias = root.get(t.topLevelAlias);
		if (!alias)
			continue;
		if (!alias->is_table())
			return unexpected(fail(origin, alias->source(), t.topLevelAlias,
					       "expected a table of records"));
		if (own && !own->as_table()->empty() && !alias->as_table()->empty())
			return unexpected(
				fail(origin, alias->source(), t.topLevelAlias,
				     "also set as [" + prefix + t.key + "]; use one spelling"));
		TB_TRY(readRecords(*alias->as_table(), t, std::string(t.topLevelAlias) + ".",
				   origin, records));
	}
	return ConfigView(std::move(values), std::move(tables));
}

std::vector<std::string> unclaimedTableWarnings(const toml::table &root, std::string_view origin,
						const std::vector<Declared> &declared)
{
	std::vector<std::string> out;
	for (const auto &name : reservedAliasTables()) {
		const toml::table *t = root[name].as_table();
		if (!t || t->empty())
			continue;
		bool claimed = false;
		for (const auto &d : declared)
			for (const auto &tab : d.tables)
				claimed =
					claimed || (tab.topLevelAlias && name == tab.topLevelAlias);
		if (!claimed)
			out.push_back(tomlWhere(origin, t->source()) + ": [" + name +
				      "] is read by a plugin that declares it (the registry "
				      "transport); none is installed, so these settings have no "
				      "effect");
	}
	return out;
}

std::string declaredSectionToml(const Declared &d)
{
	std::string out = "\n[plugins.\"" + d.uri + "\"]\n";
	for (const auto &s : d.settings) {
		out += "# " + std::string(s.doc) + "\n";
		out += std::string(s.key) + " = " + s.defaultValue + "\n";
	}
	for (const auto &t : d.tables) {
		std::string alias = t.topLevelAlias ? std::string(t.topLevelAlias)
						    : "plugins.\"" + d.uri + "\"." + t.key;
		out += "# " + std::string(t.doc) + ":\n# [" + alias + ".\"NAME\"]\n";
		for (uint32_t f = 0; f < t.fieldCount; ++f)
			out += "# " + std::string(t.fields[f].key) + " = " +
			       t.fields[f].defaultValue + "    # " + t.fields[f].doc + "\n";
	}
	return out;
}

} // namespace tb
