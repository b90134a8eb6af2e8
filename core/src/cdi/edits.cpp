// SPDX-License-Identifier: Apache-2.0
// Container edits: de-duplication, stable order, moving what every device shares to the
// spec level, and the CDI parser's name rules.
#include "cdi_internal.h"

#include <algorithm>
#include <string_view>

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

// Keep the first of each key; \a key(i) is a view of element i's key.
template<class T, class Key>
void dedupe(std::vector<T> &v, Key key)
{
	if (v.size() < 2)
		return;
	std::vector<size_t> order(v.size()); // by (key, index): the first of a key leads
	for (size_t i = 0; i < v.size(); ++i)
		order[i] = i;
	std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
		int c = key(a).compare(key(b));
		return c != 0 ? c < 0 : a < b;
	});
	std::vector<bool> keep(v.size(), true);
	bool any = false;
	for (size_t i = 1; i < order.size(); ++i)
		if (key(order[i]) == key(order[i - 1])) {
			keep[order[i]] = false;
			any = true;
		}
	if (!any)
		return;
	size_t out = 0;
	for (size_t i = 0; i < v.size(); ++i)
		if (keep[i] && out++ != i)
			v[out - 1] = std::move(v[i]);
	v.erase(v.begin() + static_cast<std::ptrdiff_t>(out), v.end());
}

// Keep the first of each path, sorted by (path depth, path): parents before children, as the
// runtimes mount them. Sorting stably first brings each path's copies together in their
// order, so dropping all but the first of a run keeps what de-duplicating first would.
template<class T, class Path>
void uniqueByDepth(std::vector<T> &v, Path path)
{
	if (v.size() < 2)
		return;
	std::vector<std::pair<size_t, size_t>> order; // (depth, index), depth counted once
	order.reserve(v.size());
	for (size_t i = 0; i < v.size(); ++i) {
		std::string_view p = path(v[i]);
		order.emplace_back(static_cast<size_t>(std::count(p.begin(), p.end(), '/')), i);
	}
	auto less = [&](const auto &a, const auto &b) {
		if (a.first != b.first)
			return a.first < b.first;
		int c = path(v[a.second]).compare(path(v[b.second]));
		return c != 0 ? c < 0 : a.second < b.second;
	};
	auto same = [&](const auto &a, const auto &b) {
		return a.first == b.first && path(v[a.second]) == path(v[b.second]);
	};
	if (std::is_sorted(order.begin(), order.end(), less) &&
	    std::adjacent_find(order.begin(), order.end(), same) == order.end())
		return;
	std::sort(order.begin(), order.end(), less);
	order.erase(std::unique(order.begin(), order.end(), same), order.end());
	std::vector<T> sorted;
	sorted.reserve(order.size());
	for (auto [d, i] : order)
		sorted.push_back(std::move(v[i]));
	v = std::move(sorted);
}

template<class T>
bool contains(const std::vector<T> &v, const T &x)
{
	return std::find(v.begin(), v.end(), x) != v.end();
}

// How many of \a v are not in \a common.
template<class T>
size_t kept(const std::vector<T> &v, const std::vector<T> &common)
{
	if (common.empty())
		return v.size();
	return static_cast<size_t>(std::count_if(v.begin(), v.end(),
						 [&](const T &x) { return !contains(common, x); }));
}

template<class T>
void remove(std::vector<T> &v, const std::vector<T> &common)
{
	if (!common.empty())
		std::erase_if(v, [&](const T &x) { return contains(common, x); });
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
	dedupe(e.env, [&](size_t i) { return std::string_view(e.env[i]); });
	if (e.hooks.size() > 1) {
		std::vector<std::string> keys; // the whole hook, NUL-separated
		keys.reserve(e.hooks.size());
		for (const auto &h : e.hooks) {
			std::string k = h.hookName + '\0' + h.path;
			for (const auto &a : h.args)
				k += '\0' + a;
			keys.push_back(std::move(k));
		}
		dedupe(e.hooks, [&](size_t i) { return std::string_view(keys[i]); });
	}
	uniqueByDepth(e.deviceNodes,
		      [](const CdiDeviceNode &n) { return std::string_view(n.path); });
	uniqueByDepth(e.mounts,
		      [](const CdiMount &m) { return std::string_view(m.containerPath); });
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
		CdiContainerEdits &e = d.containerEdits;
		size_t left = kept(e.env, common.env) + kept(e.deviceNodes, common.deviceNodes) +
			      kept(e.mounts, common.mounts) + kept(e.hooks, common.hooks) +
			      kept(e.additionalGids, common.additionalGids);
		if (left == 0)
			continue; // the device would be empty: it keeps its own copy
		remove(e.env, common.env);
		remove(e.deviceNodes, common.deviceNodes);
		remove(e.mounts, common.mounts);
		remove(e.hooks, common.hooks);
		remove(e.additionalGids, common.additionalGids);
	}
	std::sort(spec.devices.begin(), spec.devices.end(),
		  [](const CdiDevice &a, const CdiDevice &b) { return a.name < b.name; });
}

} // namespace tb::cdi
