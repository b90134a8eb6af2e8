// SPDX-License-Identifier: Apache-2.0
// Temporary files and directories that never outlive their process for long.
#include "tbsupport/temp_track.h"

#include <cerrno>
#include <charconv>
#include <ctime>
#include <filesystem>

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tbsupport/unique_fd.h"

namespace tb::support {

namespace fs = std::filesystem;

namespace {

// libtb exports these (core/src/temp_registry.cpp). Looked up by name because each plugin
// holds its own hidden copy of this file: the registry must be one per process.
using TrackFn = int (*)(const char *, int);
using UntrackFn = void (*)(int);

struct Registry {
	TrackFn track = nullptr;
	UntrackFn untrack = nullptr;
	Registry()
	{
		track = reinterpret_cast<TrackFn>(::dlsym(RTLD_DEFAULT, "tb_temp_track"));
		untrack = reinterpret_cast<UntrackFn>(::dlsym(RTLD_DEFAULT, "tb_temp_untrack"));
		if (!track || !untrack)
			track = nullptr;
	}
};

const Registry &registry()
{
	static const Registry r;
	return r;
}

// A name without an owner pid comes from an older tb: only its age tells it is stale.
constexpr int64_t LegacyStaleSeconds = 24 * 3600;

bool pidRunning(pid_t pid)
{
	return ::kill(pid, 0) == 0 || errno == EPERM;
}

// Whether a live process holds the temp's lock (a failed open: it is gone or not ours).
bool lockHeld(const std::string &path)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
	if (!fd.isValid())
		return errno == EACCES; // someone else's: leave it
	// Closing fd drops our probe lock.
	return ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

// "...-<pid>-XXXXXX" (mkstemp's suffix has no '-'): the pid, or 0 for an older tb's name.
pid_t ownerPid(std::string_view name)
{
	auto last = name.rfind('-');
	if (last == std::string_view::npos || last == 0)
		return 0;
	auto before = name.rfind('-', last - 1);
	std::string_view digits =
		name.substr(before == std::string_view::npos ? 0 : before + 1,
			    last - (before == std::string_view::npos ? 0 : before + 1));
	pid_t pid = 0;
	auto [p, e] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
	return e == std::errc() && p == digits.data() + digits.size() ? pid : 0;
}

int64_t treeBytes(const fs::path &p)
{
	std::error_code ec;
	int64_t total = 0;
	for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
		if (it->is_regular_file(ec))
			total += static_cast<int64_t>(it->file_size(ec));
	return total;
}

} // namespace

std::string tempTemplate(const std::string &dir, std::string_view prefix)
{
	return dir + "/" + std::string(prefix) + std::to_string(::getpid()) + "-XXXXXX";
}

TempTrack::TempTrack(const std::string &path, bool isDir)
{
	if (auto track = registry().track)
		slot_ = track(path.c_str(), isDir ? 1 : 0);
}

TempTrack &TempTrack::operator=(TempTrack &&o) noexcept
{
	if (this != &o) {
		reset();
		slot_ = o.slot_;
		o.slot_ = -1;
	}
	return *this;
}

void TempTrack::reset() noexcept
{
	if (slot_ >= 0)
		registry().untrack(slot_);
	slot_ = -1;
}

int createTracked(std::string &templ, TempTrack &track, bool isDir) noexcept
{
	static constexpr char Chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	constexpr size_t Suffix = 6;
	if (templ.size() < Suffix || templ.compare(templ.size() - Suffix, Suffix, "XXXXXX") != 0) {
		errno = EINVAL;
		return -1;
	}
	for (int attempt = 0; attempt < 100; ++attempt) {
		unsigned char rnd[Suffix];
		if (::getrandom(rnd, sizeof rnd, 0) != static_cast<ssize_t>(sizeof rnd)) {
			// No entropy yet (early boot): the clock and the attempt still vary the
			// name.
			auto seed = static_cast<unsigned long>(::time(nullptr)) ^
				    (static_cast<unsigned long>(attempt) * 2654435761u);
			for (auto &c : rnd)
				c = static_cast<unsigned char>(seed >>= 5);
		}
		for (size_t i = 0; i < Suffix; ++i)
			templ[templ.size() - Suffix + i] = Chars[rnd[i] % (sizeof Chars - 1)];
		// Listed first: the handler unlinking a name not created yet is harmless.
		track = TempTrack(templ, isDir);
		int fd = isDir ? ::mkdir(templ.c_str(), 0700)
			       : ::open(templ.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		int e = errno;
		track.reset();
		errno = e;
		if (e != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

bool lockTemp(int fd) noexcept
{
	return ::flock(fd, LOCK_EX | LOCK_NB) == 0;
}

std::vector<StaleTemp> findStaleTemps(const std::string &dir, std::string_view prefix)
{
	std::vector<StaleTemp> out;
	std::error_code ec;
	pid_t self = ::getpid();
	for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
		std::string name = it->path().filename().string();
		if (!name.starts_with(prefix))
			continue;
		pid_t pid = ownerPid(std::string_view(name).substr(prefix.size()));
		bool named = pid > 0;
		std::string path = it->path().string();
		struct stat st;
		if (::lstat(path.c_str(), &st) != 0)
			continue;
		if (named && (pid == self || pidRunning(pid)))
			continue;
		if (!named && ::time(nullptr) - st.st_mtime < LegacyStaleSeconds)
			continue;
		if (lockHeld(path))
			continue;
		bool isDir = S_ISDIR(st.st_mode);
		out.push_back(
			{path, isDir ? treeBytes(path) : static_cast<int64_t>(st.st_size), isDir});
	}
	return out;
}

int64_t reclaimStaleTemps(const std::string &dir, std::string_view prefix)
{
	int64_t freed = 0;
	for (const auto &t : findStaleTemps(dir, prefix)) {
		std::error_code ec;
		if (fs::remove_all(t.path, ec) > 0 && !ec)
			freed += t.bytes;
	}
	return freed;
}

} // namespace tb::support
