// SPDX-License-Identifier: Apache-2.0
// Reading and checking what a plugin declares about its configuration (<tb/settings.h>).
#include "internal/plugin_settings.h"

#include <cstring>
#include <set>

#include "internal/plugin_loader.h"
#include "internal/setting_values.h"

namespace tb {

namespace {

bool validKey(const char *k)
{
	if (!k || !*k || std::strlen(k) > 63)
		return false;
	for (const char *p = k; *p; ++p)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

Result<void> checkSetting(const Setting &s, const std::string &where)
{
	if (!validKey(s.key))
		return err(Errc::Corrupt, where + ": invalid key name (expected [a-z0-9_]+)");
	std::string at = where + " key '" + s.key + "'";
	if (s.type < SettingType::Bool || s.type > SettingType::StringList)
		return err(Errc::Corrupt,
			   at + ": unknown type " + std::to_string(static_cast<uint32_t>(s.type)));
	if (!s.doc)
		return err(Errc::Corrupt, at + ": no doc line");
	if (s.choices && s.type != SettingType::String)
		return err(Errc::Corrupt, at + ": choices on a key that is not a string");
	if (!s.defaultValue)
		return err(Errc::Corrupt, at + ": no default value");
	auto v = parseSettingLiteral(s);
	if (!v)
		return err(Errc::Corrupt,
			   at + ": default " + s.defaultValue + ": " + v.error().message);
	return {};
}

} // namespace

Result<Declared> readDeclaration(const PluginDescriptor &desc, const std::string &uri,
				 const std::string &path, std::shared_ptr<Library> lib)
{
	Declared d;
	d.uri = uri;
	d.path = path;
	d.lib = std::move(lib);
	const PluginSettings *ps = desc.settings;
	if (!ps)
		return d;
	d.declares = true;
	std::string where = "settings of " + uri;
	if (ps->layout != TB_SETTINGS_LAYOUT)
		return err(Errc::Corrupt, where + ": layout " + std::to_string(ps->layout) +
						  ", this tb reads " +
						  std::to_string(TB_SETTINGS_LAYOUT));
	if ((ps->settingCount && !ps->settings) || (ps->tableCount && !ps->tables) ||
	    ps->settingCount > 1024 || ps->tableCount > 64)
		return err(Errc::Corrupt, where + ": malformed declaration");
	std::set<std::string> keys;
	for (uint32_t i = 0; i < ps->settingCount; ++i) {
		TB_TRY(checkSetting(ps->settings[i], where));
		if (!keys.insert(ps->settings[i].key).second)
			return err(Errc::Corrupt, where + ": key '" +
							  std::string(ps->settings[i].key) +
							  "' declared twice");
		d.settings.push_back(ps->settings[i]);
	}
	for (uint32_t i = 0; i < ps->tableCount; ++i) {
		const SettingTable &t = ps->tables[i];
		if (!validKey(t.key) || !t.doc || (t.fieldCount && !t.fields) ||
		    t.fieldCount > 1024 || (t.topLevelAlias && !validKey(t.topLevelAlias)))
			return err(Errc::Corrupt, where + ": malformed table declaration");
		if (!keys.insert(t.key).second)
			return err(Errc::Corrupt,
				   where + ": key '" + std::string(t.key) + "' declared twice");
		std::set<std::string> fields;
		for (uint32_t f = 0; f < t.fieldCount; ++f) {
			TB_TRY(checkSetting(t.fields[f], where + " table '" + t.key + "'"));
			if (!fields.insert(t.fields[f].key).second)
				return err(Errc::Corrupt, where + ": table '" + t.key +
								  "' declares '" + t.fields[f].key +
								  "' twice");
		}
		d.tables.push_back(t);
	}
	return d;
}

} // namespace tb
