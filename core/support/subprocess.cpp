// SPDX-License-Identifier: Apache-2.0
// Running a helper program (podman, docker) without a shell, capturing its stderr.
#include "tbsupport/subprocess.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tbsupport/unique_fd.h"

extern char **environ;

namespace tb::support {

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
	std::vector<char *> args;
	for (const auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	pid_t pid = 0;
	int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
	posix_spawn_file_actions_destroy(&actions);
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
