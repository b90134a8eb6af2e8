// SPDX-License-Identifier: Apache-2.0
// A real podman for the tests: private store, busybox-static rootfs image, runc wrapper.
#include "podman_harness.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TB_PODMAN_WRAPPER
#error "TB_PODMAN_WRAPPER (path of runc-no-rlimits) must be defined by the build"
#endif

namespace fs = std::filesystem;

namespace tb::test::podman {

namespace {

constexpr const char *kBusybox = "/bin/busybox";

std::string slurp(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

bool onPath(const std::string &program)
{
	const char *path = std::getenv("PATH");
	std::stringstream ss(path ? path : "");
	std::string d;
	while (std::getline(ss, d, ':'))
		if (!d.empty() && ::access((d + "/" + program).c_str(), X_OK) == 0)
			return true;
	return false;
}

// A static busybox runs in an empty rootfs; a dynamic one would need its libc there too.
bool busyboxIsStatic()
{
	auto r = run({"sh", "-c", std::string("LC_ALL=C file -b ") + kBusybox + " 2>/dev/null"});
	if (r.status == 0 && !r.out.empty())
		return r.out.find("statically linked") != std::string::npos ||
		       r.out.find("static-pie") != std::string::npos;
	// No file(1): accept busybox-static's own path, which is the one deps.sh installs.
	return ::access(kBusybox, X_OK) == 0;
}

} // namespace

std::string runtimeWrapper()
{
	return TB_PODMAN_WRAPPER;
}

std::string unavailableReason()
{
	for (const char *p : {"podman", "runc", "jq"})
		if (!onPath(p))
			return std::string(p) + " is not installed";
	if (::geteuid() != 0)
		return "podman with CDI specs in /var/run/cdi needs root";
	if (!busyboxIsStatic())
		return std::string("no static busybox at ") + kBusybox +
		       " (package busybox-static)";
	return "";
}

std::string copyHostWithRealNodes(const std::string &from, const std::string &to)
{
	std::error_code ec;
	fs::create_directories(fs::path(to).parent_path(), ec);
	fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
	if (ec)
		return "copying " + from + " to " + to + ": " + ec.message();
	if (!fs::is_directory(to + "/dev"))
		return "";
	for (const auto &e : fs::recursive_directory_iterator(to + "/dev")) {
		if (!e.is_regular_file() || e.file_size() > 64)
			continue;
		unsigned maj = 0, min = 0, mode = 0666;
		if (std::sscanf(slurp(e.path()).c_str(), "c %u:%u %o", &maj, &min, &mode) < 2)
			continue;
		std::string p = e.path().string();
		fs::remove(p, ec);
		if (::mknod(p.c_str(), S_IFCHR | (mode & 0777), ::makedev(1, 3)) != 0 ||
		    ::chmod(p.c_str(), mode & 0777) != 0)
			return "mknod " + p + ": " + std::strerror(errno);
		if ((mode & 06) != 06 && ::chown(p.c_str(), 0, 44) != 0)
			return "chown " + p + ": " + std::strerror(errno);
	}
	return "";
}

PrivateStore::PrivateStore(std::string dir) : dir_(std::move(dir))
{
	std::error_code ec;
	for (const char *sub : {"root", "run", "tmp"})
		fs::create_directories(dir_ + "/" + sub, ec);
}

PrivateStore::~PrivateStore()
{
	// vfs layers are plain directories; nothing stays mounted once a --rm container ended.
	std::error_code ec;
	for (const char *sub :
	     {"root", "run", "tmp", "rootfs", "rootfs.tar", "containers.conf", "storage.conf"})
		fs::remove_all(dir_ + "/" + sub, ec);
}

std::vector<std::string> PrivateStore::storeArgs() const
{
	return {"--root", dir_ + "/root", "--runroot", dir_ + "/run", "--storage-driver", "vfs"};
}

Cmd PrivateStore::podman(std::vector<std::string> args) const
{
	std::vector<std::string> argv{"podman"};
	auto store = storeArgs();
	argv.insert(argv.end(), store.begin(), store.end());
	argv.insert(argv.end(), args.begin(), args.end());
	return run(argv, {"TMPDIR=" + dir_ + "/tmp"});
}

bool PrivateStore::importBusybox(const std::string &ref, std::string &why) const
{
	std::string rootfs = dir_ + "/rootfs", tarball = dir_ + "/rootfs.tar";
	std::error_code ec;
	fs::remove_all(rootfs, ec);
	fs::create_directories(rootfs + "/bin", ec);
	fs::copy_file(kBusybox, rootfs + "/bin/busybox", ec);
	if (ec) {
		why = std::string("cannot copy ") + kBusybox + ": " + ec.message();
		return false;
	}
	auto applets = run({kBusybox, "--list"});
	if (applets.status != 0) {
		why = std::string(kBusybox) + " --list failed: " + applets.err;
		return false;
	}
	std::istringstream names(applets.out);
	for (std::string name; std::getline(names, name);)
		if (!name.empty() && name != "busybox")
			fs::create_symlink("busybox", rootfs + "/bin/" + name, ec);
	for (const char *d : {"dev", "proc", "sys", "etc", "tmp", "usr/lib"})
		fs::create_directories(rootfs + "/" + d, ec);
	auto tar = run({"tar", "-C", rootfs, "-cf", tarball, "."});
	if (tar.status != 0) {
		why = "tar of the busybox rootfs failed: " + tar.err;
		return false;
	}
	auto imp = podman({"import", "-q", tarball, ref});
	if (imp.status != 0) {
		why = "podman import failed: " + imp.err;
		return false;
	}
	return true;
}

Cmd PrivateStore::runContainer(const std::vector<std::string> &extra, const std::string &image,
			       const std::vector<std::string> &cmd) const
{
	std::vector<std::string> args{"run",  "--rm",      "--network",
				      "none", "--runtime", runtimeWrapper()};
	args.insert(args.end(), extra.begin(), extra.end());
	args.push_back(image);
	args.insert(args.end(), cmd.begin(), cmd.end());
	return podman(args);
}

std::vector<std::string> PrivateStore::confEnv() const
{
	std::string conf = dir_ + "/containers.conf", storage = dir_ + "/storage.conf";
	std::ofstream(conf, std::ios::binary | std::ios::trunc)
		<< "# test-only: runc without rlimits\n[engine]\nruntime = \"tb-test-runc\"\n"
		   "[engine.runtimes]\ntb-test-runc = [\""
		<< runtimeWrapper() << "\"]\n";
	std::ofstream(storage, std::ios::binary | std::ios::trunc)
		<< "[storage]\ndriver = \"vfs\"\ngraphroot = \"" << dir_ << "/root\"\nrunroot = \""
		<< dir_ << "/run\"\n";
	return {"CONTAINERS_CONF=" + conf, "CONTAINERS_STORAGE_CONF=" + storage,
		"TMPDIR=" + dir_ + "/tmp"};
}

} // namespace tb::test::podman
