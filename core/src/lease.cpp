// SPDX-License-Identifier: Apache-2.0
// Host-wide exclusive GPU leases: one flock(2)ed lock file per GPU. The kernel releases a
// lock when the last fd of its open file description closes, so a crashed or SIGKILLed
// holder frees its GPUs by itself; the file's text only names the (last) holder.
#include <tb/lease.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tb/context.h>

#include "tbsupport/host_fs.h"
#include "tbsupport/unique_fd.h"

namespace tb {

namespace {

constexpr const char *kHostLeaseDir = "/run/tb/gpu-leases";

bool validId(const std::string &id)
{
	if (id.empty() || id.size() > 200 || id == "." || id == "..")
		return false;
	for (char c : id)
		if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
		      c == '.' || c == ':'))
			return false;
	return true;
}

std::string lockPath(const std::string &dir, const std::string &gpu)
{
	return dir + "/" + gpu + ".lock";
}

std::string nowUtc()
{
	std::time_t t = std::time(nullptr);
	std::tm tm{};
	::gmtime_r(&t, &tm);
	char buf[32];
	std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

// mkdir -p with a sticky, world-writable leaf: every user's tb shares the host's leases and
// nobody can remove another user's lock file.
Result<void> makeLeaseDir(const std::string &dir, mode_t leafMode)
{
	for (size_t i = 1; i <= dir.size(); ++i) {
		if (i != dir.size() && dir[i] != '/')
			continue;
		std::string part = dir.substr(0, i);
		if (::mkdir(part.c_str(), i == dir.size() ? leafMode : 0755) == 0) {
			if (i == dir.size())
				::chmod(part.c_str(), leafMode); // not reduced by the umask
		} else if (errno != EEXIST) {
			return err(errno == EACCES || errno == EPERM ? Errc::PermissionDenied
								     : Errc::Io,
				   "create lease directory " + part + ": " + std::strerror(errno));
		}
	}
	return {};
}

GpuLeaseHolder parseHolder(const std::string &text, const std::string &file)
{
	GpuLeaseHolder h;
	h.lockFile = file;
	auto kv = support::parseKeyValues(text, '=');
	if (auto it = kv.find("pid"); it != kv.end())
		h.pid = support::parseInt(it->second).value_or(0);
	if (auto it = kv.find("command"); it != kv.end())
		h.command = it->second;
	if (auto it = kv.find("since"); it != kv.end())
		h.since = it->second;
	return h;
}

std::string describe(const GpuLeaseHolder &h)
{
	std::string s = "pid " + std::to_string(h.pid);
	if (!h.command.empty())
		s += " (" + h.command + ")";
	if (!h.since.empty())
		s += " since " + h.since;
	return s;
}

} // namespace

GpuLease::~GpuLease()
{
	release();
}

GpuLease::GpuLease(GpuLease &&other) noexcept
    : fds_(std::move(other.fds_)), gpus_(std::move(other.gpus_))
{
	other.fds_.clear();
	other.gpus_.clear();
}

GpuLease &GpuLease::operator=(GpuLease &&other) noexcept
{
	if (this != &other) {
		release();
		fds_ = std::move(other.fds_);
		gpus_ = std::move(other.gpus_);
		other.fds_.clear();
		other.gpus_.clear();
	}
	return *this;
}

void GpuLease::release() noexcept
{
	// Closing the fd drops the flock; the file stays (unlinking would race a new holder
	// that opened it but has not locked it yet).
	// The record is emptied first, while the lock is still held: a process that loses the
	// race for the next lease must never read this holder's stale name.
	for (int fd : fds_) {
		if (::ftruncate(fd, 0) != 0) {
			// Best effort: a stale record names a dead or finished process, which the
			// loser's wait below also skips.
		}
		::close(fd);
	}
	fds_.clear();
	gpus_.clear();
}

Result<void> GpuLease::inheritAcrossExec() const
{
	for (size_t i = 0; i < fds_.size(); ++i) {
		int flags = ::fcntl(fds_[i], F_GETFD);
		if (flags < 0 || ::fcntl(fds_[i], F_SETFD, flags & ~FD_CLOEXEC) != 0)
			return err(Errc::Io,
				   "lease of GPU " + gpus_[i] +
					   ": cannot keep it across exec: " + std::strerror(errno));
	}
	return {};
}

std::string gpuLeaseId(const GpuDevice &gpu)
{
	std::string id = gpu.uuid.empty() ? gpu.pciBdf : gpu.uuid;
	if (id.empty())
		id = std::to_string(gpu.index);
	return gpu.vendor + "-" + id;
}

std::string gpuLeaseDir(const Context &ctx)
{
	if (makeLeaseDir(kHostLeaseDir, 01777))
		return kHostLeaseDir;
	return ctx.paths().runtimeDir + "/gpu-leases";
}

Result<GpuLease> acquireGpuLease(const std::string &dir, const std::vector<std::string> &gpus,
				 const std::string &command)
{
	for (const auto &g : gpus)
		if (!validId(g))
			return err(Errc::InvalidArgument,
				   "GPU lease id '" + g + "': not a plain name (letters, digits, " +
					   "'-', '_', '.', ':')");
	TB_TRY_CTX(makeLeaseDir(dir, dir == kHostLeaseDir ? 01777 : 0700), "GPU lease");
	GpuLease lease; // releases what was taken if a later GPU is busy
	for (const auto &g : gpus) {
		std::string file = lockPath(dir, g);
		support::UniqueFd owned(
			::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
		if (!owned.isValid())
			return err(Errc::Io, "GPU " + g + ": cannot open lease " + file + ": " +
						     std::strerror(errno));
		if (::flock(owned.get(), LOCK_EX | LOCK_NB) != 0) {
			int e = errno;
			owned.reset();
			if (e != EWOULDBLOCK)
				return err(Errc::Io, "GPU " + g + ": cannot lock " + file + ": " +
							     std::strerror(e));
			// The winner writes its name right after locking; give it a moment.
			auto holder = gpuLeaseHolder(dir, g);
			// A record naming a process that is gone is the last holder's (killed
			// before it could empty it): the winner's own comes right after.
			auto unwritten = [&] {
				return holder && (holder->pid == 0 ||
						  (::kill(holder->pid, 0) != 0 && errno == ESRCH));
			};
			for (int i = 0; i < 50 && unwritten(); ++i) {
				::usleep(1000);
				holder = gpuLeaseHolder(dir, g);
			}
			return err(Errc::Conflict,
				   "GPU " + g + " is leased exclusively by " +
					   (holder ? describe(*holder)
						   : std::string("another process")) +
					   " (lease " + file + ")");
		}
		int fd = owned.release(); // the lease owns it from here
		lease.fds_.push_back(fd);
		lease.gpus_.push_back(g);
		std::string oneLine = command;
		for (char &c : oneLine)
			if (c == '\n' || c == '\r')
				c = ' ';
		std::string text = "pid=" + std::to_string(::getpid()) + "\ncommand=" + oneLine +
				   "\nsince=" + nowUtc() + "\n";
		if (::ftruncate(fd, 0) != 0 ||
		    ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
			return err(Errc::Io, "GPU " + g + ": cannot write lease " + file + ": " +
						     std::strerror(errno));
	}
	return lease;
}

Result<GpuLeaseHolder> gpuLeaseHolder(const std::string &dir, const std::string &gpu)
{
	if (!validId(gpu))
		return err(Errc::InvalidArgument, "GPU lease id '" + gpu + "': not a plain name");
	std::string file = lockPath(dir, gpu);
	support::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
	if (!fd.isValid())
		return err(Errc::NotFound, "GPU " + gpu + ": not leased");
	// A shared lock succeeds only when nobody holds the exclusive one.
	bool free = ::flock(fd.get(), LOCK_SH | LOCK_NB) == 0;
	std::string text;
	char buf[1024];
	ssize_t n = ::pread(fd.get(), buf, sizeof buf, 0);
	if (n > 0)
		text.assign(buf, static_cast<size_t>(n));
	fd.reset();
	if (free)
		return err(Errc::NotFound, "GPU " + gpu + ": not leased");
	return parseHolder(text, file);
}

} // namespace tb
