// SPDX-License-Identifier: Apache-2.0
// distribution's reference grammar, shared by the local store's names and docker:// references.
#include "tbsupport/reference_grammar.h"

#include <algorithm>
#include <cctype>

namespace tb::support {

namespace {

bool lowerAlnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

} // namespace

// path-component := [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*
bool validPathComponent(std::string_view c)
{
	if (c.empty() || !lowerAlnum(c.front()) || !lowerAlnum(c.back()))
		return false;
	for (size_t i = 0; i < c.size();) {
		if (lowerAlnum(c[i])) {
			++i;
			continue;
		}
		size_t j = i;
		while (j < c.size() && !lowerAlnum(c[j]))
			++j;
		std::string_view sep = c.substr(i, j - i);
		if (!(sep == "." || sep == "_" || sep == "__" ||
		      std::all_of(sep.begin(), sep.end(), [](char x) { return x == '-'; })))
			return false;
		i = j;
	}
	return true;
}

bool validTag(std::string_view t)
{
	if (t.empty() || t.size() > 128)
		return false;
	auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
	if (!word(t.front()))
		return false;
	return std::all_of(t.begin(), t.end(),
			   [&](char c) { return word(c) || c == '.' || c == '-'; });
}

bool validDomain(std::string_view d)
{
	std::string_view host = d, port;
	if (d.starts_with("[")) {
		auto close = d.find(']');
		if (close == std::string_view::npos)
			return false;
		host = d.substr(1, close - 1);
		port = d.substr(close + 1);
		if (!port.empty() && port.front() != ':')
			return false;
		port = port.empty() ? port : port.substr(1);
		if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
			    return std::isxdigit(static_cast<unsigned char>(c)) || c == ':';
		    }))
			return false;
	} else {
		auto colon = d.find(':');
		host = d.substr(0, colon);
		port = colon == std::string_view::npos ? std::string_view() : d.substr(colon + 1);
		if (colon != std::string_view::npos && port.empty())
			return false;
		if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
			    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
				   c == '-';
		    }))
			return false;
	}
	return port.size() <= 5 && std::all_of(port.begin(), port.end(), ::isdigit);
}

} // namespace tb::support
