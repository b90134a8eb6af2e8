// SPDX-License-Identifier: Apache-2.0
// Ownership and mode checks of plugin files and every directory above them (as ssh's
// StrictModes and sudo's plugin checks do).
#include "plugin_trust.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <pwd.h>
#include <sys/stat.h>

namespace tb {

namespace fs = std::filesystem;

namespace {

std::string octal(mode_t m)
{
	char buf[16];
	std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
	return buf;
}

gid_t primaryGroup(uid_t uid)
{
	struct passwd pw {};
	struct passwd *found = nullptr;
	char buf[4096];
	if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
		return found->pw_gid;
	return static_cast<gid_t>(-1); // no passwd entry: no group counts as the user's own
}

struct Checker {
	uid_t uid;
	gid_t ownGroup;

	std::optional<std::string> owner(const std::string &what, const struct stat &st) const
	{
		if (st.st_uid != 0 && st.st_uid != uid)
			return what + " is owned by uid " + std::to_string(st.st_uid) +
			       ", neither root nor this user";
		return std::nullopt;
	}
	bool groupWritable(const struct stat &st) const
	{
		return (st.st_mode & S_IWGRP) && st.st_gid != ownGroup;
	}

	std::optional<std::string> file(const fs::path &p) const
	{
		struct stat st {};
		if (::stat(p.c_str(), &st) != 0)
			return "cannot check '" + p.string() + "': " + std::strerror(errno);
		std::string what = "file '" + p.string() + "'";
		if (auto o = owner(what, st))
			return o;
		if ((st.st_mode & S_IWOTH) || groupWritable(st))
			return what + " is writable by other users (mode " + octal(st.st_mode) +
			       ")";
		return std::nullopt;
	}

	// \a holding: the directory the plugin is in, where anyone who can write adds files.
	std::optional<std::string> dir(const fs::path &p, bool holding) const
	{
		struct stat st {};
		if (::stat(p.c_str(), &st) != 0)
			return "cannot check '" + p.string() + "': " + std::strerror(errno);
		std::string what = "directory '" + p.string() + "'";
		if (auto o = owner(what, st))
			return o;
		bool sticky = (st.st_mode & S_ISVTX) && !holding;
		if ((st.st_mode & S_IWOTH) && !sticky)
			return what + " is world-writable (mode " + octal(st.st_mode) + ")";
		if (groupWritable(st) && !sticky)
			return what + " is writable by group " + std::to_string(st.st_gid) +
			       " (mode " + octal(st.st_mode) + ")";
		return std::nullopt;
	}

	std::optional<std::string> chain(const fs::path &file) const
	{
		if (auto r = this->file(file))
			return r;
		bool holding = true;
		for (fs::path d = file.parent_path(); !d.empty(); d = d.parent_path()) {
			if (auto r = dir(d, holding))
				return r;
			holding = false;
			if (d == d.parent_path())
				break;
		}
		return std::nullopt;
	}
};

bool within(const fs::path &p, const fs::path &root)
{
	auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
	return r == root.end() || (std::next(r) == root.end() && r->empty()); // "dir/" too
}

bool isAllowed(const fs::path &p, const std::vector<std::string> &allowed)
{
	for (const auto &a : allowed) {
		std::error_code ec;
		fs::path root = fs::absolute(a, ec).lexically_normal();
		fs::path canon = fs::weakly_canonical(root, ec);
		if (within(p, root) || (!ec && within(p, canon)))
			return true;
	}
	return false;
}

} // namespace

std::optional<std::string> pluginDistrust(const std::string &path, uid_t uid,
					  const std::vector<std::string> &allowed)
{
	std::error_code ec;
	fs::path named = fs::absolute(path, ec).lexically_normal();
	fs::path target = fs::canonical(named, ec);
	if (ec)
		return "cannot check '" + path + "': " + ec.message();
	if (isAllowed(named, allowed) || isAllowed(target, allowed))
		return std::nullopt;
	Checker c{uid, primaryGroup(uid)};
	auto why = c.chain(target);
	if (!why && target != named) // a link: whoever can write its directory can re-point it
		why = c.chain(named);
	if (why)
		return "not loaded: " + *why + "; trust it with [core] trusted_plugin_paths";
	return std::nullopt;
}

} // namespace tb
