// SPDX-License-Identifier: Apache-2.0
// Writable per-run views of a shared kernel cache: overlayfs, or a copy where mounting is
// not allowed (rootless).
#include "run/cache_view.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <sys/mount.h>

namespace fs = std::filesystem;

namespace tb::run {

CacheView::CacheView(CacheView &&o) noexcept
    : path(std::move(o.path)), kind(o.kind), root(std::move(o.root))
{
	o.root.clear();
	o.path.clear();
}

CacheView &CacheView::operator=(CacheView &&o) noexcept
{
	if (this != &o) {
		remove();
		path = std::move(o.path);
		kind = o.kind;
		root = std::move(o.root);
		o.root.clear();
		o.path.clear();
	}
	return *this;
}

void CacheView::remove() noexcept
{
	if (root.empty())
		return;
	if (kind == CacheViewKind::Overlay)
		::umount2(path.c_str(), MNT_DETACH);
	std::error_code ec;
	fs::remove_all(root, ec);
	root.clear();
	path.clear();
}

Result<CacheView> makeCacheView(const std::string &shared, const std::string &runDir,
				CacheViewKind kind)
{
	std::error_code ec;
	fs::create_directories(runDir, ec);
	if (ec)
		return err(Errc::Io, "creating '" + runDir + "': " + ec.message());
	CacheView view;
	view.root = runDir;
	if (kind != CacheViewKind::Copy) {
		std::string upper = runDir + "/upper", work = runDir + "/work",
			    merged = runDir + "/cache";
		for (const auto &d : {upper, work, merged})
			fs::create_directory(d, ec);
		std::string data = "lowerdir=" + shared + ",upperdir=" + upper + ",workdir=" + work;
		if (!ec && ::mount("overlay", merged.c_str(), "overlay", MS_NOSUID | MS_NODEV,
				   data.c_str()) == 0) {
			view.kind = CacheViewKind::Overlay;
			view.path = merged;
			return view;
		}
		int e = ec ? ec.value() : errno;
		if (kind == CacheViewKind::Overlay)
			return err(Errc::Unsupported,
				   "overlay mount on '" + merged + "': " + std::strerror(e));
		fs::remove_all(runDir, ec);
		fs::create_directories(runDir, ec);
	}
	view.kind = CacheViewKind::Copy;
	view.path = runDir + "/cache";
	fs::copy(shared, view.path, fs::copy_options::recursive | fs::copy_options::copy_symlinks,
		 ec);
	if (ec)
		return err(Errc::Io,
			   "copying '" + shared + "' to '" + view.path + "': " + ec.message());
	return view;
}

} // namespace tb::run
