// SPDX-License-Identifier: Apache-2.0
// Host facts for CDI generation: node groups, the hook binary, library-directory links; each
// read once under the inventory's host root and kept with the inventory.
#include "host_facts.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tb/host.h>

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

std::string HostFacts::local(std::string_view path) const
{
	HostPaths p;
	p.hostRoot = root_.value_or("/");
	return hostPath(p, path);
}

int64_t HostFacts::nodeGid(std::string_view path)
{
	std::lock_guard lock(mutex_);
	if (auto it = gids_.find(path); it != gids_.end())
		return it->second;
	// Only a real node has a group (fixture stand-ins are plain files).
	int64_t gid = -1;
	struct stat st;
	if (::stat(local(path).c_str(), &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) &&
	    st.st_gid != 0)
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
			if (::stat(local(p).c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
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
	auto raw = std::make_shared<std::map<std::string, std::string>>();
	if (DIR *d = ::opendir(local(dir).c_str())) {
		int fd = ::dirfd(d);
		while (dirent *e = ::readdir(d)) {
			if (e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
				continue;
			char buf[256];
			ssize_t n = ::readlinkat(fd, e->d_name, buf, sizeof buf);
			if (n > 0 && static_cast<size_t>(n) < sizeof buf)
				raw->emplace(e->d_name, std::string(buf, static_cast<size_t>(n)));
		}
		::closedir(d);
	}
	links_.emplace(dir, raw);
	return raw;
}

} // namespace cdi

} // namespace tb
