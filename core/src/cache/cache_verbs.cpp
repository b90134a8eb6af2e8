// SPDX-License-Identifier: Apache-2.0
// `tb create` and `tb extract` as one libtb call each, so a runtime or an operator can do in
// process what the CLI does; the CLI only parses flags and prints.
#include <filesystem>

#include <fmt/core.h>

#include <tb/caches.h>
#include <tb/context.h>
#include <tb/images.h>

namespace tb {

namespace {

namespace fs = std::filesystem;

// The last name of a reference: "quay.io:443/org/name:tag@sha256:…" -> "name".
std::string repositoryName(std::string s)
{
	if (auto at = s.find('@'); at != std::string::npos)
		s.resize(at);
	if (auto slash = s.rfind('/'); slash != std::string::npos)
		s = s.substr(slash + 1);
	if (auto colon = s.find(':'); colon != std::string::npos)
		s.resize(colon);
	return s;
}

// ExtractOptions takes a plain function pointer; requests carry a std::function.
void forwardWarning(void *user, std::string_view message)
{
	const auto &warn = *static_cast<const std::function<void(std::string_view)> *>(user);
	warn(message);
}

} // namespace

std::string defaultImageTitle(const ImageReference &ref)
{
	std::string loc = ref.location.substr(0, ref.location.find('@'));
	if (ref.transport != "oci" && ref.transport != "oci-archive" &&
	    ref.transport != "docker-archive") {
		while (loc.rfind("/", 0) == 0)
			loc.erase(0, 1); // docker://host/repo
		return repositoryName(loc);
	}
	// oci:DIR[:TAG] is named after DIR (a tag is a version), an archive after FILE's stem,
	// unless the tag is itself a reference (docker-archive:FILE:org/name:v1).
	auto colon = loc.find(':');
	std::string tag = colon == std::string::npos ? "" : loc.substr(colon + 1);
	if (ref.transport == "docker-archive" ? !tag.empty() : tag.find('/') != std::string::npos)
		return repositoryName(tag);
	fs::path p = fs::path(loc.substr(0, colon)).lexically_normal();
	if (p.filename().empty())
		p = p.parent_path(); // "dir/"
	return (ref.transport == "oci" ? p.filename() : p.stem()).string();
}

Result<CacheCreateReport> createCacheImage(Context &ctx, const CacheCreateRequest &request)
{
	auto [defFormat, defCompression] = createDefaults(ctx);
	CacheCreateReport report;
	report.format = request.format.empty() ? defFormat : request.format;
	report.options.compression = TB_TRY(parseCompression(
		request.compression.empty() ? defCompression : request.compression));
	CacheFormat *format = ctx.cacheFormat(report.format);
	if (!format)
		return err(Errc::InvalidArgument,
			   fmt::format("cache format '{}' is not available (plugin cache.{} not "
				       "loaded; see `tb plugins ls`)",
				       report.format, report.format));
	if (!request.dockerfile.empty() && format->variant() != "compat")
		return err(Errc::InvalidArgument,
			   fmt::format("--dockerfile needs --format compat: a Dockerfile builds a "
				       "container image, and the {} format is not one",
				       report.format));
	auto ref = TB_TRY(parseImageReference(ctx, request.image));
	report.cache = TB_TRY(scanTritonCache(request.dir));
	const ScannedCache &scan = report.cache;
	if (request.warn)
		for (const auto &issue : scan.issues)
			request.warn(
				fmt::format("{}/{}: {}", scan.root, issue.path, issue.message));
	// Refuse a build context tb cannot write before any image is written.
	std::string dockerfileFlag = fmt::format("--dockerfile '{}'", request.dockerfile);
	if (!request.dockerfile.empty())
		report.buildContext = TB_TRY_CTX(checkDockerBuildContext(request.dockerfile, scan),
						 dockerfileFlag);
	CreateOptions &o = report.options;
	o.title = request.title.empty() ? defaultImageTitle(ref) : request.title;
	o.dockerMediaTypes = request.dockerMediaTypes;
	if (!request.created.empty())
		o.created = request.created;
	auto dest = TB_TRY(openImageDestination(ctx, request.image));
	report.result = TB_TRY_CTX(createCache(scan, *format, *dest, o),
				   fmt::format("creating '{}'", request.image));
	if (report.buildContext)
		TB_TRY_CTX(writeDockerBuildContext(*report.buildContext, scan, o), dockerfileFlag);
	return report;
}

Result<ExtractReport> extractCacheImage(Context &ctx, const CacheExtractRequest &request)
{
	auto source = TB_TRY(openImageSource(ctx, request.image));
	auto image = TB_TRY(openCacheImage(*source, request.image, ctx.cacheFormats()));
	if (request.checkGpus) {
		auto preflight = TB_TRY(preflightCacheImage(ctx, image));
		if (request.onPreflight)
			request.onPreflight(image, preflight);
		if (!preflight.verdict) {
			Error e = std::move(preflight.verdict).error();
			e.message += "; pass --skip-compat to extract anyway";
			return unexpected(std::move(e));
		}
	}
	ExtractOptions o;
	o.limits = extractLimits(ctx);
	if (request.warn) {
		o.warn = forwardWarning;
		o.warnUser = const_cast<std::function<void(std::string_view)> *>(&request.warn);
	}
	return extractCache(*source, image, defaultTritonCacheDir(request.destination), o);
}

} // namespace tb
