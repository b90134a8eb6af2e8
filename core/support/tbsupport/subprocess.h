// SPDX-License-Identifier: Apache-2.0
// Running a helper program (podman, docker) without a shell, capturing its stderr.
#pragma once

#include <string>
#include <vector>

#include <tb/result.h>

namespace tb::support {

struct ProcessResult {
	int exitCode = -1;      ///< -1 when killed by a signal
	std::string stderrText; ///< at most 64 KiB
};

/// \brief Run \a argv (looked up on PATH) with stdin and stdout on /dev/null.
/// \return Errc::NotFound when the program cannot be started
Result<ProcessResult> runProcess(const std::vector<std::string> &argv);

struct ProcessOutput {
	int exitCode = -1;      ///< -1 when killed by a signal
	std::string stdoutText; ///< at most 1 MiB
	std::string stderrText; ///< at most 64 KiB
};

/// \brief Run \a argv (looked up on PATH) with stdin on /dev/null; capture stdout and stderr
/// (a runtime's `info` or `--help` answer).
/// \return Errc::NotFound when the program cannot be started
Result<ProcessOutput> runProcessOutput(const std::vector<std::string> &argv);

/// \brief Where \a program would be started from: itself when it has a '/', else the first
/// executable regular file of that name in a PATH directory. Spawns nothing (cheap enough
/// for a dry run). \return Errc::NotFound when there is none
Result<std::string> findProgram(const std::string &program);

/// \brief A dotted version "4.3.1" at or above \a minimum ("4.1")? Missing parts count as 0;
/// a suffix after the digits of a part ("1-rc1") is ignored.
bool versionAtLeast(const std::string &version, const std::string &minimum);

/// \brief The last non-empty line of \a text (a helper's error message).
std::string lastLine(const std::string &text);

} // namespace tb::support
