// SPDX-License-Identifier: Apache-2.0
// Image references ("transport:location") and the embedded local store behind bare names.
#include <tb/images.h>

#include <algorithm>
#include <cctype>

#include <tb/context.h>

#include "image/reference.h"
#include "tbsupport/oci_layout.h"
#include "tbsupport/reference_grammar.h"

namespace tb {

namespace image {

RepoTag splitRepoTag(std::string_view name) noexcept
{
	name = name.substr(0, name.find('@'));
	auto slash = name.rfind('/');
	auto colon = name.rfind(':');
	if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash))
		return {name, {}};
	return {name.substr(0, colon), name.substr(colon + 1)};
}

Transport *storeTransport(const Context &ctx)
{
	// The first transport (by name) that says it handles OCI layouts; a transport built
	// before minor 1 cannot say so and is never asked.
	for (Transport *t : ctx.transports())
		if (hasMinor(*t, 1) && (t->roles() & TransportRole::LayoutStore))
			return t;
	return nullptr;
}

} // namespace image

namespace {

// "STORE:name" for the oci transport; the store path may not hold the ':' separator.
Result<std::string> storeLocation(const Context &ctx, const std::string &name)
{
	const std::string &dir = ctx.paths().storeDir;
	if (dir.empty())
		return err(Errc::InvalidArgument, "no store path configured ([store] path)");
	if (dir.find(':') != std::string::npos)
		return err(Errc::InvalidArgument,
			   "store path '" + dir + "' contains ':' ([store] path)");
	return dir + ":" + name;
}

Result<Transport *> transportFor(const Context &ctx, const ImageReference &r)
{
	if (r.transport.empty()) {
		if (Transport *t = image::storeTransport(ctx))
			return t;
		return err(Errc::Unsupported,
			   "the local store needs a transport plugin for OCI image layouts "
			   "(transport.oci ships with tb); none is loaded (see tb plugins ls)");
	}
	if (Transport *t = ctx.transport(r.transport))
		return t;
	return err(Errc::Unsupported, "transport '" + r.transport +
					      "' is not available (plugin transport." +
					      r.transport + " is not loaded; see tb plugins ls)");
}

} // namespace

const std::vector<std::string> &wellKnownTransports()
{
	static const std::vector<std::string> names = {
		"containers-storage", "dir", "docker",      "docker-archive",
		"docker-daemon",      "oci", "oci-archive",
	};
	return names;
}

Result<std::string> normaliseStoreName(std::string_view text)
{
	auto bad = [&](const std::string &why) {
		return err(Errc::InvalidArgument, "image name '" + std::string(text) + "': " + why);
	};
	if (text.empty())
		return bad("empty");
	std::string_view rest = text;
	std::string digest;
	if (auto at = rest.find('@'); at != std::string_view::npos) {
		auto d = Digest::parse(rest.substr(at + 1));
		if (!d)
			return bad(d.error().message);
		digest = d->str();
		rest = rest.substr(0, at);
	}
	auto [repository, tagView] = image::splitRepoTag(rest);
	std::string tag(tagView);
	if (repository.size() < rest.size()) { // a ':' after the last '/', even "name:"
		rest = repository;
		if (!support::validTag(tag))
			return bad("invalid tag '" + tag + "'");
	}
	if (rest.empty())
		return bad("no repository name");
	if (rest.size() > 255)
		return bad("repository name longer than 255 characters");
	std::string_view path = rest;
	if (auto first = rest.find('/'); first != std::string_view::npos) {
		std::string_view domain = rest.substr(0, first);
		if (domain.find_first_of(".:") != std::string_view::npos || domain == "localhost") {
			if (!support::validDomain(domain))
				return bad("invalid registry host '" + std::string(domain) + "'");
			path = rest.substr(first + 1);
		}
	}
	for (size_t start = 0;;) {
		size_t end = path.find('/', start);
		std::string_view comp =
			path.substr(start, end == std::string_view::npos ? path.npos : end - start);
		if (!support::validPathComponent(comp))
			return bad("invalid path component '" + std::string(comp) +
				   "' (lower-case letters, digits and . _ __ - between them)");
		if (end == std::string_view::npos)
			break;
		start = end + 1;
	}
	std::string out(rest);
	if (!tag.empty())
		out += ":" + tag;
	if (!digest.empty())
		out += "@" + digest;
	if (tag.empty() && digest.empty())
		out += ":latest";
	// The name becomes the layout's ref.name, whose grammar is a little stricter ("__", "---").
	if (auto ok = support::validateLayoutTag(out); !ok)
		return bad("not usable as an OCI ref.name (" + ok.error().message + ")");
	return out;
}

Result<ImageReference> parseImageReference(std::string_view text,
					   const std::vector<std::string> &transports)
{
	if (text.empty())
		return err(Errc::InvalidArgument, "empty image reference");
	if (auto colon = text.find(':'); colon != std::string_view::npos) {
		std::string prefix(text.substr(0, colon));
		const auto &known = wellKnownTransports();
		if (std::find(transports.begin(), transports.end(), prefix) != transports.end() ||
		    std::find(known.begin(), known.end(), prefix) != known.end()) {
			if (colon + 1 == text.size())
				return err(Errc::InvalidArgument, "image reference '" +
									  std::string(text) +
									  "' has no location");
			return ImageReference{std::move(prefix),
					      std::string(text.substr(colon + 1))};
		}
	}
	auto name = TB_TRY(normaliseStoreName(text));
	return ImageReference{std::string(), std::move(name)};
}

Result<ImageReference> parseImageReference(const Context &ctx, std::string_view text)
{
	std::vector<std::string> names;
	for (const auto &p : ctx.plugins())
		if (p.kind == "transport" && p.status == PluginStatus::Ok)
			names.push_back(p.name);
	return parseImageReference(text, names);
}

Result<std::unique_ptr<ImageSource>> openImageSource(Context &ctx, std::string_view text)
{
	auto ref = TB_TRY(parseImageReference(ctx, text));
	Transport *t = TB_TRY_CTX(transportFor(ctx, ref), "image " + std::string(text));
	if (ref.transport.empty()) {
		auto loc = TB_TRY(storeLocation(ctx, ref.location));
		auto src = t->openSource(loc);
		if (!src && src.error().code == Errc::NotFound)
			return err(Errc::NotFound, "image " + ref.location +
							   ": not in the local store (" +
							   ctx.paths().storeDir + ")");
		return std::move(src).wrap("image " + ref.location);
	}
	return t->openSource(ref.location).wrap("image " + std::string(text));
}

Result<std::unique_ptr<ImageDestination>> openImageDestination(Context &ctx, std::string_view text)
{
	auto ref = TB_TRY(parseImageReference(ctx, text));
	Transport *t = TB_TRY_CTX(transportFor(ctx, ref), "image " + std::string(text));
	if (ref.transport.empty()) {
		if (ref.location.find('@') != std::string::npos)
			return err(Errc::InvalidArgument,
				   "image " + ref.location +
					   ": cannot write to a digest reference");
		auto loc = TB_TRY(storeLocation(ctx, ref.location));
		return t->openDestination(loc).wrap("image " + ref.location);
	}
	return t->openDestination(ref.location).wrap("image " + std::string(text));
}

} // namespace tb
