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

std::optional<std::string> owner(uid_t uid, const std::string &what, const struct stat &st)
{
	if (st.st_uid != 0 && st.st_uid != uid)
		return what + " is owned by uid " + std::to_string(st.st_uid) +
		       ", neither root nor this user";
	return std::nullopt;
}

bool within(const fs::path &p, const fs::path &root)
{
	auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
	return r == root.end() || (std::next(r) == root.end() && r->empty()); // "dir/" too
}

} // namespace

PluginTrust::PluginTrust(uid_t uid, const std::vector<std::string> &allowed) : uid_(uid)
{
	for (const auto &a : allowed) {
		std::error_code ec;
		fs::path root = fs::absolute(a, ec).lexically_normal();
		fs::path canon = fs::weakly_canonical(root, ec);
		allowed_.emplace_back(root.string(), ec ? std::string() : canon.string());
	}
}

bool PluginTrust::allowed(const std::string &path) const
{
	fs::path p(path);
	for (const auto &[root, canon] : allowed_)
		if (within(p, root) || (!canon.empty() && within(p, canon)))
			return true;
	return false;
}

// Only a group-writable file or directory needs it: most scans never read the passwd database.
gid_t PluginTrust::ownGroup()
{
	if (!ownGroup_)
		ownGroup_ = primaryGroup(uid_);
	return *ownGroup_;
}

// \a holding: the directory the plugin is in, where anyone who can write adds files.
std::optional<std::string> PluginTrust::dir(const std::string &path, bool holding)
{
	auto key = std::make_pair(path, holding);
	if (auto it = dirs_.find(key); it != dirs_.end())
		return it->second;
	auto verdict = [&]() -> std::optional<std::string> {
		struct stat st {};
		if (::stat(path.c_str(), &st) != 0)
			return "cannot check '" + path + "': " + std::strerror(errno);
		std::string what = "directory '" + path + "'";
		if (auto o = owner(uid_, what, st))
			return o;
		bool sticky = (st.st_mode & S_ISVTX) && !holding;
		if ((st.st_mode & S_IWOTH) && !sticky)
			return what + " is world-writable (mode " + octal(st.st_mode) + ")";
		if (!sticky && (st.st_mode & S_IWGRP) && st.st_gid != ownGroup())
			return what + " is writable by group " + std::to_string(st.st_gid) +
			       " (mode " + octal(st.st_mode) + ")";
		return std::nullopt;
	}();
	dirs_.emplace(key, verdict);
	return verdict;
}

std::optional<std::string> PluginTrust::chain(const std::string &file)
{
	struct stat st {};
	if (::stat(file.c_str(), &st) != 0)
		return "cannot check '" + file + "': " + std::strerror(errno);
	std::string what = "file '" + file + "'";
	if (auto o = owner(uid_, what, st))
		return o;
	if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != ownGroup()))
		return what + " is writable by other users (mode " + octal(st.st_mode) + ")";
	bool holding = true;
	for (fs::path d = fs::path(file).parent_path(); !d.empty(); d = d.parent_path()) {
		if (auto r = dir(d.string(), holding))
			return r;
		holding = false;
		if (d == d.parent_path())
			break;
	}
	return std::nullopt;
}

std::optional<std::string> PluginTrust::distrust(const std::string &path,
						 const std::string *canonical)
{
	std::error_code ec;
	std::string named = fs::absolute(path, ec).lexically_normal().string();
	std::string target = canonical ? *canonical : fs::canonical(named, ec).string();
	if (ec)
		return "cannot check '" + path + "': " + ec.message();
	if (allowed(named) || allowed(target))
		return std::nullopt;
	auto why = chain(target);
	if (!why && target != named) // a link: whoever can write its directory can re-point it
		why = chain(named);
	if (why)
		return "not loaded: " + *why + "; trust it with [core] trusted_plugin_paths";
	return std::nullopt;
}

std::optional<std::string> pluginDistrust(const std::string &path, uid_t uid,
					  const std::vector<std::string> &allowed)
{
	return PluginTrust(uid, allowed).distrust(path);
}

} // namespace tb
