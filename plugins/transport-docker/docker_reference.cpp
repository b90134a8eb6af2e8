// SPDX-License-Identifier: Apache-2.0
// Docker image references (distribution/reference grammar and normalisation).
#include "docker_reference.h"

#include <algorithm>
#include <cctype>

#include "tbsupport/reference_grammar.h"

namespace tb::docker {

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
		if (!support::validTag(ref.tag))
			return bad("invalid tag '" + ref.tag + "'");
	}
	auto first = rest.find('/');
	std::string_view head = rest.substr(0, first);
	bool isDomain =
		first != std::string_view::npos &&
		(head.find_first_of(".:") != std::string_view::npos || head == "localhost" ||
		 std::any_of(head.begin(), head.end(), ::isupper) || head.starts_with("["));
	if (isDomain) {
		if (!support::validDomain(head))
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
		if (!support::validPathComponent(comp))
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
