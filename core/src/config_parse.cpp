// SPDX-License-Identifier: Apache-2.0
// nvbind.toml -> tb::Config: every key typed, defaulted and checked, errors naming file and key.
#include "internal/config.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>

#include <toml++/toml.h>

#include "internal/config_guard.h"
#include "internal/config_keys.h"
#include "internal/config_values.h"
#include "internal/plugin_config.h"
#include "internal/setting_values.h"

namespace tb {

namespace {

// Reads the keys of one table into typed fields, collecting the first error.
class SectionReader {
public:
	SectionReader(const toml::table &table, std::string prefix, std::string_view origin,
		      std::optional<Error> &error)
	    : table_(table), prefix_(std::move(prefix)), origin_(origin), error_(error)
	{
	}

	/// A bool, integer or string key, type and choices checked as a plugin's declared
	/// setting is, then the key's own bound or grammar.
	template<typename Rec, typename T>
	void scalar(const config::Key<Rec> &k, T &out)
	{
		const toml::node *n = take(k.key);
		if (!n)
			return;
		Setting s{k.key, *config::settingType(k), "", k.doc, k.choices};
		auto v = settingValue(*n, s);
		if (!v)
			return fail(*n, k.key, v.error().message);
		T value = std::get<T>(std::move(*v));
		if constexpr (std::is_same_v<T, int64_t>) {
			if (value < k.min)
				return fail(*n, k.key, "must be at least " + std::to_string(k.min));
		} else if constexpr (std::is_same_v<T, std::string>) {
			if (k.check)
				if (auto why = k.check(value))
					return fail(*n, k.key, *why);
		}
		out = std::move(value);
	}

	void strList(const char *key, std::vector<std::string> &out, config::Check check = nullptr)
	{
		const toml::node *n = take(key);
		if (!n)
			return;
		const toml::array *arr = n->as_array();
		if (!arr)
			return fail(*n, key, "expected an array of strings");
		std::vector<std::string> v;
		for (const auto &item : *arr) {
			if (!item.is_string())
				return fail(item, key, "expected an array of strings");
			v.push_back(*item.value<std::string>());
			if (check)
				if (auto why = check(v.back()))
					return fail(item, key, *why);
		}
		out = std::move(v);
	}

	void strMap(const char *key, std::map<std::string, std::string> &out)
	{
		const toml::node *n = take(key);
		if (!n)
			return;
		const toml::table *t = n->as_table();
		if (!t)
			return fail(*n, key, "expected a table of strings");
		std::map<std::string, std::string> v;
		for (const auto &[k, item] : *t) {
			if (!item.is_string())
				return fail(item, std::string(key) + "." + std::string(k.str()),
					    "expected a string");
			v[std::string(k.str())] = *item.value<std::string>();
		}
		out = std::move(v);
	}

	/// A sub-table (e.g. [bolt.capsule]); nullptr when absent.
	const toml::table *table(const std::string &key)
	{
		const toml::node *n = take(key);
		if (!n)
			return nullptr;
		if (!n->is_table()) {
			fail(*n, key, "expected a table");
			return nullptr;
		}
		return n->as_table();
	}

	/// Every key not consumed is an error: typos must not pass silently.
	void finish()
	{
		for (const auto &[k, node] : table_)
			if (!seen_.count(std::string(k.str())))
				failAt(k.source(), std::string(k.str()), "unknown key");
	}

	void fail(const toml::node &node, const std::string &key, const std::string &what)
	{
		failAt(node.source(), key, what);
	}

	void failAt(const toml::source_region &src, const std::string &key, const std::string &what)
	{
		if (error_)
			return;
		error_ = Error{Errc::InvalidArgument,
			       tomlWhere(origin_, src) + ": key '" + prefix_ + key + "': " + what};
	}

	/// Mark \a key as known and return its node (nullptr when absent).
	const toml::node *take(const std::string &key)
	{
		seen_.insert(key);
		return table_.get(key);
	}

private:
	const toml::table &table_;
	std::string prefix_;
	std::string_view origin_;
	std::optional<Error> &error_;
	std::set<std::string> seen_;
};

// The keys of \a rec declared for \a section.
template<typename Rec>
void readKeys(SectionReader &r, std::span<const config::Key<Rec>> keys, std::string_view section,
	      Rec &rec)
{
	for (const auto &k : keys) {
		if (section != k.section)
			continue;
		std::visit(
			[&](auto get) {
				auto &field = get(rec);
				using T = std::decay_t<decltype(field)>;
				if constexpr (std::is_same_v<T, std::vector<std::string>>)
					r.strList(k.key, field, k.check);
				else if constexpr (std::is_same_v<T, config::StringMap>)
					r.strMap(k.key, field);
				else
					r.scalar(k, field);
			},
			k.field);
	}
}

// One value of a plugin section: a scalar or an array of strings.
// \a shown names the key in messages; \a key is where the value is stored.
bool pluginValue(SectionReader &parent, const std::string &shown, const std::string &key,
		 const toml::node &node, ConfigValues &values)
{
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
			if (!item.is_string()) {
				parent.fail(item, shown,
					    "arrays in plugin sections hold strings only");
				return false;
			}
			list.push_back(*item.value<std::string>());
		}
		values[key] = std::move(list);
	} else {
		parent.fail(node, shown,
			    node.is_table() ? "nested tables are not allowed here"
					    : "dates and times are not allowed in plugin sections");
		return false;
	}
	return true;
}

// Records `NAME = { key = value }` of a table: one level, values as in a plugin section.
void readRecords(SectionReader &parent, const std::string &shown, const toml::table &t,
		 ConfigView::Records &out)
{
	for (const auto &[k, node] : t) {
		std::string name = shown + ".\"" + std::string(k.str()) + "\"";
		const toml::table *rec = node.as_table();
		if (!rec)
			return parent.fail(node, name, "expected a table");
		ConfigValues &values = out[std::string(k.str())];
		for (const auto &[rk, rnode] : *rec)
			if (!pluginValue(parent, name + "." + std::string(rk.str()),
					 std::string(rk.str()), rnode, values))
				return;
	}
}

// A plugin section holds scalars, string arrays and tables of records; the plugin's
// declaration (checked when the plugin is loaded) says which keys and types are right.
void readPluginSection(SectionReader &parent, const std::string &uri, const toml::table &t,
		       std::map<std::string, ConfigView> &out)
{
	ConfigValues values;
	std::map<std::string, ConfigView::Records> tables;
	std::string shown = "\"" + uri + "\".";
	for (const auto &[k, node] : t) {
		std::string key(k.str());
		if (const toml::table *records = node.as_table())
			readRecords(parent, shown + key, *records, tables[key]);
		else if (!pluginValue(parent, shown + key, key, node, values))
			return;
	}
	out[uri] = ConfigView(std::move(values), std::move(tables));
}

} // namespace

Result<Config> parseConfig(std::string_view text, std::string_view origin)
{
	toml::table root;
	TB_TRY(checkConfigShape(text, origin)); // before toml++ can recurse on hostile input
	try {
		root = toml::parse(text, std::string(origin));
	} catch (const toml::parse_error &e) {
		const auto &b = e.source().begin;
		return err(Errc::InvalidArgument,
			   std::string(origin) + ":" + std::to_string(b.line) + ":" +
				   std::to_string(b.column) + ": " + std::string(e.description()));
	}

	Config c;
	std::optional<Error> error;
	SectionReader top(root, "", origin, error);
	// One reader per table of core keys ("bolt" too, for "bolt.capsule"), each finished
	// (its unknown keys reported) once no later section is inside it.
	std::map<std::string, std::unique_ptr<SectionReader>> readers;
	std::set<std::string> finished;
	std::function<SectionReader *(const std::string &)> open =
		[&](const std::string &path) -> SectionReader * {
		if (path.empty())
			return &top;
		if (auto it = readers.find(path); it != readers.end())
			return it->second.get();
		auto dot = path.rfind('.');
		SectionReader *parent =
			open(dot == std::string::npos ? std::string() : path.substr(0, dot));
		const toml::table *t =
			parent ? parent->table(path.substr(dot == std::string::npos ? 0 : dot + 1))
			       : nullptr;
		auto &slot = readers[path];
		if (t)
			slot = std::make_unique<SectionReader>(*t, path + ".", origin, error);
		return slot.get();
	};
	auto sections = config::sections();
	auto finishDone = [&](size_t i) {
		for (std::string path = sections[i].name; !path.empty();) {
			bool later = false;
			for (size_t j = i + 1; j < sections.size(); ++j) {
				std::string_view n = sections[j].name;
				later = later || (n.size() > path.size() && n[path.size()] == '.' &&
						  n.substr(0, path.size()) == path);
			}
			if (later)
				break;
			if (SectionReader *r = open(path); r && finished.insert(path).second)
				r->finish();
			auto dot = path.rfind('.');
			path = dot == std::string::npos ? "" : path.substr(0, dot);
		}
	};

	// [registries."HOST"], [profiles.NAME], [plugins."KIND.NAME"]: tables of tables.
	auto tables = [&](const char *name, bool quote, auto &&fn) {
		if (const toml::table *t = top.table(name)) {
			SectionReader r(*t, std::string(name) + ".", origin, error);
			for (const auto &[k, node] : *t) {
				std::string key(k.str());
				std::string shown = quote ? "\"" + key + "\"" : key;
				r.take(key);
				if (!node.is_table())
					r.fail(node, shown, "expected a table");
				else
					fn(r, key, shown, *node.as_table());
			}
			r.finish();
		}
	};
	for (size_t i = 0; i < sections.size(); ++i) {
		const config::Section &s = sections[i];
		switch (s.kind) {
		case config::SectionKind::Keys:
			if (SectionReader *r = open(s.name))
				readKeys(*r, config::coreKeys(), s.name, c);
			if (!*s.name && !error && c.version != 1)
				top.fail(*root.get("version"), "version",
					 "unsupported config version (this tb reads 1)");
			finishDone(i);
			break;
		case config::SectionKind::Reserved:
			// Reserved top-level tables belong to the plugin that declares them; here
			// they are only records of scalars (docs/plugin-abi.md, "Configuration").
			tables(s.name, true,
			       [&](SectionReader &r, const std::string &key,
				   const std::string &shown, const toml::table &t) {
				       ConfigValues &values = c.pluginTables[s.name][key];
				       for (const auto &[rk, rnode] : t)
					       if (!pluginValue(
							   r, shown + "." + std::string(rk.str()),
							   std::string(rk.str()), rnode, values))
						       return;
			       });
			break;
		case config::SectionKind::Profiles:
			tables(s.name, false,
			       [&](SectionReader &, const std::string &name,
				   const std::string &shown, const toml::table &t) {
				       SectionReader p(t, "profiles." + shown + ".", origin, error);
				       readKeys(p, config::profileKeys(), "", c.profiles[name]);
				       p.finish();
			       });
			break;
		case config::SectionKind::Plugins:
			tables(s.name, true,
			       [&](SectionReader &r, const std::string &uri,
				   const std::string &shown, const toml::table &t) {
				       if (!config::validPluginUri(uri))
					       return r.fail(
						       t, shown,
						       "not a plugin name (expected kind.name with "
						       "kind " +
							       config::kindNameList() + ")");
				       readPluginSection(r, uri, t, c.plugins);
			       });
			break;
		}
	}
	top.finish();

	if (error)
		return unexpected(std::move(*error));
	return c;
}

} // namespace tb
