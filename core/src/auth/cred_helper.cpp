// SPDX-License-Identifier: Apache-2.0
// The docker-credential-* helper protocol: `docker-credential-NAME get`, server address on
// stdin, {"ServerURL","Username","Secret"} on stdout; Username "<token>" = identity token.
// `store` takes that JSON on stdin, `erase` the server address.
#include "auth/credentials.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "tbsupport/json_fields.h"
#include "tbsupport/unique_fd.h"

extern char **environ;

namespace tb::auth {

namespace {

constexpr size_t MaxHelperOutput = 1u << 20;

struct Output {
	int status = -1;
	std::string out, err;
};

Result<Output> runHelper(const std::string &program, const std::string &verb,
			 const std::string &input)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
	bool piped =
		!::pipe2(in, O_CLOEXEC) && !::pipe2(out, O_CLOEXEC) && !::pipe2(errp, O_CLOEXEC);
	int pipeErrno = errno;
	// Owned before the check: a failed third pipe must not leak the first two.
	support::UniqueFd inW(in[1]), inR(in[0]), outR(out[0]), outW(out[1]), errR(errp[0]),
		errW(errp[1]);
	if (!piped)
		return err(Errc::Io, "pipe: " + std::string(std::strerror(pipeErrno)));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	std::string action = verb;
	char *argv[] = {const_cast<char *>(program.c_str()), action.data(), nullptr};
	pid_t pid = -1;
	int rc = ::posix_spawnp(&pid, program.c_str(), &fa, nullptr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return err(Errc::NotFound, "cannot run " + program + ": " + std::strerror(rc));
	inR.reset();
	outW.reset();
	errW.reset();
	// The input is one short line (an address, or the JSON of a store): it fits the pipe
	// buffer, so write it before reading.
	std::string line = input + "\n";
	if (::write(inW.get(), line.data(), line.size()) < 0) {
		// the helper may exit without reading; its exit status tells
	}
	inW.reset();
	Output o;
	pollfd fds[2] = {{outR.get(), POLLIN, 0}, {errR.get(), POLLIN, 0}};
	int open = 2;
	while (open > 0) {
		if (::poll(fds, 2, 30'000) <= 0)
			break; // a helper hanging for 30 s is given up (killed below)
		for (int i = 0; i < 2; ++i) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[4096];
			ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
			if (n <= 0) {
				fds[i].fd = -1;
				--open;
				continue;
			}
			std::string &dst = i == 0 ? o.out : o.err;
			if (dst.size() < MaxHelperOutput)
				dst.append(buf, static_cast<size_t>(n));
		}
	}
	if (open > 0)
		::kill(pid, SIGKILL);
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	o.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return o;
}

bool notFound(const Output &o)
{
	return o.out.find("credentials not found") != std::string::npos ||
	       o.err.find("credentials not found") != std::string::npos;
}

// The helper's own words, but only its first line: it never echoes secrets we sent.
Error helperFailed(const std::string &program, const std::string &verb, const Output &o)
{
	std::string why = o.err.empty() ? o.out : o.err;
	why = why.substr(0, why.find('\n')).substr(0, 200);
	return Error{Errc::Unavailable, program + " " + verb + " failed (exit " +
						std::to_string(o.status) + ")" +
						(why.empty() ? "" : ": " + why)};
}

Result<std::string> helperProgram(const std::string &helper)
{
	if (helper.empty() || helper.find('/') != std::string::npos)
		return err(Errc::InvalidArgument, "credential helper name '" + helper + "'");
	return "docker-credential-" + helper;
}

} // namespace

Result<void> storeWithHelper(const std::string &helper, const std::string &serverUrl,
			     const std::string &user, const std::string &password)
{
	std::string program = TB_TRY(helperProgram(helper));
	boost::json::object o{{"ServerURL", serverUrl}, {"Username", user}, {"Secret", password}};
	auto out = TB_TRY(runHelper(program, "store", boost::json::serialize(o)));
	if (out.status != 0)
		return unexpected(helperFailed(program, "store", out));
	return {};
}

Result<bool> eraseWithHelper(const std::string &helper, const std::string &serverUrl)
{
	std::string program = TB_TRY(helperProgram(helper));
	auto out = TB_TRY(runHelper(program, "erase", serverUrl));
	if (out.status != 0 && notFound(out))
		return false;
	if (out.status != 0)
		return unexpected(helperFailed(program, "erase", out));
	return true;
}

Result<std::optional<registry::Credential>> runCredentialHelper(const std::string &helper,
								const std::string &serverUrl)
{
	std::string program = TB_TRY(helperProgram(helper));
	auto o = TB_TRY(runHelper(program, "get", serverUrl));
	if (o.status != 0) {
		if (notFound(o))
			return std::optional<registry::Credential>();
		return unexpected(helperFailed(program, "get", o));
	}
	auto v = support::parseJson(o.out);
	if (!v || !v->is_object())
		return err(Errc::Protocol, program + " get: output is not a JSON object");
	registry::Credential c;
	std::string user = support::stringField(v->as_object(), "Username").value_or("");
	std::string secret = support::stringField(v->as_object(), "Secret").value_or("");
	if (user == "<token>")
		c.identityToken = secret;
	else {
		c.username = user;
		c.password = secret;
	}
	if (c.empty())
		return std::optional<registry::Credential>();
	return std::optional<registry::Credential>(std::move(c));
}

} // namespace tb::auth
