// SPDX-License-Identifier: Apache-2.0
// Running a helper program (podman, docker) without a shell, capturing its stderr.
#include "tbsupport/subprocess.h"

#include <cerrno>
#include <cstring>

#include <cstdlib>
#include <string_view>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tbsupport/unique_fd.h"

extern char **environ;

namespace tb::support {

namespace {

// posix_spawnp() of \a argv with \a actions (destroyed here), stdin and the rest as set up.
// \return the child's pid, or 0 with the spawn error in \a rc
pid_t spawn(const std::vector<std::string> &argv, posix_spawn_file_actions_t &actions, int &rc)
{
	std::vector<char *> args;
	for (const auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	pid_t pid = 0;
	rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
	posix_spawn_file_actions_destroy(&actions);
	return rc == 0 ? pid : 0;
}

} // namespace

Result<ProcessResult> runProcess(const std::vector<std::string> &argv)
{
	if (argv.empty())
		return err(Errc::InvalidArgument, "no program to run");
	int pipeFds[2];
	if (::pipe2(pipeFds, O_CLOEXEC) != 0)
		return err(Errc::Io, "pipe: " + std::string(std::strerror(errno)));
	UniqueFd readEnd(pipeFds[0]), writeEnd(pipeFds[1]);
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, writeEnd.get(), 2);
	int rc = 0;
	pid_t pid = spawn(argv, actions, rc);
	writeEnd.reset(); // the child's copy is the only writer left: EOF when it exits
	if (rc != 0)
		return err(Errc::NotFound, "run " + argv[0] + ": " + std::strerror(rc));
	ProcessResult out;
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(readEnd.get(), buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out.stderrText.size() < 65536)
			out.stderrText.append(buf, static_cast<size_t>(n));
	}
	readEnd.reset();
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	out.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return out;
}

Result<ProcessOutput> runProcessOutput(const std::vector<std::string> &argv)
{
	if (argv.empty())
		return err(Errc::InvalidArgument, "no program to run");
	int outFds[2], errFds[2];
	if (::pipe2(outFds, O_CLOEXEC) != 0)
		return err(Errc::Io, "pipe: " + std::string(std::strerror(errno)));
	UniqueFd outRead(outFds[0]), outWrite(outFds[1]);
	if (::pipe2(errFds, O_CLOEXEC) != 0)
		return err(Errc::Io, "pipe: " + std::string(std::strerror(errno)));
	UniqueFd errRead(errFds[0]), errWrite(errFds[1]);
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, outWrite.get(), 1);
	posix_spawn_file_actions_adddup2(&actions, errWrite.get(), 2);
	int rc = 0;
	pid_t pid = spawn(argv, actions, rc);
	// The child's copies are the only writers left: EOF when it exits.
	outWrite.reset();
	errWrite.reset();
	if (rc != 0)
		return err(Errc::NotFound, "run " + argv[0] + ": " + std::strerror(rc));
	ProcessOutput out;
	// Both pipes at once: a child blocked on a full stderr pipe would never close stdout.
	UniqueFd *ends[2] = {&outRead, &errRead};
	std::string *bufs[2] = {&out.stdoutText, &out.stderrText};
	const size_t caps[2] = {size_t(1) << 20, 65536};
	char buf[4096];
	while (outRead.isValid() || errRead.isValid()) {
		pollfd fds[2] = {{outRead.get(), POLLIN, 0}, {errRead.get(), POLLIN, 0}};
		if (::poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; ++i) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				ends[i]->reset();
				continue;
			}
			if (bufs[i]->size() < caps[i])
				bufs[i]->append(buf, static_cast<size_t>(n));
		}
	}
	outRead.reset();
	errRead.reset();
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	out.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return out;
}

Result<std::string> findProgram(const std::string &program)
{
	auto runnable = [](const std::string &p) {
		struct stat st {};
		return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
		       ::access(p.c_str(), X_OK) == 0;
	};
	if (program.empty())
		return err(Errc::NotFound, "no program name");
	if (program.find('/') != std::string::npos) {
		if (runnable(program))
			return program;
		return err(Errc::NotFound, program + " is not an executable file");
	}
	// posix_spawnp's search: PATH, or the confstr default when PATH is unset.
	const char *env = std::getenv("PATH");
	std::string_view path = env ? env : "/bin:/usr/bin";
	while (true) {
		size_t colon = path.find(':');
		std::string dir(path.substr(0, colon));
		std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
		if (runnable(candidate))
			return candidate;
		if (colon == std::string_view::npos)
			break;
		path.remove_prefix(colon + 1);
	}
	return err(Errc::NotFound, program + " is not on PATH");
}

bool versionAtLeast(const std::string &version, const std::string &minimum)
{
	auto part = [](const std::string &v, size_t &pos) {
		long n = 0;
		bool digits = false;
		while (pos < v.size() && v[pos] >= '0' && v[pos] <= '9') {
			n = n * 10 + (v[pos++] - '0');
			digits = true;
		}
		while (pos < v.size() && v[pos] != '.')
			++pos; // "1-rc1": the suffix does not count
		if (pos < v.size())
			++pos;
		return digits ? n : 0L;
	};
	size_t a = 0, b = 0;
	while (a < version.size() || b < minimum.size()) {
		long x = part(version, a), y = part(minimum, b);
		if (x != y)
			return x > y;
	}
	return true;
}

std::string lastLine(const std::string &text)
{
	size_t end = text.find_last_not_of("\n\r ");
	if (end == std::string::npos)
		return std::string();
	size_t start = text.rfind('\n', end);
	return text.substr(start == std::string::npos ? 0 : start + 1,
			   end - (start == std::string::npos ? 0 : start + 1) + 1);
}

} // namespace tb::support
