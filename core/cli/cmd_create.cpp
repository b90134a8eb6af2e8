// SPDX-License-Identifier: Apache-2.0
// `tb create`: pack a Triton kernel cache directory into an image; prints the manifest digest.
#include <string>

#include <fmt/core.h>

#include <tb/caches.h>
#include <tb/printable.h>

#include "cli.h"

namespace tb::cli {

namespace {

struct CreateArgs {
	CacheCreateRequest request;
	bool quiet = false;
	RegistryFlags flags;
};

void printWarning(std::string_view message)
{
	fmt::print(stderr, "tb: warning: {}\n", printable(message));
}

Status run(Env &env, CreateArgs &a)
{
	Context *ctx = TB_TRY(env.openContext());
	a.request.warn = printWarning;
	auto r = TB_TRY(createCacheImage(*ctx, a.request));
	if (!a.quiet) {
		std::string targets;
		for (const auto &t : r.cache.targets)
			targets += fmt::format("{}{} {} (warp {})", targets.empty() ? "" : ", ",
					       t.backend, t.arch, t.warpSize);
		size_t files = 0;
		for (const auto &f : r.cache.files)
			files += f.directory ? 0 : 1;
		fmt::print(stderr,
			   "created {} ({}, {}): {} kernel(s), {} file(s), {} bytes; targets: {}\n",
			   a.request.image, r.format, compressionName(r.options.compression),
			   r.cache.entries.size(), files, r.cache.sizeBytes, targets);
		if (r.buildContext)
			fmt::print(stderr,
				   "wrote {} and its build context {}/{{io.triton.cache,"
				   "io.triton.manifest}}/\n",
				   r.buildContext->dockerfile, r.buildContext->dir);
	}
	fmt::print("{}\n", r.result.manifestDigest.str());
	return ExitOk;
}

} // namespace

void registerCreate(CLI::App &app, Env &env)
{
	auto *cmd =
		app.add_subcommand("create", "Pack a Triton kernel cache directory into an image");
	static CreateArgs a;
	cmd->add_option("-i,--image", a.request.image,
			"Image to write: a store name (mycache:v1), oci:DIR[:TAG], "
			"oci-archive:FILE[:TAG], "
			"docker-archive:FILE[:REF], docker://HOST/REPO[:TAG]")
		->required();
	cmd->add_option("-d,--dir", a.request.dir, "Triton cache directory to pack")->required();
	cmd->add_option("--format", a.request.format,
			"Image format: compat (OCI image) or plain (OCI artifact)");
	cmd->add_option("--compression", a.request.compression,
			"Layer compression: gzip, zstd or none");
	cmd->add_flag("--docker", a.request.dockerMediaTypes,
		      "Docker schema2 media types (compat only)");
	cmd->add_option(
		"--created", a.request.created,
		"Creation time (RFC 3339 or Unix seconds); default none, for reproducible digests");
	cmd->add_option("--title", a.request.title,
			"org.opencontainers.image.title (default: none, so that the digest depends "
			"on the content only)");
	cmd->add_option("--dockerfile", a.request.dockerfile,
			"Also write the equivalent Dockerfile and its build context "
			"(io.triton.cache/, io.triton.manifest/ next to it; compat only)");
	cmd->add_option("--threads", a.request.threads,
			"Compression threads (default: one per CPU); the image is the same for any "
			"number")
		->check(CLI::NonNegativeNumber);
	cmd->add_flag("-q,--quiet", a.quiet, "Print only the digest");
	addRegistryFlags(cmd, a.flags);
	onRun(cmd, env, [&env]() {
		applyRegistryFlags(env, a.flags);
		quietTransfers(env, a.quiet);
		return run(env, a);
	});
}

} // namespace tb::cli
