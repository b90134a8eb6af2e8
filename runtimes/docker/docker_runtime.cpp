// SPDX-License-Identifier: Apache-2.0
// Runtime "docker": `docker run --device KIND=NAME` when the daemon resolves CDI names (Docker
// >= 25 with the cdi feature, default from 28.2), else the edits tb resolved itself as
// explicit --device, -v and -e flags. Which one is asked of `docker info` once.
#include <optional>

#include <tb/runtime.h>

#include "tbsupport/run_args.h"
#include "tbsupport/subprocess.h"

namespace {

using namespace tb;

enum class CdiMode { Auto, On, Off };

// What `docker info --format '{{.ServerVersion}} {{json .CDISpecDirs}}'` says: the daemon
// lists its spec dirs only when CDI is enabled ("null" or "[]" otherwise).
bool cdiEnabled(const std::string &dirs)
{
	return !(dirs.empty() || dirs == "null" || dirs == "[]" || dirs == "<no value>");
}

class DockerRuntime final : public Runtime {
public:
	DockerRuntime(std::string binary, CdiMode mode) : binary_(std::move(binary)), mode_(mode) {}

	std::string_view runtimeName() const noexcept override { return "docker"; }

	// Asked by real runs only. No `docker --version`: the daemon's answer (auto mode) says
	// both whether it runs and its version.
	Result<std::string> available() noexcept override
	{
		if (!support::findProgram(binary_))
			return err(Errc::Skip, "docker: " + binary_ + " is not installed");
		if (mode_ == CdiMode::Auto)
			TB_TRY(askDaemon());
		return serverVersion_;
	}

	bool supportsCdi() const noexcept override
	{
		if (mode_ != CdiMode::Auto)
			return mode_ == CdiMode::On;
		auto r = askDaemon();
		return r && *r;
	}

	Result<Invocation> buildInvocation(const RunRequest &r) const noexcept override
	{
		if (r.image.empty())
			return err(Errc::InvalidArgument, "docker: no image given");
		Invocation inv;
		auto &a = inv.argv;
		// CDI names only reach a daemon that resolves them; tb passes none otherwise.
		a = support::dockerStyleRunHead(binary_, r);
		// docker's -v knows ro/rw, SELinux labels and propagation; a bind mount is
		// always a (recursive) bind, and nosuid/nodev have no spelling there.
		static const std::vector<std::string_view> volumeOptions = {
			"ro",      "rw",    "z",      "Z",       "shared",
			"rshared", "slave", "rslave", "private", "rprivate"};
		for (const auto &m : r.mounts)
			a.insert(a.end(), {"-v", support::volumeArg(m, volumeOptions)});
		for (const auto &kv : r.env)
			a.insert(a.end(), {"-e", support::envArg(kv)});
		for (const auto &s : r.securityOpts)
			a.insert(a.end(), {"--security-opt", s});
		a.insert(a.end(), r.extraArgs.begin(), r.extraArgs.end());
		a.push_back(r.image);
		a.insert(a.end(), r.command.begin(), r.command.end());
		return inv;
	}

private:
	// Once per process: `docker info` is a round trip to the daemon.
	Result<bool> askDaemon() const
	{
		if (daemon_)
			return *daemon_;
		auto r = support::runProcessOutput(
			{binary_, "info", "--format", "{{.ServerVersion}} {{json .CDISpecDirs}}"});
		if (!r) {
			daemon_ = err(Errc::Skip, "docker: " + binary_ + " is not installed");
		} else if (r->exitCode == 0) {
			std::string line = support::lastLine(r->stdoutText);
			auto sp = line.find(' ');
			serverVersion_ = line.substr(0, sp);
			daemon_ = cdiEnabled(sp == std::string::npos ? "" : line.substr(sp + 1));
		} else if (r->stderrText.find("CDISpecDirs") != std::string::npos) {
			daemon_ = false; // a daemon older than 25.0: no CDI field at all
		} else { // Skip: docker cannot run here, which a dry run may still show
			daemon_ =
				err(Errc::Skip,
				    "docker: no Docker daemon answers (" +
					    support::lastLine(r->stderrText) +
					    "); start dockerd or point DOCKER_HOST at one, or use "
					    "--runtime podman");
		}
		return *daemon_;
	}

	std::string binary_;
	CdiMode mode_;
	mutable std::optional<Result<bool>> daemon_;
	mutable std::string serverVersion_; ///< "" until the daemon answered
};

Result<std::unique_ptr<Runtime>> create(Host &host, const ConfigView &config)
{
	for (const auto &k : config.unknownKeys({"binary", "cdi"}))
		host.log(LogLevel::Warn, "unknown key '" + k + "' ignored");
	std::string cdi = config.getString("cdi", "auto");
	CdiMode mode = CdiMode::Auto;
	if (cdi == "on" || cdi == "true")
		mode = CdiMode::On;
	else if (cdi == "off" || cdi == "false")
		mode = CdiMode::Off;
	else if (cdi != "auto")
		return err(Errc::InvalidArgument,
			   "[plugins.\"runtime.docker\"] cdi = '" + cdi + "': use auto, on or off");
	return std::unique_ptr<Runtime>(
		std::make_unique<DockerRuntime>(config.getString("binary", "docker"), mode));
}

} // namespace

TB_PLUGIN(tb::Runtime, "docker", "1.0.0", create);
