// SPDX-License-Identifier: Apache-2.0
// nvbind.toml -> tb::Config: every key typed, defaulted and checked, errors naming file and key.
#include "internal/config.h"

#include <initializer_list>
#include <optional>
#include <set>
#include <string>

#include <toml++/toml.h>

#include "internal/config_guard.h"
#include "internal/config_values.h"

namespace tb {

namespace {

std::string where(std::string_view origin, const toml::source_region &src)
{
	std::string out(origin);
	if (src.begin.line > 0)
		out += ":" + std::to_string(src.begin.line) + ":" +
		       std::to_string(src.begin.column);
	return out;
}

// Reads the keys of one table into typed fields, collecting the first error.
class SectionReader {
public:
	SectionReader(const toml::table &table, std::string prefix, std::string_view origin,
		      std::optional<Error> &error)
	    : table_(table), prefix_(std::move(prefix)), origin_(origin), error_(error)
	{
	}

	void str(const char *key, std::string &out,
		 std::initializer_list<std::string_view> allowed = {})
	{
		const toml::node *n = take(key);
		if (!n)
			return;
		auto v = n->value<std::string>();
		if (!v || !n->is_string())
			return fail(*n, key, "expected a string");
		if (allowed.size()) {
			bool ok = false;
			std::string list;
			for (auto a : allowed) {
				ok = ok || a == *v;
				list += (list.empty() ? "" : ", ") +
					(a.empty() ? std::string("\"\"") : std::string(a));
			}
			if (!ok)
				return fail(*n, key,
					    "invalid value '" + *v + "' (expected one of: " + list +
						    ")");
		}
		out = *v;
	}

	void str(const char *key, std::string &out, config::Check check)
	{
		const toml::node *n = take(key);
		if (!n)
			return;
		if (!n->is_string())
			return fail(*n, key, "expected a string");
		std::string v = *n->value<std::string>();
		if (auto why = check(v))
			return fail(*n, key, *why);
		out = std::move(v);
	}

	void boolean(const char *key, bool &out)
	{
		const toml::node *n = take(key);
		if (!n)
			return;
		if (!n->is_boolean())
			return fail(*n, key, "expected true or false");
		out = *n->value<bool>();
	}

	void integer(const char *key, int64_t &out, int64_t min)
	{
		const toml::node *n = take(key);
		if (!n)
			return;
		if (!n->is_integer())
			return fail(*n, key, "expected an integer");
		int64_t v = *n->value<int64_t>();
		if (v < min)
			return fail(*n, key, "must be at least " + std::to_string(min));
		out = v;
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
	const toml::table *table(const char *key)
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
			       where(origin_, src) + ": key '" + prefix_ + key + "': " + what};
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

void readCore(SectionReader &r, CoreSection &c)
{
	r.strList("plugin_path", c.pluginPath);
	r.boolean("system_plugins", c.systemPlugins);
	r.strList("required_plugins", c.requiredPlugins, config::checkPluginUri);
	r.strList("disabled_plugins", c.disabledPlugins, config::checkPluginUri);
	r.strList("trusted_plugin_paths", c.trustedPluginPaths);
	r.str("log_levels", c.logLevels, config::checkLogLevels);
}

void readProfile(SectionReader &r, Profile &p)
{
	r.str("description", p.description);
	r.str("extends", p.extends, {"", "gaming", "aiml"});
	r.str("gpus", p.gpus, config::checkProfileGpus);
	r.strMap("environment", p.environment);
	r.strList("runtime_args", p.runtimeArgs);
	r.strList("security_opts", p.securityOpts);
	r.strList("additional_devices", p.additionalDevices);
	r.str("cache_image", p.cacheImage);
}

void readBolt(SectionReader &r, BoltSection &b, std::string_view origin,
	      std::optional<Error> &error)
{
	if (const toml::table *t = r.table("capsule")) {
		SectionReader s(*t, "bolt.capsule.", origin, error);
		s.boolean("snapshot_gpu_state", b.capsule.snapshotGpuState);
		s.str("isolation_level", b.capsule.isolationLevel,
		      {"shared", "exclusive", "virtual"});
		s.boolean("quic_acceleration", b.capsule.quicAcceleration);
		s.str("gpu_memory_limit", b.capsule.gpuMemoryLimit, config::checkSizeOrNone);
		s.finish();
	}
	if (const toml::table *t = r.table("gaming")) {
		SectionReader s(*t, "bolt.gaming.", origin, error);
		s.boolean("dlss_enabled", b.gaming.dlssEnabled);
		s.boolean("rt_cores_enabled", b.gaming.rtCoresEnabled);
		s.str("performance_profile", b.gaming.performanceProfile,
		      {"performance", "balanced", "efficiency", "ultra-low-latency"});
		s.boolean("wine_optimizations", b.gaming.wineOptimizations);
		s.boolean("vrs_enabled", b.gaming.vrsEnabled);
		s.str("power_profile", b.gaming.powerProfile,
		      {"maximum", "balanced", "power-saver"});
		s.finish();
	}
	if (const toml::table *t = r.table("aiml")) {
		SectionReader s(*t, "bolt.aiml.", origin, error);
		s.integer("cuda_cache_size", b.aiml.cudaCacheSize, 0);
		s.boolean("tensor_cores_enabled", b.aiml.tensorCoresEnabled);
		s.boolean("mixed_precision", b.aiml.mixedPrecision);
		s.str("memory_pool_size", b.aiml.memoryPoolSize, config::checkSize);
		s.boolean("mig_enabled", b.aiml.migEnabled);
		s.finish();
	}
}

// A plugin section holds scalars and string arrays only; the plugin checks the keys.
void readPluginSection(SectionReader &parent, const std::string &uri, const toml::table &t,
		       std::map<std::string, ConfigView> &out)
{
	std::map<std::string, ConfigValue> values;
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
					return parent.fail(
						item, "\"" + uri + "\"." + key,
						"arrays in plugin sections hold strings only");
				list.push_back(*item.value<std::string>());
			}
			values[key] = std::move(list);
		} else if (node.is_table())
			return parent.fail(node, "\"" + uri + "\"." + key,
					   "nested tables are not allowed in plugin sections");
		else
			return parent.fail(node, "\"" + uri + "\"." + key,
					   "dates and times are not allowed in plugin sections");
	}
	out[uri] = ConfigView(std::move(values));
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
	top.integer("version", c.version, 1);
	if (!error && c.version != 1)
		top.fail(*root.get("version"), "version",
			 "unsupported config version (this tb reads 1)");

	auto section = [&](const char *name, auto &&fn) {
		if (const toml::table *t = top.table(name)) {
			SectionReader r(*t, std::string(name) + ".", origin, error);
			fn(r);
			r.finish();
		}
	};
	section("core", [&](SectionReader &r) { readCore(r, c.core); });
	section("host", [&](SectionReader &r) { r.str("root", c.host.root); });
	section("gpu", [&](SectionReader &r) {
		r.str("default_selection", c.gpu.defaultSelection, config::checkGpuSelection);
		r.strList("additional_devices", c.gpu.additionalDevices);
		r.strList("additional_libraries", c.gpu.additionalLibraries);
		r.boolean("enable_isolation", c.gpu.enableIsolation);
	});
	section("runtime", [&](SectionReader &r) {
		r.str("default_runtime", c.runtime.defaultRuntime, config::checkRuntimeName);
		r.strList("default_args", c.runtime.defaultArgs);
		r.strMap("environment", c.runtime.environment);
		r.str("oci_runtime", c.runtime.ociRuntime);
	});
	section("security", [&](SectionReader &r) {
		r.strList("security_opts", c.security.securityOpts);
		r.boolean("allow_rootless", c.security.allowRootless);
		r.boolean("restrict_devices", c.security.restrictDevices);
	});
	section("store", [&](SectionReader &r) { r.str("path", c.store.path); });
	section("extract", [&](SectionReader &r) {
		r.integer("max_total_bytes", c.extract.maxTotalBytes, 1);
		r.integer("max_entries", c.extract.maxEntries, 1);
		r.integer("max_path_length", c.extract.maxPathLength, 16);
		r.integer("max_ratio", c.extract.maxRatio, 1);
		r.integer("max_manifest_bytes", c.extract.maxManifestBytes, 1024);
	});
	section("create", [&](SectionReader &r) {
		r.str("default_format", c.create.defaultFormat, {"compat", "plain"});
		r.str("default_compression", c.create.defaultCompression, {"gzip", "zstd", "none"});
	});
	section("cdi", [&](SectionReader &r) { r.strList("spec_dirs", c.cdi.specDirs); });
	// [registries."HOST"], [profiles.NAME], [plugins."KIND.NAME"]: tables of tables.
	auto tables = [&](const char *name, bool quote, auto &&fn) {
		section(name, [&](SectionReader &r) {
			for (const auto &[k, node] : *root[name].as_table()) {
				std::string key(k.str());
				std::string shown = quote ? "\"" + key + "\"" : key;
				r.take(key);
				if (!node.is_table())
					r.fail(node, shown, "expected a table");
				else
					fn(r, key, shown, *node.as_table());
			}
		});
	};
	tables("registries", true,
	       [&](SectionReader &, const std::string &host, const std::string &shown,
		   const toml::table &t) {
		       SectionReader s(t, "registries." + shown + ".", origin, error);
		       RegistryEntry &e = c.registries[host];
		       s.boolean("insecure", e.insecure);
		       s.str("ca", e.ca);
		       s.finish();
	       });
	section("bolt", [&](SectionReader &r) { readBolt(r, c.bolt, origin, error); });
	tables("profiles", false,
	       [&](SectionReader &, const std::string &name, const std::string &shown,
		   const toml::table &t) {
		       SectionReader s(t, "profiles." + shown + ".", origin, error);
		       readProfile(s, c.profiles[name]);
		       s.finish();
	       });
	tables("plugins", true,
	       [&](SectionReader &r, const std::string &uri, const std::string &shown,
		   const toml::table &t) {
		       if (!config::validPluginUri(uri))
			       return r.fail(t, shown,
					     "not a plugin name (expected kind.name with kind "
					     "transport, cache, probe or "
					     "runtime)");
		       readPluginSection(r, uri, t, c.plugins);
	       });
	top.finish();

	if (error)
		return unexpected(std::move(*error));
	return c;
}

} // namespace tb
