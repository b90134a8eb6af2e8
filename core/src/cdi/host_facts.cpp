// SPDX-License-Identifier: Apache-2.0
// Host facts for CDI generation: node groups, the hook binary, library-directory links; each
// read once under the inventory's host root and kept with the inventory.
#include "host_facts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tb/host.h>

#include "tbsupport/host_fs.h"

namespace tb {

namespace cdi {

std::shared_ptr<HostFacts> newHostFacts()
{
	return std::make_shared<HostFacts>();
}

std::shared_ptr<HostFacts> HostFacts::of(const GpuInventory &inventory, std::string_view root)
{
	if (auto &f = inventory.hostFacts) {
		std::lock_guard lock(f->mutex_);
		if (!f->root_)
			f->root_ = std::string(root);
		if (*f->root_ == root)
			return f;
	}
	auto f = std::make_shared<HostFacts>();
	f->root_ = std::string(root);
	return f;
}

int HostFacts::at(std::string_view path, std::string &rel)
{
	if (!rootOpened_) {
		rootOpened_ = true;
		rootFd_.reset(
			::open(root_.value_or("/").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
	}
	if (!rootFd_.isValid()) {
		HostPaths p;
		p.hostRoot = root_.value_or("/");
		rel = hostPath(p, path);
		return AT_FDCWD;
	}
	size_t b = path.find_first_not_of('/');
	if (b == std::string_view::npos)
		rel = ".";
	else
		rel.assign(path.substr(b));
	return rootFd_.get();
}

int64_t HostFacts::nodeGid(std::string_view path)
{
	std::lock_guard lock(mutex_);
	if (auto it = gids_.find(path); it != gids_.end())
		return it->second;
	// Only a real node has a group (fixture stand-ins are plain files).
	int64_t gid = -1;
	struct stat st;
	std::string rel;
	int dir = at(path, rel);
	if (::fstatat(dir, rel.c_str(), &st, 0) == 0 &&
	    (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && st.st_gid != 0)
		gid = st.st_gid;
	gids_.emplace(std::string(path), gid);
	return gid;
}

std::string HostFacts::hookBinary()
{
	std::lock_guard lock(mutex_);
	if (!hook_) {
		hook_.emplace();
		for (const char *p :
		     {"/usr/bin/nvidia-cdi-hook", "/usr/local/bin/nvidia-cdi-hook"}) {
			struct stat st;
			std::string rel;
			int dir = at(p, rel);
			if (::fstatat(dir, rel.c_str(), &st, 0) == 0 && S_ISREG(st.st_mode)) {
				*hook_ = p;
				break;
			}
		}
	}
	return *hook_;
}

std::shared_ptr<const std::map<std::string, std::string>> HostFacts::links(const std::string &dir)
{
	std::lock_guard lock(mutex_);
	if (auto it = links_.find(dir); it != links_.end())
		return it->second;
	std::string rel;
	int base = at(dir, rel);
	auto raw = std::make_shared<const std::map<std::string, std::string>>(
		support::listLinksAt(base, rel.c_str()));
	links_.emplace(dir, raw);
	return raw;
}

} // namespace cdi

} // namespace tb
