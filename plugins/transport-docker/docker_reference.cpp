// SPDX-License-Identifier: Apache-2.0
// Docker image references (distribution/reference grammar and normalisation).
#include "docker_reference.h"

#include <algorithm>
#include <cctype>

namespace tb::docker {

namespace {

bool lowerAlnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// path-component := [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*
bool validComponent(std::string_view c)
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

} // namespace

std::string DockerRef::str() const
{
	std::string s = "docker://" + registry + "/" + repository;
	if (!tag.empty() && !(digest && tag == "latest"))
		s += ":" + tag;
	if (digest)
		s += "@" + digest->str();
	return s;
}

Result<DockerRef> parseDockerRef(std::string_view location)
{
	std::string text(location);
	auto bad = [&](const std::string &why) {
		return err(Errc::InvalidArgument, "docker:" + text + ": " + why);
	};
	if (!location.starts_with("//"))
		return bad("expected docker://[HOST[:PORT]/]REPOSITORY[:TAG][@DIGEST]");
	std::string_view rest = location.substr(2);
	DockerRef ref;
	if (auto at = rest.find('@'); at != std::string_view::npos) {
		auto d = Digest::parse(rest.substr(at + 1));
		if (!d)
			return bad(d.error().message);
		ref.digest = *d;
		rest = rest.substr(0, at);
	}
	auto slash = rest.rfind('/');
	auto colon = rest.rfind(':');
	if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
		ref.tag = std::string(rest.substr(colon + 1));
		rest = rest.substr(0, colon);
		if (!validTag(ref.tag))
			return bad("invalid tag '" + ref.tag + "'");
	}
	auto first = rest.find('/');
	std::string_view head = rest.substr(0, first);
	bool isDomain =
		first != std::string_view::npos &&
		(head.find_first_of(".:") != std::string_view::npos || head == "localhost" ||
		 std::any_of(head.begin(), head.end(), ::isupper) || head.starts_with("["));
	if (isDomain) {
		if (!validDomain(head))
			return bad("invalid registry host '" + std::string(head) + "'");
		ref.registry = std::string(head);
		rest = rest.substr(first + 1);
	} else {
		ref.registry = "docker.io";
	}
	if (ref.registry == "index.docker.io")
		ref.registry = "docker.io";
	ref.repository = std::string(rest);
	if (ref.repository.empty())
		return bad("no repository");
	for (size_t p = 0; p <= ref.repository.size();) {
		size_t q = ref.repository.find('/', p);
		std::string_view comp =
			std::string_view(ref.repository)
				.substr(p, q == std::string::npos ? std::string::npos : q - p);
		if (!validComponent(comp))
			return bad("invalid repository name '" + ref.repository +
				   "' (lower-case letters, digits and . _ - separators)");
		if (q == std::string::npos)
			break;
		p = q + 1;
	}
	if (ref.registry == "docker.io" && ref.repository.find('/') == std::string::npos)
		ref.repository = "library/" + ref.repository;
	if (ref.registry.size() + 1 + ref.repository.size() > 255)
		return bad("name longer than 255 characters");
	if (ref.tag.empty() && !ref.digest)
		ref.tag = "latest";
	return ref;
}

} // namespace tb::docker
