// SPDX-License-Identifier: Apache-2.0
// __grp__ child-path rewriting and atomic per-entry placement of a verified staging tree.
#include "cache/extract_place.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <tb/printable.h>

#include "cache/cache_internal.h"
#include "tbsupport/cache_meta.h"

namespace tb::cache {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr uintmax_t MaxGroupBytes = 16u << 20;

Result<std::string> readFile(const fs::path &p)
{
	std::ifstream in(p, std::ios::binary);
	if (!in)
		return err(Errc::Io, "reading '" + p.string() + "'");
	return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Triton writes json.dumps() style: {"child_paths": {"a.json": "/x/a.json", ...}}.
std::string tritonGroupJson(const json::object &children)
{
	std::string out = "{\"child_paths\": {";
	bool first = true;
	for (const auto &kv : children) {
		out += (first ? "" : ", ") + support::jsonQuote(kv.key()) + ": " +
		       support::jsonQuote(kv.value().get_string());
		first = false;
	}
	return out + "}}";
}

Result<bool> rewriteGroup(const fs::path &file, const std::string &dest, const std::string &key)
{
	std::error_code ec;
	if (fs::file_size(file, ec) > MaxGroupBytes)
		return err(Errc::LimitExceeded, "'" + file.filename().string() + "' over 16 MiB");
	std::string text = TB_TRY(readFile(file));
	boost::system::error_code jec;
	json::value v = json::parse(text, jec);
	json::object *o = jec ? nullptr : v.if_object();
	json::value *cp = o ? o->if_contains("child_paths") : nullptr;
	if (!cp || !cp->is_object())
		return false; // not a Triton group file: leave it as it is
	bool changed = false, allStrings = true;
	for (auto &kv : cp->get_object()) {
		if (!kv.value().is_string()) {
			allStrings = false;
			continue;
		}
		std::string old(kv.value().get_string());
		std::string name = fs::path(old).filename().string();
		if (name.empty())
			continue;
		std::string now = dest + "/" + key + "/" + name;
		if (now != old) {
			kv.value() = now;
			changed = true;
		}
	}
	if (!changed)
		return false;
	std::string out = o->size() == 1 && allStrings ? tritonGroupJson(cp->get_object())
						       : json::serialize(v);
	fs::path tmp = file;
	tmp += ".tb-tmp";
	{
		std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
		f << out;
		if (!f.flush())
			return err(Errc::Io, "writing '" + tmp.string() + "'");
	}
	fs::permissions(tmp, fs::status(file, ec).permissions(), ec);
	fs::rename(tmp, file, ec);
	if (ec)
		return err(Errc::Io, "replacing '" + file.string() + "': " + ec.message());
	return true;
}

} // namespace

std::vector<CacheEntry> entriesFromManifest(const std::string &text, const ExtractOptions &options)
{
	auto entries = support::parseEntries(text);
	if (entries)
		return *entries;
	if (options.warn)
		options.warn(options.warnUser,
			     "io.triton.manifest/manifest.json: " + entries.error().message);
	return {};
}

Result<int64_t> rewriteGroups(const std::string &staging, const std::string &dest)
{
	int64_t count = 0;
	std::error_code ec;
	for (fs::directory_iterator top(staging, ec), end; !ec && top != end; top.increment(ec)) {
		if (!top->is_directory(ec) || top->is_symlink(ec))
			continue;
		std::string key = top->path().filename().string();
		for (fs::directory_iterator it(top->path(), ec); !ec && it != end;
		     it.increment(ec)) {
			std::string name = it->path().filename().string();
			if (name.rfind("__grp__", 0) != 0 || it->path().extension() != ".json" ||
			    !it->is_regular_file(ec) || it->is_symlink(ec))
				continue;
			if (TB_TRY_CTX(rewriteGroup(it->path(), dest, key),
				       "entry '" + printable(key + "/" + name) + "'"))
				++count;
		}
	}
	if (ec)
		return err(Errc::Io, "listing the staging dir: " + ec.message());
	return count;
}

bool sameTree(const std::string &a, const std::string &b)
{
	std::error_code ec1, ec2;
	auto sa = fs::symlink_status(a, ec1), sb = fs::symlink_status(b, ec2);
	if (ec1 || ec2 || sa.type() != sb.type())
		return false;
	if (fs::is_symlink(sa))
		return fs::read_symlink(a, ec1) == fs::read_symlink(b, ec2) && !ec1 && !ec2;
	if (fs::is_regular_file(sa)) {
		if (fs::file_size(a, ec1) != fs::file_size(b, ec2) || ec1 || ec2)
			return false;
		std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
		std::vector<char> ba(1 << 16), bb(1 << 16);
		while (fa && fb) {
			fa.read(ba.data(), ba.size());
			fb.read(bb.data(), bb.size());
			if (fa.gcount() != fb.gcount() ||
			    std::memcmp(ba.data(), bb.data(), static_cast<size_t>(fa.gcount())) !=
				    0)
				return false;
		}
		return true;
	}
	if (!fs::is_directory(sa))
		return false;
	auto names = [](const std::string &d) {
		std::vector<std::string> out;
		std::error_code ec;
		for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec))
			out.push_back(it->path().filename().string());
		std::sort(out.begin(), out.end());
		return out;
	};
	auto na = names(a), nb = names(b);
	if (na != nb)
		return false;
	for (const auto &n : na)
		if (!sameTree(a + "/" + n, b + "/" + n))
			return false;
	return true;
}

namespace {

bool isRealDir(const std::string &p)
{
	std::error_code ec;
	return fs::is_directory(fs::symlink_status(p, ec));
}

// Bring \a to in line with \a from, file by file: each rename is atomic, and files that only
// exist in \a to (written there by Triton or by hand) are kept. \return whether \a to changed
Result<bool> mergeInto(const std::string &from, const std::string &to)
{
	bool changed = false;
	std::error_code ec;
	std::vector<std::string> names;
	for (fs::directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec))
		names.push_back(it->path().filename().string());
	if (ec)
		return err(Errc::Io, "listing '" + from + "': " + ec.message());
	for (const auto &n : names) {
		std::string f = from + "/" + n, t = to + "/" + n;
		if (::renameat2(AT_FDCWD, f.c_str(), AT_FDCWD, t.c_str(), RENAME_NOREPLACE) == 0) {
			changed = true;
			continue;
		}
		if (errno != EEXIST)
			return err(Errc::Io,
				   "moving '" + t + "' into place: " + std::strerror(errno));
		if (sameTree(f, t))
			continue;
		if (isRealDir(f) && isRealDir(t)) {
			changed = TB_TRY(mergeInto(f, t)) || changed;
			continue;
		}
		if (::renameat2(AT_FDCWD, f.c_str(), AT_FDCWD, t.c_str(), RENAME_EXCHANGE) != 0)
			return err(Errc::Io, "replacing '" + t + "': " + std::strerror(errno));
		changed = true;
	}
	return changed;
}

} // namespace

Result<void> placeEntries(int stagingFd, int destFd, const std::string &staging,
			  const std::string &dest, ExtractReport &report)
{
	std::vector<std::string> names;
	std::error_code ec;
	for (fs::directory_iterator it(staging, ec), end; !ec && it != end; it.increment(ec))
		names.push_back(it->path().filename().string());
	if (ec)
		return err(Errc::Io, "listing the staging dir: " + ec.message());
	std::sort(names.begin(), names.end());
	for (const auto &n : names) {
		if (::renameat2(stagingFd, n.c_str(), destFd, n.c_str(), RENAME_NOREPLACE) == 0) {
			report.added.push_back(n);
			continue;
		}
		if (errno != EEXIST)
			return err(Errc::Io, "moving '" + printable(n) +
						     "' into place: " + std::strerror(errno));
		if (sameTree(staging + "/" + n, dest + "/" + n)) {
			report.unchanged.push_back(n);
			continue;
		}
		bool changed = true;
		if (isRealDir(staging + "/" + n) && isRealDir(dest + "/" + n))
			changed = TB_TRY(mergeInto(staging + "/" + n, dest + "/" + n));
		else if (::renameat2(stagingFd, n.c_str(), destFd, n.c_str(), RENAME_EXCHANGE) != 0)
			return err(Errc::Io,
				   "replacing '" + printable(n) + "': " + std::strerror(errno));
		(changed ? report.replaced : report.unchanged).push_back(n);
	}
	return {};
}

} // namespace tb::cache
