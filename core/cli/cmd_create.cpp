// SPDX-License-Identifier: Apache-2.0
// `tb create`: pack a Triton kernel cache directory into an image; prints the manifest digest.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/core.h>

#include <tb/caches.h>
#include <tb/images.h>

#include "cli.h"

namespace tb::cli {

namespace {

namespace fs = std::filesystem;

struct CreateArgs {
	std::string image, dir, format, compression, created, dockerfile, title;
	bool docker = false;
	bool quiet = false;
};

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

// org.opencontainers.image.title: the image name without registry path, tag or digest. For
// oci:DIR[:TAG] that is DIR's name (a tag is a version), for archives FILE's stem, unless the
// tag is itself a reference (docker-archive:FILE:org/name:v1).
std::string defaultTitle(const ImageReference &ref)
{
	std::string loc = ref.location.substr(0, ref.location.find('@'));
	if (ref.transport != "oci" && ref.transport != "oci-archive" &&
	    ref.transport != "docker-archive") {
		while (loc.rfind("/", 0) == 0)
			loc.erase(0, 1); // docker://host/repo
		return repositoryName(loc);
	}
	auto colon = loc.find(':');
	std::string tag = colon == std::string::npos ? "" : loc.substr(colon + 1);
	if (ref.transport == "docker-archive" ? !tag.empty() : tag.find('/') != std::string::npos)
		return repositoryName(tag);
	fs::path p = fs::path(loc.substr(0, colon)).lexically_normal();
	if (p.filename().empty())
		p = p.parent_path(); // "dir/"
	return (ref.transport == "oci" ? p.filename() : p.stem()).string();
}

Result<void> writeDockerfile(const CreateArgs &a, const ScannedCache &scan, const CreateOptions &o)
{
	fs::path file = fs::absolute(a.dockerfile);
	fs::path context = file.parent_path();
	std::error_code ec;
	std::string rel = fs::relative(scan.root, context, ec).string();
	if (ec || rel.empty() || rel.rfind("..", 0) == 0)
		rel = scan.root; // outside the build context: the user has to move one of them
	std::string manifestDir = (context / "io.triton.manifest").string();
	fs::create_directories(manifestDir, ec);
	std::ofstream m(manifestDir + "/manifest.json", std::ios::trunc | std::ios::binary);
	m << cacheManifestJson(scan);
	std::ofstream d(file, std::ios::trunc | std::ios::binary);
	d << cacheDockerfile(scan, o, rel);
	if (!m.flush() || !d.flush())
		return err(Errc::Io, "writing Dockerfile '" + file.string() + "'");
	return {};
}

void run(Env &env, const CreateArgs &a)
{
	Context *ctx = env.context();
	if (!ctx)
		return;
	auto [defFormat, defCompression] = createDefaults(*ctx);
	std::string formatName = a.format.empty() ? defFormat : a.format;
	auto compression = parseCompression(a.compression.empty() ? defCompression : a.compression);
	if (!compression) {
		env.fail(compression.error());
		return;
	}
	CacheFormat *format = ctx->cacheFormat(formatName);
	if (!format) {
		env.fail({Errc::InvalidArgument,
			  "cache format '" + formatName + "' is not available (plugin cache." +
				  formatName + " not loaded; see `tb plugins ls`)"});
		return;
	}
	auto ref = parseImageReference(*ctx, a.image);
	if (!ref) {
		env.fail(ref.error());
		return;
	}
	auto scan = scanTritonCache(a.dir);
	if (!scan) {
		env.fail(scan.error());
		return;
	}
	for (const auto &issue : scan->issues)
		std::fprintf(stderr, "tb: warning: %s/%s: %s\n", scan->root.c_str(),
			     issue.path.c_str(), issue.message.c_str());
	CreateOptions o;
	o.title = a.title.empty() ? defaultTitle(*ref) : a.title;
	o.compression = *compression;
	o.dockerMediaTypes = a.docker;
	if (!a.created.empty())
		o.created = a.created;
	auto dest = openImageDestination(*ctx, a.image);
	if (!dest) {
		env.fail(dest.error());
		return;
	}
	auto r = createCache(*scan, *format, **dest, o);
	if (!r) {
		env.fail(std::move(r).error().wrap("creating '" + a.image + "'"));
		return;
	}
	if (!a.dockerfile.empty()) {
		if (auto w = writeDockerfile(a, *scan, o); !w) {
			env.fail(w.error());
			return;
		}
	}
	if (!a.quiet) {
		std::string targets;
		for (const auto &t : scan->targets)
			targets += fmt::format("{}{} {} (warp {})", targets.empty() ? "" : ", ",
					       t.backend, t.arch, t.warpSize);
		size_t files = 0;
		for (const auto &f : scan->files)
			files += f.directory ? 0 : 1;
		std::fprintf(stderr,
			     "created %s (%s, %s): %zu kernel(s), %zu file(s), %lld bytes; "
			     "targets: %s\n",
			     a.image.c_str(), formatName.c_str(),
			     std::string(compressionName(o.compression)).c_str(),
			     scan->entries.size(), files, static_cast<long long>(scan->sizeBytes),
			     targets.c_str());
		if (!a.dockerfile.empty())
			std::fprintf(stderr,
				     "wrote %s and io.triton.manifest/manifest.json next to it\n",
				     a.dockerfile.c_str());
	}
	fmt::print("{}\n", r->manifestDigest.str());
}

} // namespace

void registerCreate(CLI::App &app, Env &env)
{
	auto *cmd =
		app.add_subcommand("create", "Pack a Triton kernel cache directory into an image");
	static CreateArgs a;
	cmd->add_option("-i,--image", a.image,
			"Image to write: a store name (mycache:v1), oci:DIR[:TAG], "
			"oci-archive:FILE[:TAG], "
			"docker-archive:FILE[:REF]")
		->required();
	cmd->add_option("-d,--dir", a.dir, "Triton cache directory to pack")->required();
	cmd->add_option("--format", a.format,
			"Image format: compat (OCI image) or plain (OCI artifact)");
	cmd->add_option("--compression", a.compression, "Layer compression: gzip, zstd or none");
	cmd->add_flag("--docker", a.docker, "Docker schema2 media types (compat only)");
	cmd->add_option(
		"--created", a.created,
		"Creation time (RFC 3339 or Unix seconds); default none, for reproducible digests");
	cmd->add_option("--title", a.title,
			"org.opencontainers.image.title (default: the image name)");
	cmd->add_option("--dockerfile", a.dockerfile,
			"Also write the equivalent Dockerfile (for docker/buildah builds)");
	cmd->add_flag("-q,--quiet", a.quiet, "Print only the digest");
	cmd->callback([&env]() { run(env, a); });
}

} // namespace tb::cli
