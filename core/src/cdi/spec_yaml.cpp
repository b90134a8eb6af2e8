// SPDX-License-Identifier: Apache-2.0
// A spec as YAML text: the JSON document's tree (spec_json.cpp) in block style, every string
// quoted, built as a small tree first (a key's form depends on its value).
#include <tb/cdi.h>

#include <cctype>

#include "cdi_internal.h"

namespace tb {

namespace {

// The YAML emitter.
class Writer {
public:
	std::string str(std::string_view s) const
	{
		std::string o;
		cdi::appendJsonString(o, s);
		return o;
	}

	// A value is a scalar string, or an object/array built with the calls below.
	struct Node {
		enum { Scalar, Object, Array } kind = Scalar;
		std::string scalar;
		std::vector<Node> members; // object; each member carries its key in name
		std::vector<Node> items;   // array
		std::string name;          // key when a member of an object
		// std::pair<std::string, Node> would need Node complete here (clang rejects it).
		static Node of(decltype(kind) k, std::string scalar = {})
		{
			Node n;
			n.kind = k;
			n.scalar = std::move(scalar);
			return n;
		}
		static Node named(std::string key, Node v)
		{
			v.name = std::move(key);
			return v;
		}
	};

	std::string render(const Node &n) const
	{
		std::string out;
		yamlValue(n, 0, out, false);
		return out + "\n";
	}

private:
	// A YAML key stays plain when it is made of characters that cannot start or end YAML
	// syntax; anything else is quoted.
	std::string key(const std::string &k) const
	{
		bool plain = !k.empty() && std::isalpha(static_cast<unsigned char>(k[0]));
		for (char c : k)
			plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
					  c == '.' || c == '/' || c == '-');
		return plain ? k : str(k);
	}

	static std::string pad(int n) { return std::string(static_cast<size_t>(n) * 2, ' '); }

	// \a inline_: the first line continues a "- " already written.
	void yamlValue(const Node &n, int depth, std::string &out, bool inline_) const
	{
		if (n.kind == Node::Object) {
			for (size_t i = 0; i < n.members.size(); ++i) {
				if (!(inline_ && i == 0))
					out += pad(depth);
				out += key(n.members[i].name) + ":";
				const Node &v = n.members[i];
				if (v.kind == Node::Object && v.members.empty()) {
					out += " {}\n";
				} else if (v.kind == Node::Array && v.items.empty()) {
					out += " []\n";
				} else if (v.kind == Node::Scalar) {
					out += " " + v.scalar + "\n";
				} else {
					out += "\n";
					yamlValue(v, v.kind == Node::Array ? depth : depth + 1, out,
						  false);
				}
			}
		} else if (n.kind == Node::Array) {
			for (const auto &item : n.items) {
				out += pad(depth) + "- ";
				if (item.kind == Node::Scalar)
					out += item.scalar + "\n";
				else
					yamlValue(item, depth + 1, out, true);
			}
		}
	}
};

using Node = Writer::Node;

struct Obj {
	explicit Obj(const Writer &writer) : w(writer) {}
	Node n = Node::of(Node::Object);
	const Writer &w;
	Obj &s(const char *k, const std::string &v)
	{
		if (!v.empty())
			n.members.push_back(Node::named(k, Node::of(Node::Scalar, w.str(v))));
		return *this;
	}
	Obj &i(const char *k, int64_t v)
	{
		n.members.push_back(Node::named(k, Node::of(Node::Scalar, std::to_string(v))));
		return *this;
	}
	Obj &node(const char *k, Node v)
	{
		if (!(v.kind == Node::Array && v.items.empty()) &&
		    !(v.kind == Node::Object && v.members.empty()))
			n.members.push_back(Node::named(k, std::move(v)));
		return *this;
	}
};

Node strings(const Writer &w, const std::vector<std::string> &v)
{
	Node a = Node::of(Node::Array);
	for (const auto &s : v)
		a.items.push_back(Node::of(Node::Scalar, w.str(s)));
	return a;
}

Node map(const Writer &w, const std::map<std::string, std::string> &m)
{
	Node o = Node::of(Node::Object);
	for (const auto &[k, v] : m)
		o.members.push_back(Node::named(k, Node::of(Node::Scalar, w.str(v))));
	return o;
}

// An array of one object per item; \a members fills each one's members.
template<typename T, typename F>
Node objects(const Writer &w, const std::vector<T> &v, F members)
{
	Node a = Node::of(Node::Array);
	for (const auto &x : v) {
		Obj n(w);
		members(n, x);
		a.items.push_back(std::move(n.n));
	}
	return a;
}

Node edits(const Writer &w, const CdiContainerEdits &e)
{
	Obj o(w);
	o.node("env", strings(w, e.env));
	o.node("deviceNodes", objects(w, e.deviceNodes, [&](Obj &n, const CdiDeviceNode &d) {
		       n.s("path", d.path).s("hostPath", d.hostPath).s("type", d.type);
		       if (d.major > 0 || d.minor > 0)
			       n.i("major", d.major).i("minor", d.minor);
		       if (d.fileMode)
			       n.i("fileMode", d.fileMode);
		       n.s("permissions", d.permissions);
		       if (d.gid >= 0)
			       n.i("gid", d.gid);
	       }));
	o.node("hooks", objects(w, e.hooks, [&](Obj &n, const CdiHook &h) {
		       n.s("hookName", h.hookName).s("path", h.path);
		       n.node("args", strings(w, h.args)).node("env", strings(w, h.env));
		       if (h.timeout > 0)
			       n.i("timeout", h.timeout);
	       }));
	o.node("mounts", objects(w, e.mounts, [&](Obj &n, const CdiMount &m) {
		       n.s("hostPath", m.hostPath).s("containerPath", m.containerPath);
		       n.node("options", strings(w, m.options)).s("type", m.type);
	       }));
	Node gids = Node::of(Node::Array);
	for (uint32_t g : e.additionalGids)
		gids.items.push_back(Node::of(Node::Scalar, std::to_string(g)));
	o.node("additionalGids", std::move(gids));
	return std::move(o.n);
}

std::string render(const CdiSpec &spec)
{
	Writer w;
	Obj top(w);
	top.s("cdiVersion", spec.cdiVersion.empty() ? cdiRequiredVersion(spec) : spec.cdiVersion);
	top.s("kind", spec.kind);
	top.node("annotations", map(w, spec.annotations));
	Node devices = Node::of(Node::Array);
	for (const auto &d : spec.devices) {
		Obj o(w);
		o.s("name", d.name).node("annotations", map(w, d.annotations));
		Node e = edits(w, d.containerEdits);
		o.n.members.push_back(
			Node::named("containerEdits", std::move(e))); // required, even if empty
		devices.items.push_back(std::move(o.n));
	}
	top.n.members.push_back(Node::named("devices", std::move(devices)));
	top.node("containerEdits", edits(w, spec.containerEdits));
	return w.render(top.n);
}

} // namespace

std::string cdiSpecYaml(const CdiSpec &spec)
{
	return render(spec);
}

} // namespace tb
