// SPDX-License-Identifier: Apache-2.0
// `tb extract`: lock the destination, stage and verify every layer, then rename entries in.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

#include <tb/caches.h>

#include "cache/extract_place.h"
#include "cache/layer_stream.h"
#include "cache/staging_tree.h"
#include "tbsupport/temp_track.h"
#include "tbsupport/unique_fd.h"

namespace tb {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view StagingPrefix = ".tb-extract-";

// Holds an exclusive flock on the destination directory itself: no lock file is left behind.
class DirLock {
public:
	Result<void> acquire(const std::string &dir, const ExtractOptions &options)
	{
		fd_.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		if (!fd_.isValid())
			return err(Errc::Io, "opening '" + dir + "': " + std::strerror(errno));
		if (::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0)
			return {};
		if (errno != EWOULDBLOCK)
			return err(Errc::Io, "locking '" + dir + "': " + std::strerror(errno));
		if (options.warn)
			options.warn(options.warnUser,
				     "waiting for another extract into '" + dir + "' to finish");
		while (::flock(fd_.get(), LOCK_EX) != 0)
			if (errno != EINTR)
				return err(Errc::Io,
					   "locking '" + dir + "': " + std::strerror(errno));
		return {};
	}
	int fd() const { return fd_.get(); }
	/// \brief Whether the directory we hold is still the one at \a dir (dev/ino).
	bool stillAt(const std::string &dir) const
	{
		struct stat held = {};
		struct stat now = {};
		return ::fstat(fd_.get(), &held) == 0 && ::stat(dir.c_str(), &now) == 0 &&
		       held.st_dev == now.st_dev && held.st_ino == now.st_ino;
	}
	void release() { fd_.reset(); }

private:
	support::UniqueFd fd_; ///< closing it drops the flock
};

// Leftovers of a killed extract; only ever removed while holding the lock.
void removeStaleStaging(const std::string &dest)
{
	std::error_code ec;
	for (fs::directory_iterator it(dest, ec), end; !ec && it != end; it.increment(ec)) {
		std::string name = it->path().filename().string();
		if (name.rfind(StagingPrefix, 0) == 0)
			fs::remove_all(it->path(), ec);
	}
}

// mkdir -p, remembering what we created so a failed extract can take it back.
Result<std::vector<std::string>> makeDestination(const fs::path &dest)
{
	std::vector<std::string> created;
	std::vector<fs::path> missing;
	std::error_code ec;
	for (fs::path p = dest; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
		missing.push_back(p);
		if (p == p.parent_path())
			break;
	}
	for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
		if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST)
			return err(Errc::Io,
				   "creating '" + it->string() + "': " + std::strerror(errno));
		created.push_back(it->string());
	}
	if (!fs::is_directory(dest, ec))
		return err(Errc::InvalidArgument,
			   "destination '" + dest.string() + "' is not a directory");
	return created;
}

// Create and lock DEST. An extract that created DEST and failed removes it while we wait on
// its lock; we then hold a deleted directory, so make DEST again and lock that.
Result<void> lockDestination(const fs::path &dest, DirLock &lock, std::vector<std::string> &created,
			     const ExtractOptions &options)
{
	constexpr int MaxAttempts = 100;
	for (int attempt = 0; attempt < MaxAttempts; ++attempt) {
		auto made = TB_TRY(makeDestination(dest));
		created.insert(created.end(), made.begin(), made.end());
		TB_TRY(lock.acquire(dest.string(), options));
		if (lock.stillAt(dest.string()))
			return {};
		lock.release();
	}
	return err(Errc::Conflict, "destination was removed and recreated " +
					   std::to_string(MaxAttempts) +
					   " times while waiting for its lock");
}

// The user's home directory: $HOME, else the passwd entry (as Python's expanduser does).
std::string homeDirectory()
{
	if (const char *h = std::getenv("HOME"); h && *h)
		return h;
	struct passwd pw {};
	struct passwd *found = nullptr;
	char buf[4096];
	if (::getpwuid_r(::getuid(), &pw, buf, sizeof buf, &found) == 0 && found && found->pw_dir &&
	    *found->pw_dir)
		return found->pw_dir;
	return {};
}

bool sameDirectory(const std::string &a, const std::string &b)
{
	struct stat sa = {};
	struct stat sb = {};
	return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// Entries land at the top of DEST: "/" or a home directory is a mistyped -d, never a cache.
Result<void> checkDestination(const fs::path &dest)
{
	std::string home = homeDirectory();
	bool isRoot = dest == dest.root_path() || sameDirectory(dest.string(), "/");
	bool isHome = !home.empty() && (dest == fs::path(home).lexically_normal() ||
					sameDirectory(dest.string(), home));
	if (isRoot || isHome)
		return err(Errc::InvalidArgument,
			   "refusing to extract into '" + dest.string() + "' (" +
				   (isRoot ? "the root directory" : "the home directory") +
				   "): give the cache dir itself, e.g. '" +
				   (home.empty() ? std::string("~") : home) + "/.triton/cache'");
	return {};
}

// Warnings name the image and the layer being read, as errors do.
struct WarnContext {
	const ExtractOptions *outer = nullptr;
	std::string image; ///< "extracting 'x': "
	std::string layer; ///< "layer sha256:…: " while one is read
};

void warnWithContext(void *user, std::string_view message)
{
	auto *w = static_cast<WarnContext *>(user);
	w->outer->warn(w->outer->warnUser, w->image + w->layer + std::string(message));
}

Result<void> stageLayers(ImageSource &source, const CacheImage &image, cache::StagingTree &tree,
			 const ExtractOptions &options, WarnContext &warnContext)
{
	int64_t total = 0;
	const auto &layers = image.info.contentLayers;
	for (size_t i = 0; i < layers.size(); ++i) {
		const Descriptor &l = layers[i];
		std::string ctx = "layer " + l.digest.str();
		warnContext.layer = ctx + ": ";
		const Digest *diffId =
			i < image.info.diffIds.size() ? &image.info.diffIds[i] : nullptr;
		if ((!diffId || diffId->empty()) && options.warn)
			options.warn(options.warnUser,
				     "no diff_id in the image; only the blob digest is verified");
		auto blob = TB_TRY_CTX(source.openBlob(l), ctx);
		total += TB_TRY_CTX(cache::extractLayer(*blob, l, diffId, tree, options, total),
				    ctx);
	}
	warnContext.layer.clear();
	if (tree.transientsSkipped() && options.warn)
		options.warn(options.warnUser,
			     "skipped " + std::to_string(tree.transientsSkipped()) +
				     " Triton temporary entr" +
				     (tree.transientsSkipped() == 1 ? "y" : "ies") + " (first: '" +
				     tree.firstTransient() + "'); Triton never reads them");
	if (!tree.sawCache())
		return err(Errc::Corrupt, "no io.triton.cache/ entries in " +
						  std::to_string(layers.size()) +
						  " layer(s): not a Triton cache image");
	return {};
}

} // namespace

Result<ExtractReport> extractCache(ImageSource &source, const CacheImage &image,
				   const std::string &destination, const ExtractOptions &outer)
{
	// The transports cap manifests at 4 MiB; [extract] max_manifest_bytes may ask for less.
	if (auto size = static_cast<int64_t>(image.manifest.bytes.size());
	    size > outer.limits.maxManifestBytes)
		return err(Errc::LimitExceeded,
			   fmt::format("extracting '{}': manifest is {} bytes, over "
				       "max_manifest_bytes {}",
				       image.name, size, outer.limits.maxManifestBytes));
	WarnContext warnContext{&outer, "extracting '" + image.name + "': ", ""};
	ExtractOptions options = outer;
	if (outer.warn) {
		options.warn = warnWithContext;
		options.warnUser = &warnContext;
	}
	if (destination.empty())
		return err(Errc::InvalidArgument,
			   "extracting '" + image.name +
				   "': no destination (an empty directory name; and no HOME, "
				   "passwd entry or TRITON_CACHE_DIR to default to)");
	std::error_code ec;
	fs::path dest = fs::absolute(destination, ec).lexically_normal();
	if (!dest.empty() && dest.filename().empty())
		dest = dest.parent_path(); // "dir/" -> "dir"
	std::string where = "extracting '" + image.name + "' into '" + dest.string() + "'";
	TB_TRY_CTX(checkDestination(dest), "extracting '" + image.name + "'");
	std::vector<std::string> created;
	auto undoCreate = [&created] {
		for (auto it = created.rbegin(); it != created.rend(); ++it)
			::rmdir(it->c_str()); // only succeeds while empty
	};
	DirLock lock;
	if (auto r = lockDestination(dest, lock, created, options); !r) {
		undoCreate();
		return unexpected(std::move(r).error().wrap(where));
	}
	removeStaleStaging(dest.string());
	std::string staging = (dest / (std::string(StagingPrefix) + "XXXXXX")).string();
	// A SIGINT/SIGTERM removes it too; after a SIGKILL the next extract here does.
	support::TempTrack track;
	if (support::createTracked(staging, track, true) < 0) {
		undoCreate();
		return err(Errc::Io, where + ": staging dir: " + std::strerror(errno));
	}
	auto cleanup = [&] {
		fs::remove_all(staging, ec);
		track.reset();
	};
	support::UniqueFd stagingDir(::open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	int stagingFd = stagingDir.get();
	ExtractReport report;
	report.destination = dest.string();
	report.variant = std::string(image.info.variant);
	Result<void> r;
	if (stagingFd < 0) {
		r = err(Errc::Io, "staging dir: " + std::string(std::strerror(errno)));
	} else {
		cache::StagingTree tree(stagingFd, options);
		r = stageLayers(source, image, tree, options, warnContext);
		if (r) {
			report.files = tree.cacheFiles();
			report.bytes = tree.cacheBytes();
			if (tree.manifestJson())
				report.entries =
					cache::entriesFromManifest(*tree.manifestJson(), options);
		}
	}
	if (r) {
		auto rewritten = cache::rewriteGroups(
			staging, options.groupRoot.empty() ? dest.string() : options.groupRoot);
		if (rewritten)
			report.groupsRewritten = *rewritten;
		else
			r = unexpected(std::move(rewritten).error());
	}
	if (r)
		r = cache::placeEntries(stagingFd, lock.fd(), staging, dest.string(), report);
	stagingDir.reset();
	cleanup();
	if (!r) {
		if (report.added.empty() && report.replaced.empty())
			undoCreate();
		return unexpected(std::move(r).error().wrap("extracting '" + image.name + "'"));
	}
	return report;
}

std::string defaultTritonCacheDir(const std::string &explicitDir)
{
	if (!explicitDir.empty())
		return explicitDir;
	if (const char *d = std::getenv("TRITON_CACHE_DIR"); d && *d)
		return d;
	// Triton: TRITON_HOME, else os.path.expanduser("~"): $HOME, else the passwd entry.
	const char *th = std::getenv("TRITON_HOME");
	std::string home = th && *th ? th : homeDirectory();
	if (home.empty())
		return {}; // no home at all: extractCache says so
	return home + "/.triton/cache";
}

} // namespace tb
