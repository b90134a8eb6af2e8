// SPDX-License-Identifier: Apache-2.0
// "key: value" text (procfs files, lease records): as a map, or one key looked up in place.
#include "tbsupport/host_fs.h"

namespace tb::support {

namespace {

// Each "key SEP value" line of \a text, trimmed, in order, to \a f until it returns false.
template<typename F>
void eachKeyValue(std::string_view text, char sep, F &&f)
{
	size_t i = 0;
	while (i < text.size()) {
		size_t nl = text.find('\n', i);
		if (nl == std::string_view::npos)
			nl = text.size();
		std::string_view line = text.substr(i, nl - i);
		i = nl + 1;
		size_t s = sep == ' ' ? line.find_first_of(" \t") : line.find(sep);
		if (s == std::string_view::npos)
			continue;
		std::string_view key = trim(line.substr(0, s));
		if (key.empty())
			continue;
		if (!f(key, trim(line.substr(s + 1))))
			return;
	}
}

} // namespace

std::map<std::string, std::string> parseKeyValues(std::string_view text, char sep)
{
	std::map<std::string, std::string> out;
	eachKeyValue(text, sep, [&](std::string_view k, std::string_view v) {
		out.emplace(std::string(k), std::string(v));
		return true;
	});
	return out;
}

std::optional<std::string_view> keyValue(std::string_view text, char sep, std::string_view key)
{
	std::optional<std::string_view> out;
	eachKeyValue(text, sep, [&](std::string_view k, std::string_view v) {
		if (k != key)
			return true;
		out = v;
		return false;
	});
	return out;
}

} // namespace tb::support
