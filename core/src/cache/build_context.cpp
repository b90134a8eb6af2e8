// SPDX-License-Identifier: Apache-2.0
// `tb create --dockerfile`: the Dockerfile and its staged build context next to it.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>

#include <fmt/core.h>

#include <tb/caches.h>

namespace tb {

namespace {

namespace fs = std::filesystem;

constexpr const char *ContextCache = "io.triton.cache";
constexpr const char *ContextManifest = "io.triton.manifest";
constexpr const char *ContextStamp = ".tb-build-context";

bool isWithin(const fs::path &inner, const fs::path &outer)
{
	auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
	return o == outer.end();
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
		return err(Errc::Io, fmt::format("staging '{}': {}", src.string(), ec.message()));
	return {};
}

Result<void> writeTree(const fs::path &tmp, const ScannedCache &scan)
{
	std::error_code ec;
	auto dir = [&](const fs::path &p) -> Result<void> {
		if (fs::create_directory(p, ec); !ec)
			fs::permissions(p, fs::perms(0755), ec);
		if (ec)
			return err(Errc::Io,
				   fmt::format("creating '{}': {}", p.string(), ec.message()));
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
		return err(Errc::Io, fmt::format("writing '{}'", (tmp / ContextManifest).string()));
	return {};
}

// The private staging dir; whatever is left in it (an old context swapped out) goes with it.
struct StagingDir {
	fs::path path;
	~StagingDir()
	{
		std::error_code ec;
		if (!path.empty())
			fs::remove_all(path, ec);
	}
};

} // namespace

Result<DockerBuildContext> checkDockerBuildContext(const std::string &dockerfile,
						   const ScannedCache &cache)
{
	std::error_code ec;
	fs::path file = fs::absolute(dockerfile, ec).lexically_normal();
	DockerBuildContext c{file.string(), file.parent_path().string()};
	fs::path root = fs::weakly_canonical(cache.root, ec);
	if (isWithin(fs::weakly_canonical(c.dir, ec), root))
		return err(Errc::InvalidArgument,
			   fmt::format(
				   "its directory is inside the cache dir '{}'; write it elsewhere",
				   cache.root));
	for (const char *name : {ContextCache, ContextManifest}) {
		fs::path p = fs::path(c.dir) / name;
		if (!fs::exists(fs::symlink_status(p, ec)))
			continue;
		if (isWithin(root, fs::weakly_canonical(p, ec)))
			return err(Errc::InvalidArgument,
				   fmt::format("'{}' is the cache dir being packed; write the "
					       "Dockerfile in another directory",
					       p.string()));
		if (!fs::exists(fs::path(c.dir) / ContextStamp, ec))
			return err(
				Errc::Conflict,
				fmt::format("'{}' exists and was not staged by tb create; remove "
					    "it or write the Dockerfile elsewhere",
					    p.string()));
	}
	return c;
}

// Stage into a private dir, then swap each part in with one rename (the old one goes away
// with the private dir).
Result<void> writeDockerBuildContext(const DockerBuildContext &where, const ScannedCache &cache,
				     const CreateOptions &options)
{
	std::error_code ec;
	fs::path dir = where.dir, dockerfile = where.dockerfile;
	fs::create_directories(dir, ec);
	std::string tmpl = (dir / ".tb-context-XXXXXX").string();
	if (!::mkdtemp(tmpl.data()))
		return err(Errc::Io, fmt::format("creating a staging dir in '{}': {}", dir.string(),
						 std::strerror(errno)));
	StagingDir tmp{tmpl};
	TB_TRY(writeTree(tmp.path, cache));
	std::ofstream(dir / ContextStamp, std::ios::trunc)
		<< "tb create --dockerfile staged io.triton.cache/ and io.triton.manifest/ here;\n"
		   "the next run replaces them.\n";
	for (const char *name : {ContextCache, ContextManifest}) {
		std::string from = (tmp.path / name).string(), to = (dir / name).string();
		if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) !=
			    0 &&
		    (errno != EEXIST || ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(),
						    RENAME_EXCHANGE) != 0))
			return err(Errc::Io,
				   fmt::format("replacing '{}': {}", to, std::strerror(errno)));
	}
	std::ofstream d(tmp.path / "Dockerfile", std::ios::binary);
	d << cacheDockerfile(cache, options, ContextCache);
	if (!d.flush())
		return err(Errc::Io, fmt::format("writing Dockerfile '{}'", dockerfile.string()));
	d.close();
	fs::rename(tmp.path / "Dockerfile", dockerfile, ec);
	if (ec)
		return err(Errc::Io, fmt::format("writing Dockerfile '{}': {}", dockerfile.string(),
						 ec.message()));
	return {};
}

} // namespace tb
