// SPDX-License-Identifier: Apache-2.0
// Platform matching for image indexes, after containerd/platforms' normalisation and
// compatibility rules (a client that picks differently pulls another image than docker).
#include "tbsupport/platform.h"
#include "tbsupport/host_fs.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace tb::support {

namespace {

// "v7" -> 7, "" -> fallback, anything else -> -1.
int variantLevel(const std::string &v, int fallback)
{
	if (v.empty())
		return fallback;
	if (v.size() < 2 || v[0] != 'v' ||
	    !std::all_of(v.begin() + 1, v.end(), [](unsigned char c) { return std::isdigit(c); }))
		return -1;
	return std::stoi(v.substr(1, 4));
}

// The platforms \a want accepts, best first; variant "" of a candidate also stands for
// an entry without variant.
std::vector<Platform> acceptable(const Platform &want)
{
	std::vector<Platform> out;
	if (want.architecture == "amd64") {
		int n = variantLevel(want.variant, 1);
		for (int i = std::max(n, 1); i >= 1; --i)
			out.push_back({want.os, "amd64", i == 1 ? "" : "v" + std::to_string(i)});
		out.push_back({want.os, "386", ""});
	} else if (want.architecture == "arm") {
		int n = variantLevel(want.variant, 7);
		for (int i = n; i >= 5; --i)
			out.push_back({want.os, "arm", "v" + std::to_string(i)});
		if (out.empty())
			out.push_back(want);
	} else if (want.architecture == "arm64") {
		int n = variantLevel(want.variant, 8);
		for (int i = n; i >= 9; --i)
			out.push_back({want.os, "arm64", "v" + std::to_string(i)});
		out.push_back({want.os, "arm64", ""});
	} else {
		out.push_back(want);
	}
	return out;
}

bool isAttestation(const IndexEntry &e)
{
	return e.platform && e.platform->os == "unknown" && e.platform->architecture == "unknown";
}

} // namespace

Platform normalizePlatform(Platform p)
{
	p.os = asciiLower(std::move(p.os));
	p.architecture = asciiLower(std::move(p.architecture));
	p.variant = asciiLower(std::move(p.variant));
	if (p.os == "macos")
		p.os = "darwin";
	const std::string &a = p.architecture;
	if (!p.variant.empty() && std::isdigit(static_cast<unsigned char>(p.variant[0])))
		p.variant = "v" + p.variant;
	if (a == "x86_64" || a == "x86-64" || a == "amd64") {
		p.architecture = "amd64";
		if (p.variant == "v1")
			p.variant.clear();
	} else if (a == "aarch64" || a == "arm64") {
		p.architecture = "arm64";
		if (p.variant == "v8" || p.variant == "v8.0")
			p.variant.clear();
	} else if (a == "armhf") {
		p.architecture = "arm";
		p.variant = "v7";
	} else if (a == "armel") {
		p.architecture = "arm";
		p.variant = "v6";
	} else if (a == "arm") {
		if (p.variant.empty())
			p.variant = "v7";
	} else if (a == "i386" || a == "i686") {
		p.architecture = "386";
	}
	return p;
}

Platform hostPlatform()
{
	Platform p{"linux", "", ""};
#if defined(__x86_64__)
	p.architecture = "amd64";
#elif defined(__aarch64__)
	p.architecture = "arm64";
#elif defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7
	p.architecture = "arm";
	p.variant = "v7";
#elif defined(__arm__)
	p.architecture = "arm";
	p.variant = "v6";
#elif defined(__i386__)
	p.architecture = "386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	p.architecture = "ppc64le";
#elif defined(__s390x__)
	p.architecture = "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	p.architecture = "riscv64";
#else
	p.architecture = "unknown";
#endif
	return p;
}

std::string platformString(const Platform &p)
{
	return p.os + "/" + p.architecture + (p.variant.empty() ? "" : "/" + p.variant);
}

Result<Platform> parsePlatform(std::string_view text)
{
	std::vector<std::string> parts;
	size_t start = 0;
	for (;;) {
		size_t slash = text.find('/', start);
		parts.emplace_back(text.substr(start, slash - start));
		if (slash == std::string_view::npos)
			break;
		start = slash + 1;
	}
	bool empty = std::any_of(parts.begin(), parts.end(),
				 [](const std::string &s) { return s.empty(); });
	if (parts.size() < 2 || parts.size() > 3 || empty)
		return err(Errc::InvalidArgument, "platform '" + std::string(text) +
							  "': expected OS/ARCH[/VARIANT] "
							  "(linux/amd64, linux/arm64/v8)");
	return normalizePlatform({parts[0], parts[1], parts.size() == 3 ? parts[2] : ""});
}

Result<IndexEntry> selectPlatform(const ImageIndex &index, const std::optional<Platform> &requested)
{
	Platform want = normalizePlatform(requested ? *requested : hostPlatform());
	auto candidates = acceptable(want);
	const IndexEntry *best = nullptr;
	size_t bestRank = candidates.size();
	std::vector<const IndexEntry *> real;
	for (const auto &e : index.manifests) {
		if (isAttestation(e))
			continue;
		real.push_back(&e);
		if (!e.platform)
			continue;
		Platform have = normalizePlatform(*e.platform);
		for (size_t r = 0; r < bestRank; ++r) {
			const Platform &c = candidates[r];
			// An unversioned request for another architecture takes any variant.
			bool anyVariant = r == 0 && want.variant.empty() && candidates.size() == 1;
			if (have.os == c.os && have.architecture == c.architecture &&
			    (have.variant == c.variant || anyVariant)) {
				best = &e;
				bestRank = r;
				break;
			}
		}
	}
	if (best)
		return *best;
	if (!requested && real.size() == 1)
		return *real.front();
	std::string seen;
	for (const auto &e : index.manifests) {
		if (isAttestation(e))
			continue;
		seen += seen.empty() ? "" : ", ";
		seen += e.platform ? platformString(normalizePlatform(*e.platform))
				   : std::string("(no platform)");
	}
	return err(Errc::NotFound,
		   "index has no manifest for platform " + platformString(want) +
			   (requested ? "" : " (this host's)") + "; it has " +
			   (seen.empty() ? std::string("no image manifests") : "[" + seen + "]") +
			   (requested ? "" : "; choose one with --platform"));
}

Result<IndexEntry> selectPlatform(const ImageIndex &index, std::string_view text)
{
	if (text.empty())
		return selectPlatform(index, std::nullopt);
	return selectPlatform(index, TB_TRY(parsePlatform(text)));
}

} // namespace tb::support
