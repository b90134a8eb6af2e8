// SPDX-License-Identifier: Apache-2.0
// Device-node lookup under a host root: stat() for real nodes, a text stand-in for fixtures.
#include "tbsupport/dev_node.h"

#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <tb/host.h>

#include "tbsupport/host_fs.h"
#include "tbsupport/host_tree.h"

namespace tb::support {

namespace {

std::optional<int64_t> parseDec(std::string_view s)
{
	if (s.empty() || s.size() > 10 ||
	    s.find_first_not_of("0123456789") != std::string_view::npos)
		return std::nullopt;
	return parseInt(s);
}

} // namespace

void splitDev(dev_t dev, int64_t &maj, int64_t &min)
{
	maj = static_cast<int64_t>(major(dev));
	min = static_cast<int64_t>(minor(dev));
}

Result<DeviceNode> parseNodeStandIn(std::string_view text)
{
	text = trim(text);
	auto bad = [&] {
		return err(Errc::Corrupt, "not a device stand-in (want \"c MAJ:MIN [MODE]\"): \"" +
						  std::string(text.substr(0, 40)) + "\"");
	};
	if (text.size() < 5 || (text[0] != 'c' && text[0] != 'b') || text[1] != ' ')
		return bad();
	DeviceNode n;
	n.type = text[0];
	std::string_view rest = trim(text.substr(2));
	size_t sp = rest.find(' ');
	std::string_view nums = rest.substr(0, sp);
	std::string_view mode = sp == std::string_view::npos ? "" : trim(rest.substr(sp + 1));
	size_t colon = nums.find(':');
	if (colon == std::string_view::npos)
		return bad();
	auto maj = parseDec(nums.substr(0, colon));
	auto min = parseDec(nums.substr(colon + 1));
	// Same ranges as glibc's dev_t: 12-bit major, 20-bit minor.
	if (!maj || !min || *maj > 0xfff || *min > 0xfffff)
		return bad();
	n.major = *maj;
	n.minor = *min;
	if (!mode.empty()) {
		if (mode.size() > 4 || mode.find_first_not_of("01234567") != std::string_view::npos)
			return bad();
		uint32_t m = 0;
		for (char c : mode)
			m = m * 8 + static_cast<uint32_t>(c - '0');
		n.fileMode = m;
	}
	return n;
}

namespace {

// The node \a absolute names, from its stat() result (\a statErrno when that failed) and,
// for a stand-in, its content as \a read returns it.
template<typename Read>
Result<DeviceNode> nodeFromStat(const struct stat *st, int statErrno, bool realRoot,
				std::string_view absolute, Read &&read)
{
	if (!st)
		return err(statErrno == ENOENT || statErrno == ENOTDIR ? Errc::NotFound : Errc::Io,
			   "cannot stat " + std::string(absolute) + ": " +
				   std::strerror(statErrno));
	DeviceNode n;
	n.path = std::string(absolute);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		n.type = S_ISCHR(st->st_mode) ? 'c' : 'b';
		splitDev(st->st_rdev, n.major, n.minor);
		n.fileMode = static_cast<uint32_t>(st->st_mode & 07777);
		return n;
	}
	if (!S_ISREG(st->st_mode) || realRoot || st->st_size > 256)
		return err(Errc::Corrupt, std::string(absolute) + " is not a device node");
	Result<std::string> text = read();
	if (!text)
		return unexpected(std::move(text).error());
	auto standIn = parseNodeStandIn(*text);
	if (!standIn)
		return unexpected(std::move(standIn).error().wrap(std::string(absolute)));
	standIn->path = n.path;
	return standIn;
}

} // namespace

Result<DeviceNode> statDeviceNode(const std::string &root, std::string_view absolute)
{
	std::string full = underRoot(root, absolute);
	struct stat st;
	bool ok = ::stat(full.c_str(), &st) == 0;
	return nodeFromStat(ok ? &st : nullptr, errno, isRealRoot(root), absolute,
			    [&] { return readFile(full, 256); });
}

Result<DeviceNode> statDeviceNode(const HostTree &tree, std::string_view absolute)
{
	struct stat st;
	bool ok = tree.stat(absolute, st) == 0;
	return nodeFromStat(ok ? &st : nullptr, errno, isRealRoot(tree.root()), absolute,
			    [&] { return tree.readFile(absolute, 256, true); }); // S_ISREG
}

} // namespace tb::support
