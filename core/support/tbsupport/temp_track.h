// SPDX-License-Identifier: Apache-2.0
// Temporary files and directories that never outlive their process for long: named after
// their owner, locked while in use, removed on SIGINT/SIGTERM, reclaimed once the owner is gone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tb::support {

/// \brief "DIR/PREFIX<pid>-XXXXXX": a mkstemp()/mkdtemp() template naming its owner.
std::string tempTemplate(const std::string &dir, std::string_view prefix);

/// \brief Lists a temp path with the process's signal cleanup (libtb's, found at run time, so
/// copies of this code inside plugins share it). Without libtb in the process it does
/// nothing; RAII owners still remove their temps on every normal path.
class TempTrack {
public:
	TempTrack() = default;
	TempTrack(const std::string &path, bool isDir);
	TempTrack(TempTrack &&o) noexcept : slot_(o.slot_) { o.slot_ = -1; }
	TempTrack &operator=(TempTrack &&o) noexcept;
	TempTrack(const TempTrack &) = delete;
	TempTrack &operator=(const TempTrack &) = delete;
	~TempTrack() { reset(); }
	/// \brief Stop listing the path (it was renamed into place or removed).
	void reset() noexcept;

private:
	int slot_ = -1;
};

/// \brief Create a temp from \a templ (a path ending in "XXXXXX", which is replaced in place)
/// as a file (O_RDWR, 0600) or a directory (0700), listing it in \a track *before* it exists:
/// mkstemp() then TempTrack leaves a window in which a signal, taken on any thread, leaves
/// the temp behind. \return a file's fd, 0 for a directory, -1 with errno set
int createTracked(std::string &templ, TempTrack &track, bool isDir) noexcept;

/// \brief Take the sign-of-life lock on an open temp file or directory: an exclusive flock
/// the kernel drops when the owner dies, however it dies. \return false when already held
bool lockTemp(int fd) noexcept;

/// \brief A temp left behind by a process that is gone.
struct StaleTemp {
	std::string path;
	int64_t bytes = 0;
	bool isDir = false;
};

/// \brief Temps named \a prefix... in \a dir whose owner is gone: nobody holds their lock and
/// the pid in the name is not running; a name without a pid (older tb) must also be a day
/// old. A live process's temp is never listed, whatever its age.
std::vector<StaleTemp> findStaleTemps(const std::string &dir, std::string_view prefix);

/// \brief Remove what findStaleTemps() finds. \return the bytes freed
int64_t reclaimStaleTemps(const std::string &dir, std::string_view prefix);

} // namespace tb::support
