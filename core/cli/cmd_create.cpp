// SPDX-License-Identifier: Apache-2.0
// `tb create`: pack a Triton kernel cache directory into an image; prints the manifest digest.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <fmt/core.h>

#include <tb/caches.h>
#include <tb/images.h>
#include <tb/printable.h>

#include "cli.h"

namespace tb::cli {

namespace {

namespace fs = std::filesystem;

struct CreateArgs {
	std::string image, dir, format, compression, created, dockerfile, title;
	bool docker = false;
	bool quiet = false;
	RegistryFlags flags;
	int threads = 0;
};

constexpr const char *ContextCache = "io.triton.cache";
constexpr const char *ContextManifest = "io.triton.manifest";
constexpr const char *ContextStamp = ".tb-build-context";

// --dockerfile writes FILE plus its build context next to it: DIR/io.triton.cache/ (exactly
// the files tb packs) and DIR/io.triton.manifest/manifest.json. tb replaces those two only
// where a previous run left its stamp (docs/spec/compat.md).
struct BuildContext {
	fs::path dockerfile, dir;
};

bool isWithin(const fs::path &inner, const fs::path &outer)
{
	auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
	return o == outer.end();
}

Result<BuildContext> checkBuildContext(const std::string &dockerfile, const ScannedCache &scan)
{
	std::error_code ec;
	BuildContext c;
	c.dockerfile = fs::absolute(dockerfile, ec).lexically_normal();
	c.dir = c.dockerfile.parent_path();
	std::string where = "--dockerfile '" + dockerfile + "'";
	fs::path root = fs::weakly_canonical(scan.root, ec);
	if (isWithin(fs::weakly_canonical(c.dir, ec), root))
		return err(Errc::InvalidArgument,
			   where + ": its directory is inside the cache dir '" + scan.root +
				   "'; write it elsewhere");
	for (const char *name : {ContextCache, ContextManifest}) {
		fs::path p = c.dir / name;
		if (!fs::exists(fs::symlink_status(p, ec)))
			continue;
		if (isWithin(root, fs::weakly_canonical(p, ec)))
			return err(Errc::InvalidArgument,
				   where + ": '" + p.string() +
					   "' is the cache dir being packed; write the Dockerfile "
					   "in another directory");
		if (!fs::exists(c.dir / ContextStamp, ec))
			return err(Errc::Conflict,
				   where + ": '" + p.string() +
					   "' exists and was not staged by tb create; "
					   "remove it or write the Dockerfile elsewhere");
	}
	return c;
}

// A hard link when the file already has the mode tb writes (no second copy of a big cache),
// else a copy given that mode: COPY keeps modes, and the image should have tb's 0644/0755.
Result<void> stageFile(const fs::path &src, const fs::path &dst, bool exec)
{
	fs::perms want = exec ? fs::perms(0755) : fs::perms(0644);
	std::error_code ec;
	auto st = fs::symlink_status(src, ec);
	if (!ec && fs::is_regular_file(st) && (st.permissions() & fs::perms::mask) == want) {
		fs::create_hard_link(src, dst, ec);
		if (!ec)
			return {};
	}
	ec.clear();
	if (fs::copy_file(src, dst, ec))
		fs::permissions(dst, want, ec);
	if (ec)
		return err(Errc::Io, "staging '" + src.string() + "': " + ec.message());
	return {};
}

Result<void> writeTree(const fs::path &tmp, const ScannedCache &scan)
{
	std::error_code ec;
	auto dir = [&](const fs::path &p) -> Result<void> {
		if (fs::create_directory(p, ec); !ec)
			fs::permissions(p, fs::perms(0755), ec);
		if (ec)
			return err(Errc::Io, "creating '" + p.string() + "': " + ec.message());
		return {};
	};
	TB_TRY(dir(tmp / ContextCache));
	for (const auto &f : scan.files) {
		fs::path dst = tmp / ContextCache / f.path;
		if (f.directory)
			TB_TRY(dir(dst));
		else
			TB_TRY(stageFile(fs::path(scan.root) / f.path, dst, f.executable));
	}
	TB_TRY(dir(tmp / ContextManifest));
	std::ofstream m(tmp / ContextManifest / "manifest.json", std::ios::binary);
	m << cacheManifestJson(scan);
	if (!m.flush())
		return err(Errc::Io, "writing '" + (tmp / ContextManifest).string() + "'");
	return {};
}

// Stage into a private dir, then swap each part in with one rename (the old one goes away
// with the private dir).
Result<void> writeBuildContext(const BuildContext &c, const ScannedCache &scan,
			       const CreateOptions &o)
{
	std::error_code ec;
	fs::create_directories(c.dir, ec);
	std::string tmpl = (c.dir / ".tb-context-XXXXXX").string();
	if (!::mkdtemp(tmpl.data()))
		return err(Errc::Io, "creating a staging dir in '" + c.dir.string() +
					     "': " + std::strerror(errno));
	fs::path tmp = tmpl;
	struct Cleanup {
		fs::path p;
		~Cleanup()
		{
			std::error_code e;
			fs::remove_all(p, e);
		}
	} cleanup{tmp};
	TB_TRY(writeTree(tmp, scan));
	std::ofstream(c.dir / ContextStamp, std::ios::trunc)
		<< "tb create --dockerfile staged io.triton.cache/ and io.triton.manifest/ here;\n"
		   "the next run replaces them.\n";
	for (const char *name : {ContextCache, ContextManifest}) {
		std::string from = (tmp / name).string(), to = (c.dir / name).string();
		if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) !=
			    0 &&
		    (errno != EEXIST || ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(),
						    RENAME_EXCHANGE) != 0))
			return err(Errc::Io, "replacing '" + to + "': " + std::strerror(errno));
	}
	std::ofstream d(tmp / "Dockerfile", std::ios::binary);
	d << cacheDockerfile(scan, o, ContextCache);
	if (!d.flush())
		return err(Errc::Io, "writing Dockerfile '" + c.dockerfile.string() + "'");
	d.close();
	fs::rename(tmp / "Dockerfile", c.dockerfile, ec);
	if (ec)
		return err(Errc::Io,
			   "writing Dockerfile '" + c.dockerfile.string() + "': " + ec.message());
	return {};
}

Status run(Env &env, const CreateArgs &a)
{
	Context *ctx = TB_TRY(env.openContext());
	auto [defFormat, defCompression] = createDefaults(*ctx);
	std::string formatName = a.format.empty() ? defFormat : a.format;
	auto compression =
		TB_TRY(parseCompression(a.compression.empty() ? defCompression : a.compression));
	CacheFormat *format = ctx->cacheFormat(formatName);
	if (!format)
		return err(Errc::InvalidArgument,
			   fmt::format("cache format '{}' is not available (plugin cache.{} not "
				       "loaded; see `tb plugins ls`)",
				       formatName, formatName));
	if (!a.dockerfile.empty() && format->variant() != "compat")
		return err(Errc::InvalidArgument,
			   fmt::format("--dockerfile needs --format compat: a Dockerfile builds a "
				       "container image, and the {} format is not one",
				       formatName));
	TB_TRY(parseImageReference(*ctx, a.image)); // a bad reference fails before the scan
	auto scanned = TB_TRY(scanTritonCache(a.dir));
	const ScannedCache *scan = &scanned;
	for (const auto &issue : scan->issues)
		std::fprintf(
			stderr, "tb: warning: %s\n",
			printable(scan->root + "/" + issue.path + ": " + issue.message).c_str());
	std::optional<BuildContext> build;
	if (!a.dockerfile.empty())
		build = TB_TRY(checkBuildContext(a.dockerfile, *scan));
	CreateOptions o;
	o.title = a.title; // opt-in: a digest depends on content only
	o.compression = compression;
	o.dockerMediaTypes = a.docker;
	o.threads = a.threads;
	if (!a.created.empty())
		o.created = a.created;
	o.extractLimits = extractLimits(*ctx); // never pack what tb extract here would refuse
	auto dest = TB_TRY(openImageDestination(*ctx, a.image));
	auto r = TB_TRY_CTX(createCache(*scan, *format, *dest, o), "creating '" + a.image + "'");
	if (build)
		TB_TRY_CTX(writeBuildContext(*build, *scan, o),
			   "--dockerfile '" + a.dockerfile + "'");
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
		if (build)
			std::fprintf(stderr, "wrote %s and its build context %s/{%s,%s}/\n",
				     build->dockerfile.c_str(), build->dir.c_str(), ContextCache,
				     ContextManifest);
	}
	fmt::print("{}\n", r.manifestDigest.str());
	return ExitOk;
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
			"docker-archive:FILE[:REF], docker://HOST/REPO[:TAG]")
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
			"org.opencontainers.image.title (default: none, so that the digest depends "
			"on the content only)");
	cmd->add_option("--dockerfile", a.dockerfile,
			"Also write the equivalent Dockerfile and its build context "
			"(io.triton.cache/, io.triton.manifest/ next to it; compat only)");
	cmd->add_option("--threads", a.threads,
			"Compression threads (default: one per CPU); the image is the same for any "
			"number")
		->check(CLI::NonNegativeNumber);
	cmd->add_flag("-q,--quiet", a.quiet, "Print only the digest");
	addRegistryFlags(cmd, a.flags);
	onRun(cmd, env, [&env]() {
		applyRegistryFlags(a.flags);
		quietTransfers(a.quiet);
		return run(env, a);
	});
}

} // namespace tb::cli
