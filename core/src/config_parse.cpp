// SPDX-License-Identifier: Apache-2.0
// nvbind.toml -> tb::Config: every key typed, defaulted and checked, errors naming file and key.
#include "internal/config.h"

#include <initializer_list>
#include <optional>
#include <set>
#include <string>

#include <toml++/toml.h>

namespace tb {

namespace {

std::string where(std::string_view origin, const toml::source_region &src)
{
	std::string out(origin);
	if (src.begin.line > 0)
		out += ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
	return out;
}

// Reads the keys of one table into typed fields, collecting the first error.
class SectionReader {
public:
	SectionReader(const toml::table &table, std::string prefix, std::string_view origin, std::optional<Error> &error)
		: table_(table), prefix_(std::move(prefix)), origin_(origin), error_(error)
	{
	}

	void str(const char *key, std::string &out, std::initializer_list<std::string_view> allowed = {})
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
				list += (list.empty() ? "" : ", ") + std::string(a);
			}
			if (!ok)
				return fail(*n, key, "invalid value '" + *v + "' (expected one of: " + list + ")");
		}
		out = *v;
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

	void strList(const char *key, std::vector<std::string> &out)
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
				return fail(item, std::string(key) + "." + std::string(k.str()), "expected a string");
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

	const std::string &prefix() const { return prefix_; }

private:
	const toml::node *take(const char *key)
	{
		seen_.insert(key);
		return table_.get(key);
	}

	const toml::table &table_;
	std::string prefix_;
	std::string_view origin_;
	std::optional<Error> &error_;
	std::set<std::string> seen_;
};

const toml::table kEmpty;

void readCore(SectionReader &r, CoreSection &c)
{
	r.strList("plugin_path", c.pluginPath);
	r.boolean("system_plugins", c.systemPlugins);
	r.strList("required_plugins", c.requiredPlugins);
	r.strList("disabled_plugins", c.disabledPlugins);
	r.str("log_levels", c.logLevels);
}

void readProfile(SectionReader &r, Profile &p)
{
	r.str("description", p.description);
	r.str("extends", p.extends, {"", "gaming", "aiml"});
	r.str("gpus", p.gpus);
	r.strMap("environment", p.environment);
	r.strList("runtime_args", p.runtimeArgs);
	r.strList("security_opts", p.securityOpts);
	r.strList("additional_devices", p.additionalDevices);
	r.str("cache_image", p.cacheImage);
}

void readBolt(SectionReader &r, BoltSection &b, std::string_view origin, std::optional<Error> &error)
{
	if (const toml::table *t = r.table("capsule")) {
		SectionReader s(*t, "bolt.capsule.", origin, error);
		s.boolean("snapshot_gpu_state", b.capsule.snapshotGpuState);
		s.str("isolation_level", b.capsule.isolationLevel, {"shared", "exclusive", "virtual"});
		s.boolean("quic_acceleration", b.capsule.quicAcceleration);
		s.str("gpu_memory_limit", b.capsule.gpuMemoryLimit);
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
		s.str("power_profile", b.gaming.powerProfile, {"maximum", "balanced", "power-saver"});
		s.finish();
	}
	if (const toml::table *t = r.table("aiml")) {
		SectionReader s(*t, "bolt.aiml.", origin, error);
		s.integer("cuda_cache_size", b.aiml.cudaCacheSize, 0);
		s.boolean("tensor_cores_enabled", b.aiml.tensorCoresEnabled);
		s.boolean("mixed_precision", b.aiml.mixedPrecision);
		s.str("memory_pool_size", b.aiml.memoryPoolSize);
		s.boolean("mig_enabled", b.aiml.migEnabled);
		s.finish();
	}
}

bool validPluginUri(std::string_view uri)
{
	auto dot = uri.find('.');
	if (dot == std::string_view::npos)
		return false;
	auto kind = uri.substr(0, dot);
	auto name = uri.substr(dot + 1);
	if (kind != "transport" && kind != "cache" && kind != "probe" && kind != "runtime")
		return false;
	if (name.empty() || name.size() > 63)
		return false;
	for (char c : name)
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	return true;
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
					return parent.fail(item, "\"" + uri + "\"." + key,
							   "arrays in plugin sections hold strings only");
				list.push_back(*item.value<std::string>());
			}
			values[key] = std::move(list);
		} else
			return parent.fail(node, "\"" + uri + "\"." + key,
					   "nested tables are not allowed in plugin sections");
	}
	out[uri] = ConfigView(std::move(values));
}

} // namespace

Result<Config> parseConfig(std::string_view text, std::string_view origin)
{
	toml::table root;
	try {
		root = toml::parse(text, std::string(origin));
	} catch (const toml::parse_error &e) {
		const auto &b = e.source().begin;
		return err(Errc::InvalidArgument, std::string(origin) + ":" + std::to_string(b.line) + ":" +
							  std::to_string(b.column) + ": " + std::string(e.description()));
	}

	Config c;
	std::optional<Error> error;
	SectionReader top(root, "", origin, error);
	top.integer("version", c.version, 1);
	if (!error && c.version != 1)
		top.fail(*root.get("version"), "version", "unsupported config version (this tb reads 1)");

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
		r.str("default_selection", c.gpu.defaultSelection);
		r.strList("additional_devices", c.gpu.additionalDevices);
		r.strList("additional_libraries", c.gpu.additionalLibraries);
		r.boolean("enable_isolation", c.gpu.enableIsolation);
	});
	section("runtime", [&](SectionReader &r) {
		r.str("default_runtime", c.runtime.defaultRuntime);
		r.strList("default_args", c.runtime.defaultArgs);
		r.strMap("environment", c.runtime.environment);
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
	section("registries", [&](SectionReader &r) {
		for (const auto &[k, node] : *root["registries"].as_table()) {
			std::string host(k.str());
			if (const toml::table *t = r.table(host.c_str())) {
				SectionReader s(*t, "registries.\"" + host + "\".", origin, error);
				RegistryEntry &e = c.registries[host];
				s.boolean("insecure", e.insecure);
				s.str("ca", e.ca);
				s.finish();
			}
			(void)node;
		}
	});
	section("bolt", [&](SectionReader &r) { readBolt(r, c.bolt, origin, error); });
	section("profiles", [&](SectionReader &r) {
		for (const auto &[k, node] : *root["profiles"].as_table()) {
			std::string name(k.str());
			if (const toml::table *t = r.table(name.c_str())) {
				SectionReader s(*t, "profiles." + name + ".", origin, error);
				readProfile(s, c.profiles[name]);
				s.finish();
			}
			(void)node;
		}
	});
	section("plugins", [&](SectionReader &r) {
		for (const auto &[k, node] : *root["plugins"].as_table()) {
			std::string uri(k.str());
			if (!validPluginUri(uri)) {
				r.fail(node, "\"" + uri + "\"",
				       "not a plugin name (expected kind.name with kind transport, cache, probe or "
				       "runtime)");
				continue;
			}
			if (const toml::table *t = r.table(uri.c_str()))
				readPluginSection(r, uri, *t, c.plugins);
		}
	});
	top.finish();

	if (error)
		return unexpected(std::move(*error));
	return c;
}

} // namespace tb
