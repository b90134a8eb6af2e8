// SPDX-License-Identifier: Apache-2.0
// A spec as JSON text, written straight into one string: fixed key order (the CDI Go structs'
// order), empty fields left out, two-space indentation, short lists of scalars on one line.
#include <tb/cdi.h>

#include <array>
#include <charconv>

#include "cdi_internal.h"

namespace tb {

namespace cdi {

namespace {

// The length of each byte in a JSON string: 1 as is, 2 for \" \\ \n \t \r, 6 for \u00XX.
constexpr auto kWidth = [] {
	std::array<unsigned char, 256> w{};
	for (size_t c = 0; c < w.size(); ++c)
		w[c] = c < 0x20 || c == 0x7f ? 6 : c == '"' || c == '\\' ? 2 : 1;
	w['\n'] = w['\t'] = w['\r'] = 2;
	return w;
}();

size_t width(char c)
{
	return kWidth[static_cast<unsigned char>(c)];
}

// The length of \a s as a JSON string, quotes included.
size_t quotedSize(std::string_view s)
{
	size_t n = 2;
	for (char c : s)
		n += width(c);
	return n;
}

} // namespace

void appendJsonString(std::string &out, std::string_view s)
{
	static constexpr char kHex[] = "0123456789abcdef";
	out += '"';
	size_t run = 0; // start of the characters not yet copied
	for (size_t i = 0; i < s.size(); ++i) {
		if (width(s[i]) == 1)
			continue;
		out.append(s.data() + run, i - run);
		run = i + 1;
		auto c = static_cast<unsigned char>(s[i]);
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\t':
			out += "\\t";
			break;
		case '\r':
			out += "\\r";
			break;
		default:
			out += "\\u00";
			out += kHex[c >> 4];
			out += kHex[c & 15];
		}
	}
	out.append(s.data() + run, s.size() - run);
	out += '"';
}

} // namespace cdi

namespace {

// Objects and arrays as the runtimes' encoders indent them: each member or item on its own
// line, a comma after all but the last, the closing bracket at the opener's indentation.
class JsonWriter {
public:
	explicit JsonWriter(std::string &out) : out_(out) {}

	void open(char bracket)
	{
		out_ += bracket;
		first_.push_back(true);
	}
	void close(char bracket)
	{
		first_.pop_back();
		newline();
		out_ += bracket;
	}
	// The next member of the innermost object.
	void key(std::string_view k)
	{
		item();
		cdi::appendJsonString(out_, k);
		out_ += ": ";
	}
	// The next item of the innermost array.
	void item()
	{
		if (first_.back())
			out_ += '\n';
		else
			out_.append(",\n", 2);
		first_.back() = false;
		out_.append(first_.size() * 2, ' ');
	}
	void string(std::string_view s) { cdi::appendJsonString(out_, s); }
	std::string &out() { return out_; }
	void number(int64_t v)
	{
		char buf[24];
		auto r = std::to_chars(buf, buf + sizeof buf, v);
		out_.append(buf, r.ptr);
	}

	// "k": "v", left out when v is empty.
	void field(std::string_view k, const std::string &v)
	{
		if (!v.empty()) {
			key(k);
			string(v);
		}
	}
	void field(std::string_view k, int64_t v)
	{
		key(k);
		number(v);
	}
	// A list of strings, left out when empty; on one line when short.
	void field(std::string_view k, const std::vector<std::string> &v)
	{
		list(
			k, v, [](const std::string &s) { return cdi::quotedSize(s); },
			[this](const std::string &s) { string(s); });
	}
	void field(std::string_view k, const std::vector<uint32_t> &v)
	{
		list(
			k, v, [](uint32_t g) { return std::to_string(g).size(); },
			[this](uint32_t g) { number(g); });
	}
	// "k": [{...}, ...], left out when empty; \a members writes one item's members.
	template<typename T, typename F>
	void objects(std::string_view k, const std::vector<T> &v, F members)
	{
		if (v.empty())
			return;
		key(k);
		open('[');
		for (const auto &x : v) {
			item();
			open('{');
			members(x);
			close('}');
		}
		close(']');
	}
	void field(std::string_view k, const std::map<std::string, std::string> &m)
	{
		if (m.empty())
			return;
		key(k);
		open('{');
		for (const auto &[mk, mv] : m) {
			key(mk);
			string(mv);
		}
		close('}');
	}

private:
	// Scalars of \a v (\a size: each one's width, \a put: writes one) on one line when the
	// line stays short, else one per line.
	template<typename T, typename Size, typename Put>
	void list(std::string_view k, const std::vector<T> &v, Size size, Put put)
	{
		if (v.empty())
			return;
		key(k);
		size_t width = 0;
		for (const auto &x : v)
			width += size(x) + 2;
		if (width > 72) {
			open('[');
			for (const auto &x : v) {
				item();
				put(x);
			}
			close(']');
			return;
		}
		out_ += '[';
		for (size_t i = 0; i < v.size(); ++i) {
			if (i)
				out_ += ", ";
			put(v[i]);
		}
		out_ += ']';
	}

	void newline()
	{
		out_ += '\n';
		out_.append(first_.size() * 2, ' ');
	}

	std::string &out_;
	std::vector<bool> first_; // per open object or array: no member written yet
};

void edits(JsonWriter &w, const CdiContainerEdits &e)
{
	w.open('{');
	w.field("env", e.env);
	w.objects("deviceNodes", e.deviceNodes, [&](const CdiDeviceNode &d) {
		w.field("path", d.path);
		w.field("hostPath", d.hostPath);
		w.field("type", d.type);
		if (d.major > 0 || d.minor > 0) {
			w.field("major", d.major);
			w.field("minor", d.minor);
		}
		if (d.fileMode)
			w.field("fileMode", static_cast<int64_t>(d.fileMode));
		w.field("permissions", d.permissions);
		if (d.gid >= 0)
			w.field("gid", d.gid);
	});
	w.objects("hooks", e.hooks, [&](const CdiHook &h) {
		w.field("hookName", h.hookName);
		w.field("path", h.path);
		w.field("args", h.args);
		w.field("env", h.env);
		if (h.timeout > 0)
			w.field("timeout", static_cast<int64_t>(h.timeout));
	});
	w.objects("mounts", e.mounts, [&](const CdiMount &m) {
		w.field("hostPath", m.hostPath);
		w.field("containerPath", m.containerPath);
		w.field("options", m.options);
		w.field("type", m.type);
	});
	w.field("additionalGids", e.additionalGids);
	w.close('}');
}

} // namespace

std::string cdiSpecJson(const CdiSpec &spec)
{
	std::string out;
	out.reserve(4096 + spec.devices.size() * 512);
	JsonWriter w(out);
	w.open('{');
	w.field("cdiVersion", spec.cdiVersion.empty() ? cdiRequiredVersion(spec) : spec.cdiVersion);
	w.field("kind", spec.kind);
	w.field("annotations", spec.annotations);
	w.key("devices");
	if (spec.devices.empty()) {
		out += "[]";
	} else {
		w.open('[');
		for (const auto &d : spec.devices) {
			w.item();
			w.open('{');
			w.field("name", d.name);
			w.field("annotations", d.annotations);
			w.key("containerEdits"); // required, even if empty
			edits(w, d.containerEdits);
			w.close('}');
		}
		w.close(']');
	}
	if (!spec.containerEdits.empty()) {
		w.key("containerEdits");
		edits(w, spec.containerEdits);
	}
	w.close('}');
	out += '\n';
	return out;
}

std::string cdiSpecFileName(const CdiSpec &spec, CdiFormat format)
{
	std::string name = spec.kind;
	for (char &c : name)
		if (c == '/')
			c = '-';
	return name + (format == CdiFormat::Json ? ".json" : ".yaml");
}

} // namespace tb
