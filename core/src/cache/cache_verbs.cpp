// SPDX-License-Identifier: Apache-2.0
// `tb create` and `tb extract` as one libtb call each, so a runtime or an operator can do in
// process what the CLI does; the CLI only parses flags and prints.
#include <fmt/core.h>

#include <tb/caches.h>
#include <tb/context.h>
#include <tb/images.h>

namespace tb {

namespace {

// ExtractOptions takes a plain function pointer; requests carry a std::function.
void forwardWarning(void *user, std::string_view message)
{
	const auto &warn = *static_cast<const std::function<void(std::string_view)> *>(user);
	warn(message);
}

} // namespace

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
	TB_TRY(parseImageReference(ctx, request.image)); // a bad reference fails before the scan
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
	o.title = request.title; // opt-in: a digest depends on content only
	o.dockerMediaTypes = request.dockerMediaTypes;
	o.threads = request.threads;
	if (!request.created.empty())
		o.created = request.created;
	o.extractLimits = extractLimits(ctx); // never pack what tb extract here would refuse
	auto dest = TB_TRY(openImageDestination(ctx, request.image));
	report.result = TB_TRY_CTX(createCache(scan, *format, *dest, o),
				   fmt::format("creating '{}'", request.image));
	if (report.buildContext)
		TB_TRY_CTX(writeDockerBuildContext(*report.buildContext, scan, o), dockerfileFlag);
	return report;
}

Result<ExtractReport> extractCacheImage(Context &ctx, const CacheExtractRequest &request)
{
	// -d '' is a mistake (an unset variable), never a request for the default.
	if (request.destination && request.destination->empty())
		return err(Errc::InvalidArgument, "-d/--dir: empty directory name");
	auto source = TB_TRY(openImageSource(ctx, request.image));
	auto image = TB_TRY(
		openCacheImage(*source, request.image, ctx.cacheFormats(), request.platform));
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
	o.allowAnyTopLevel = request.allowAnyTopLevel;
	if (request.warn) {
		o.warn = forwardWarning;
		o.warnUser = const_cast<std::function<void(std::string_view)> *>(&request.warn);
	}
	return extractCache(*source, image, defaultTritonCacheDir(request.destination.value_or("")),
			    o);
}

} // namespace tb
