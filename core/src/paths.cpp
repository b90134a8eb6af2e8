// SPDX-License-Identifier: Apache-2.0
// XDG base directories and small-file helpers.
#include "internal/paths.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tbsupport/blob_file.h"

namespace tb::paths {

namespace {

std::string envOr(const char *name, const std::string &fallback)
{
	const char *v = std::getenv(name);
	// The XDG spec says relative values are invalid and must be ignored.
	return (v && v[0] == '/') ? std::string(v) : fallback;
}

} // namespace

std::string home()
{
	if (const char *h = std::getenv("HOME"); h && *h)
		return h;
	if (const passwd *pw = getpwuid(getuid()))
		return pw->pw_dir;
	return "/";
}

std::string xdgConfigHome()
{
	return envOr("XDG_CONFIG_HOME", home() + "/.config");
}
std::string xdgDataHome()
{
	return envOr("XDG_DATA_HOME", home() + "/.local/share");
}
std::string xdgStateHome()
{
	return envOr("XDG_STATE_HOME", home() + "/.local/state");
}
std::string xdgCacheHome()
{
	return envOr("XDG_CACHE_HOME", home() + "/.cache");
}
std::string xdgRuntimeDir()
{
	return envOr("XDG_RUNTIME_DIR", "/tmp/tb-" + std::to_string(getuid()));
}

Result<void> writeFileAtomic(const std::string &path, const std::string &data, bool overwrite)
{
	std::error_code ec;
	if (!overwrite && std::filesystem::exists(path, ec))
		return err(Errc::Conflict, path + ": already exists (use --force to replace it)");
	auto parent = std::filesystem::path(path).parent_path();
	if (!parent.empty()) {
		std::filesystem::create_directories(parent, ec);
		if (ec)
			return err(Errc::Io,
				   "create directory " + parent.string() + ": " + ec.message());
	}
	return support::writeFileAtomic(path, data);
}

} // namespace tb::paths
