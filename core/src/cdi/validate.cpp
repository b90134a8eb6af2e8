// SPDX-License-Identifier: Apache-2.0
// `tb cdi validate`: the CDI library's strict decoding and load-time checks, every problem
// reported with its JSON path instead of stopping at the first.
#include "cdi_internal.h"

#include <set>

#include <boost/json.hpp>

#include "tbsupport/host_fs.h"

namespace tb {

namespace cdi {

namespace {

namespace json = boost::json;

enum class T { Str, Int, Uint32, Bool, StrList, StrMap, Obj, Arr };

struct Field {
	const char *name;
	T type;
	bool required = false;
};

class Checker {
public:
	std::vector<CdiProblem> problems;
	std::string need = "0.3.0"; // the minimum version the fields seen so far need

	void add(const std::string &path, std::string message)
	{
		problems.push_back({path, std::move(message)});
	}

	void needs(const char *version)
	{
		if (compareVersions(version, need) > 0)
			need = version;
	}

	// Type checks; \return the object when \a v is one with only known fields
	const json::object *object(const json::value &v, const std::string &path,
				   std::initializer_list<Field> fields)
	{
		const json::object *o = v.if_object();
		if (!o) {
			add(path, "expected an object");
			return nullptr;
		}
		for (const auto &kv : *o) {
			const Field *f = nullptr;
			for (const auto &c : fields)
				if (kv.key() == c.name)
					f = &c;
			std::string p = path + "." + std::string(kv.key());
			if (!f)
				add(p, "unknown field");
			else
				type(kv.value(), p, f->type);
		}
		for (const auto &c : fields)
			if (c.required && !o->contains(c.name))
				add(path + "." + c.name, "required field missing");
		return o;
	}

	void type(const json::value &v, const std::string &p, T t)
	{
		switch (t) {
		case T::Str:
			if (!v.is_string())
				add(p, "expected a string");
			break;
		case T::Int:
			if (!v.is_int64() && !v.is_uint64())
				add(p, "expected an integer");
			break;
		case T::Uint32:
			if (!(v.is_int64() && v.get_int64() >= 0 &&
			      v.get_int64() <= 0xffffffffLL) &&
			    !(v.is_uint64() && v.get_uint64() <= 0xffffffffULL))
				add(p, "expected an integer 0-4294967295");
			break;
		case T::Bool:
			if (!v.is_bool())
				add(p, "expected true or false");
			break;
		case T::StrList:
			if (!v.is_array() && !v.is_null()) {
				add(p, "expected a list of strings");
				break;
			}
			if (v.is_array())
				for (size_t i = 0; i < v.get_array().size(); ++i)
					if (!v.get_array()[i].is_string())
						add(p + "[" + std::to_string(i) + "]",
						    "expected a string");
			break;
		case T::StrMap:
			if (!v.is_object() && !v.is_null()) {
				add(p, "expected a map of strings");
				break;
			}
			if (v.is_object())
				for (const auto &kv : v.get_object())
					if (!kv.value().is_string())
						add(p + "." + std::string(kv.key()),
						    "expected a string");
			break;
		case T::Obj:
			if (!v.is_object() && !v.is_null())
				add(p, "expected an object");
			break;
		case T::Arr:
			if (!v.is_array() && !v.is_null())
				add(p, "expected a list");
			break;
		}
	}

	static std::string str(const json::object &o, const char *k)
	{
		auto *v = o.if_contains(k);
		return v && v->is_string() ? std::string(v->get_string()) : std::string();
	}

	// Present and a string: rules on the value apply (a wrong type is reported once).
	static bool isStr(const json::object &o, const char *k)
	{
		auto *v = o.if_contains(k);
		return v && v->is_string();
	}

	static const json::array *arr(const json::object &o, const char *k)
	{
		auto *v = o.if_contains(k);
		return v ? v->if_array() : nullptr;
	}

	void env(const json::object &o, const std::string &path)
	{
		if (auto *a = arr(o, "env"))
			for (size_t i = 0; i < a->size(); ++i)
				if (auto *s = (*a)[i].if_string();
				    s && (s->find('=') == json::string::npos || s->find('=') == 0))
					add(path + ".env[" + std::to_string(i) + "]",
					    "not of the form NAME=value: \"" + std::string(*s) +
						    "\"");
	}

	void deviceNode(const json::value &v, const std::string &p)
	{
		auto *o = object(v, p,
				 {{"path", T::Str, true},
				  {"hostPath", T::Str},
				  {"type", T::Str},
				  {"major", T::Int},
				  {"minor", T::Int},
				  {"fileMode", T::Uint32},
				  {"permissions", T::Str},
				  {"uid", T::Uint32},
				  {"gid", T::Uint32}});
		if (!o)
			return;
		if (isStr(*o, "path") && str(*o, "path").empty())
			add(p + ".path", "empty device path");
		if (!str(*o, "hostPath").empty())
			needs("0.5.0");
		std::string t = str(*o, "type");
		if (!t.empty() && t != "b" && t != "c" && t != "u" && t != "p")
			add(p + ".type", "invalid device type \"" + t + "\" (b, c, u or p)");
		std::string perms = str(*o, "permissions");
		if (perms != "none" && perms.find_first_not_of("rwm") != std::string::npos)
			add(p + ".permissions",
			    "invalid permissions \"" + perms + "\" (r, w, m or none)");
	}

	void hook(const json::value &v, const std::string &p)
	{
		static const std::set<std::string> names{"prestart",        "createRuntime",
							 "createContainer", "startContainer",
							 "poststart",       "poststop"};
		auto *o = object(v, p,
				 {{"hookName", T::Str, true},
				  {"path", T::Str, true},
				  {"args", T::StrList},
				  {"env", T::StrList},
				  {"timeout", T::Int}});
		if (!o)
			return;
		std::string name = str(*o, "hookName"), path = str(*o, "path");
		if (isStr(*o, "hookName") && !names.count(name))
			add(p + ".hookName",
			    "invalid hook name \"" + name +
				    "\" (prestart, createRuntime, createContainer, startContainer, "
				    "poststart or poststop)");
		if (isStr(*o, "path") && (path.empty() || path[0] != '/'))
			add(p + ".path", "hook path \"" + path + "\" is not absolute");
		if (auto *t = o->if_contains("timeout"); t && t->is_int64() && t->get_int64() <= 0)
			add(p + ".timeout", "timeout must be more than 0 seconds");
		env(*o, p);
	}

	void mount(const json::value &v, const std::string &p)
	{
		auto *o = object(v, p,
				 {{"hostPath", T::Str, true},
				  {"containerPath", T::Str, true},
				  {"options", T::StrList},
				  {"type", T::Str}});
		if (!o)
			return;
		for (const char *k : {"hostPath", "containerPath"})
			if (isStr(*o, k) && str(*o, k).empty())
				add(p + "." + k, "empty path");
		if (!str(*o, "type").empty())
			needs("0.4.0");
	}

	void intelRdt(const json::value &v, const std::string &p)
	{
		needs("0.7.0");
		auto *o = object(v, p,
				 {{"closID", T::Str},
				  {"l3CacheSchema", T::Str},
				  {"memBwSchema", T::Str},
				  {"schemata", T::StrList},
				  {"enableMonitoring", T::Bool}});
		if (!o)
			return;
		std::string id = str(*o, "closID");
		if (id == "." || id == ".." || id.find('\n') != std::string::npos ||
		    (id.size() > 1 && id.find('/') != std::string::npos))
			add(p + ".closID", "invalid closID \"" + id + "\"");
		if (auto *s = o->if_contains("schemata"); s && !s->is_null())
			needs("1.1.0");
		if (auto *m = o->if_contains("enableMonitoring");
		    m && m->is_bool() && m->get_bool())
			needs("1.1.0");
	}

	void netDevices(const json::array &a, const std::string &p)
	{
		if (!a.empty())
			needs("1.1.0");
		std::set<std::string> hosts, names;
		for (size_t i = 0; i < a.size(); ++i) {
			std::string ip = p + "[" + std::to_string(i) + "]";
			auto *o = object(
				a[i], ip,
				{{"hostInterfaceName", T::Str, true}, {"name", T::Str, true}});
			if (!o)
				continue;
			for (auto [k, seen] :
			     {std::pair{"hostInterfaceName", &hosts}, std::pair{"name", &names}}) {
				std::string s = str(*o, k);
				if (s.empty())
					add(ip + "." + k, "empty interface name");
				else if (!seen->insert(s).second)
					add(ip + "." + k, "duplicate interface \"" + s + "\"");
			}
		}
	}

	template<class F>
	void each(const json::object &o, const char *key, const std::string &path, F f)
	{
		if (auto *a = arr(o, key))
			for (size_t i = 0; i < a->size(); ++i)
				(this->*f)((*a)[i],
					   path + "." + key + "[" + std::to_string(i) + "]");
	}

	// \return false when the edits are empty
	bool edits(const json::value &v, const std::string &p)
	{
		auto *o = object(v, p,
				 {{"env", T::StrList},
				  {"deviceNodes", T::Arr},
				  {"hooks", T::Arr},
				  {"mounts", T::Arr},
				  {"intelRdt", T::Obj},
				  {"additionalGids", T::Arr},
				  {"netDevices", T::Arr}});
		if (!o)
			return true;
		env(*o, p);
		each(*o, "deviceNodes", p, &Checker::deviceNode);
		each(*o, "hooks", p, &Checker::hook);
		each(*o, "mounts", p, &Checker::mount);
		if (auto *r = o->if_contains("intelRdt"); r && r->is_object())
			intelRdt(*r, p + ".intelRdt");
		if (auto *g = arr(*o, "additionalGids")) {
			for (size_t i = 0; i < g->size(); ++i)
				type((*g)[i], p + ".additionalGids[" + std::to_string(i) + "]",
				     T::Uint32);
			if (!g->empty())
				needs("0.7.0");
		}
		if (auto *n = arr(*o, "netDevices"))
			netDevices(*n, p + ".netDevices");
		for (const auto &kv : *o)
			if (!kv.value().is_null() &&
			    !(kv.value().is_array() && kv.value().get_array().empty()) &&
			    !(kv.value().is_object() && kv.value().get_object().empty()))
				return true;
		return false;
	}

	void annotations(const json::object &o)
	{
		if (auto *a = o.if_contains("annotations");
		    a && a->is_object() && !a->get_object().empty())
			needs("0.6.0");
	}

	void spec(const json::value &root)
	{
		auto *o = object(root, "$",
				 {{"cdiVersion", T::Str, true},
				  {"kind", T::Str, true},
				  {"annotations", T::StrMap},
				  {"devices", T::Arr, true},
				  {"containerEdits", T::Obj}});
		if (!o)
			return;
		annotations(*o);
		std::string kind = str(*o, "kind");
		size_t slash = kind.find('/');
		if (isStr(*o, "kind") &&
		    (slash == std::string::npos || !validQualifier(kind.substr(0, slash)) ||
		     !validQualifier(kind.substr(slash + 1))))
			add("$.kind",
			    "invalid kind \"" + kind +
				    "\" (VENDOR/CLASS: each starts with a letter, ends with a "
				    "letter or digit, and holds only letters, digits, '_', '.', "
				    "'-')");
		else if (slash != std::string::npos && kind.find('.', slash) != std::string::npos)
			needs("0.6.0");
		if (auto *ce = o->if_contains("containerEdits"); ce && ce->is_object())
			edits(*ce, "$.containerEdits");
		const json::array *devs = arr(*o, "devices");
		if (devs && devs->empty())
			add("$.devices", "no devices");
		std::set<std::string> names;
		for (size_t i = 0; devs && i < devs->size(); ++i) {
			std::string p = "$.devices[" + std::to_string(i) + "]";
			auto *d = object((*devs)[i], p,
					 {{"name", T::Str, true},
					  {"annotations", T::StrMap},
					  {"containerEdits", T::Obj, true}});
			if (!d)
				continue;
			annotations(*d);
			std::string name = str(*d, "name");
			if (isStr(*d, "name") && !validDeviceName(name))
				add(p + ".name", "invalid device name \"" + name +
							 "\" (starts and ends with a letter or "
							 "digit, holds only "
							 "letters, digits, '_', '.', ':', '-')");
			else if (!name.empty() && name[0] >= '0' && name[0] <= '9')
				needs("0.5.0");
			if (!name.empty() && !names.insert(name).second)
				add(p + ".name", "device \"" + name + "\" defined more than once");
			if (auto *ce = d->if_contains("containerEdits");
			    ce && ce->is_object() && !edits(*ce, p + ".containerEdits"))
				add(p + ".containerEdits", "no container edits");
		}
		std::string version = str(*o, "cdiVersion");
		if (!isStr(*o, "cdiVersion"))
			return;
		if (!knownVersion(version))
			add("$.cdiVersion",
			    "unknown version \"" + version + "\" (0.1.0 ... 1.1.0)");
		else if (compareVersions(version, need) < 0)
			add("$.cdiVersion", "version " + version +
						    " is too old for the fields used: at least " +
						    need + " is needed");
	}
};

} // namespace

std::vector<CdiProblem> validateTree(const boost::json::value &tree)
{
	Checker c;
	c.spec(tree);
	return std::move(c.problems);
}

} // namespace cdi

std::vector<CdiProblem> validateCdiSpec(std::string_view text)
{
	auto tree = cdi::parseSpecText(text);
	if (!tree)
		return {{"$", tree.error().message}};
	return cdi::validateTree(*tree);
}

Result<std::vector<CdiProblem>> validateCdiSpecFile(const std::string &path)
{
	auto text = support::readFile(path, 16 << 20);
	if (!text)
		return unexpected(std::move(text).error());
	return validateCdiSpec(*text);
}

} // namespace tb
