// SPDX-License-Identifier: Apache-2.0
// Container edits: de-duplication, stable order, moving what every device shares to the
// spec level, and the CDI parser's name rules.
#include "cdi_internal.h"

#include <algorithm>
#include <set>

namespace tb::cdi {

namespace {

bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t depth(const std::string &p)
{
	return static_cast<size_t>(std::count(p.begin(), p.end(), '/'));
}

// (path depth, path): parents before children, as the runtimes mount them.
bool byDepth(const std::string &a, const std::string &b)
{
	size_t da = depth(a), db = depth(b);
	return da != db ? da < db : a < b;
}

template<class T, class Key>
void dedupe(std::vector<T> &v, Key key)
{
	if (v.size() < 2)
		return;
	std::set<std::string> seen;
	std::vector<T> out;
	out.reserve(v.size());
	for (auto &x : v)
		if (seen.insert(key(x)).second)
			out.push_back(std::move(x));
	v = std::move(out);
}

template<class T>
void remove(std::vector<T> &v, const std::vector<T> &common)
{
	std::erase_if(v, [&](const T &x) {
		return std::find(common.begin(), common.end(), x) != common.end();
	});
}

} // namespace

bool validQualifier(std::string_view s)
{
	if (s.empty() || !letter(s.front()) || !alnum(s.back()))
		return false;
	for (char c : s.substr(1))
		if (!alnum(c) && c != '_' && c != '.' && c != '-')
			return false;
	return true;
}

bool validDeviceName(std::string_view s)
{
	if (s.empty() || !alnum(s.front()) || !alnum(s.back()))
		return false;
	for (char c : s)
		if (!alnum(c) && c != '_' && c != '.' && c != ':' && c != '-')
			return false;
	return true;
}

void normalize(CdiContainerEdits &e)
{
	dedupe(e.env, [](const std::string &s) { return s; });
	dedupe(e.deviceNodes, [](const CdiDeviceNode &n) { return n.path; });
	dedupe(e.mounts, [](const CdiMount &m) { return m.containerPath; });
	dedupe(e.hooks, [](const CdiHook &h) {
		std::string k = h.hookName + '\0' + h.path;
		for (const auto &a : h.args)
			k += '\0' + a;
		return k;
	});
	std::stable_sort(e.deviceNodes.begin(), e.deviceNodes.end(),
			 [](auto &a, auto &b) { return byDepth(a.path, b.path); });
	std::stable_sort(e.mounts.begin(), e.mounts.end(), [](auto &a, auto &b) {
		return byDepth(a.containerPath, b.containerPath);
	});
	std::sort(e.additionalGids.begin(), e.additionalGids.end());
	e.additionalGids.erase(std::unique(e.additionalGids.begin(), e.additionalGids.end()),
			       e.additionalGids.end());
}

void append(CdiContainerEdits &to, const CdiContainerEdits &from)
{
	to.env.insert(to.env.end(), from.env.begin(), from.env.end());
	to.deviceNodes.insert(to.deviceNodes.end(), from.deviceNodes.begin(),
			      from.deviceNodes.end());
	to.mounts.insert(to.mounts.end(), from.mounts.begin(), from.mounts.end());
	to.hooks.insert(to.hooks.end(), from.hooks.begin(), from.hooks.end());
	to.additionalGids.insert(to.additionalGids.end(), from.additionalGids.begin(),
				 from.additionalGids.end());
}

void simplify(CdiSpec &spec)
{
	const CdiContainerEdits &common = spec.containerEdits;
	for (auto &d : spec.devices) {
		CdiContainerEdits e = d.containerEdits;
		remove(e.env, common.env);
		remove(e.deviceNodes, common.deviceNodes);
		remove(e.mounts, common.mounts);
		remove(e.hooks, common.hooks);
		remove(e.additionalGids, common.additionalGids);
		if (!e.empty())
			d.containerEdits = std::move(e);
	}
	std::sort(spec.devices.begin(), spec.devices.end(),
		  [](const CdiDevice &a, const CdiDevice &b) { return a.name < b.name; });
}

} // namespace tb::cdi
