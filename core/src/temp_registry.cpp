// SPDX-License-Identifier: Apache-2.0
// The process's list of temporary paths, and the signal handler that removes them.
// Everything the handler touches is a fixed array and async-signal-safe system calls.
#include <tb/cleanup.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

constexpr int Slots = 256;
enum : int { Free = 0, Writing = 1, Active = 2 };

struct Slot {
	std::atomic<int> state{Free};
	bool isDir = false;
	char path[PATH_MAX]{};
};

// constinit: all zeros, so the 1 MiB table stays in .bss and untouched until a slot is used.
// A run-time initializer would write every page of it at load (256 page faults per process).
constinit Slot slots[Slots];

struct LinuxDirent64 {
	ino64_t d_ino;
	off64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

// rm -rf with openat/getdents64/unlinkat only. Depth is bounded: our temps are shallow
// (a layout's blobs/sha256/, a cache's key directories); anything deeper is left.
void removeTree(int parent, const char *name, int depth)
{
	int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		::unlinkat(parent, name, 0);
		return;
	}
	char buf[2048];
	for (int pass = 0; pass < 4 && depth < 16; ++pass) {
		bool removed = false;
		::lseek(fd, 0, SEEK_SET);
		for (;;) {
			long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
			if (n <= 0)
				break;
			for (long off = 0; off < n;) {
				auto *d = reinterpret_cast<LinuxDirent64 *>(buf + off);
				off += d->d_reclen;
				if (!std::strcmp(d->d_name, ".") || !std::strcmp(d->d_name, ".."))
					continue;
				if (d->d_type == DT_DIR ||
				    (::unlinkat(fd, d->d_name, 0) != 0 && errno == EISDIR))
					removeTree(fd, d->d_name, depth + 1);
				removed = true;
			}
		}
		if (!removed)
			break;
	}
	::close(fd);
	::unlinkat(parent, name, AT_REMOVEDIR);
}

void onSignal(int sig)
{
	int saved = errno;
	for (Slot &s : slots) {
		if (s.state.load(std::memory_order_acquire) != Active)
			continue;
		if (s.isDir)
			removeTree(AT_FDCWD, s.path, 0);
		else
			::unlink(s.path);
	}
	errno = saved;
	// Die of the signal, as without the handler (the shell shows 130 for SIGINT).
	::signal(sig, SIG_DFL);
	::raise(sig);
}

} // namespace

// Found with dlsym() by the temp owners in libtb and in the plugins (tbsupport/temp_track.h).
extern "C" {
__attribute__((visibility("default"))) int tb_temp_track(const char *path, int isDir);
__attribute__((visibility("default"))) void tb_temp_untrack(int slot);
}

extern "C" int tb_temp_track(const char *path, int isDir)
{
	size_t len = std::strlen(path);
	if (len >= PATH_MAX)
		return -1;
	for (int i = 0; i < Slots; ++i) {
		int expected = Free;
		if (!slots[i].state.compare_exchange_strong(expected, Writing,
							    std::memory_order_acq_rel))
			continue;
		std::memcpy(slots[i].path, path, len + 1);
		slots[i].isDir = isDir != 0;
		slots[i].state.store(Active, std::memory_order_release);
		return i;
	}
	return -1; // full: the temp is still removed by its owner and reclaimed later
}

extern "C" void tb_temp_untrack(int slot)
{
	if (slot >= 0 && slot < Slots)
		slots[slot].state.store(Free, std::memory_order_release);
}

namespace tb {

void removeTemporariesOnSignals() noexcept
{
	struct sigaction sa = {};
	sa.sa_handler = onSignal;
	sigemptyset(&sa.sa_mask);
	for (int sig : {SIGINT, SIGTERM, SIGHUP})
		sigaddset(&sa.sa_mask, sig);
	for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
		struct sigaction old = {};
		// An ignored signal stays ignored (nohup, a shell's background job).
		if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		::sigaction(sig, &sa, nullptr);
	}
}

} // namespace tb
