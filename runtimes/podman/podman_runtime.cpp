// SPDX-License-Identifier: Apache-2.0
// Runtime "podman": `podman run` with CDI device names (podman >= 4.1 resolves them from
// /etc/cdi and /var/run/cdi itself), plain nodes and mounts, and the environment as `-e`.
#include <tb/runtime.h>

#include "tbsupport/run_args.h"
#include "tbsupport/subprocess.h"

namespace {

using namespace tb;

class PodmanRuntime final : public Runtime {
public:
	explicit PodmanRuntime(std::string binary) : binary_(std::move(binary)) {}

	std::string_view runtimeName() const noexcept override { return "podman"; }

	// Asked by real runs only (a dry run shows what would run): `podman --version` takes
	// 70-100 ms, and only a run that passes CDI names needs its answer.
	Result<std::string> available() noexcept override
	{
		if (!support::findProgram(binary_))
			return err(Errc::Skip, "podman: " + binary_ + " is not installed");
		auto r = support::runProcessOutput({binary_, "--version"});
		if (!r)
			return err(Errc::Skip, "podman: " + binary_ + " is not installed");
		if (r->exitCode != 0)
			return err(Errc::Unavailable, "podman: '" + binary_ +
							      " --version' failed: " +
							      support::lastLine(r->stderrText));
		// "podman version 4.3.1"
		std::string v = support::lastLine(r->stdoutText);
		auto sp = v.rfind(' ');
		version_ = sp == std::string::npos ? v : v.substr(sp + 1);
		return version_;
	}

	bool supportsCdi() const noexcept override { return true; }

	Result<Invocation> buildInvocation(const RunRequest &r) const noexcept override
	{
		if (r.image.empty())
			return err(Errc::InvalidArgument, "podman: no image given");
		// Before 4.1 podman takes `--device nvidia.com/gpu=0` for a path and fails on it.
		if (!r.cdiDevices.empty() && !version_.empty() &&
		    !support::versionAtLeast(version_, "4.1"))
			return err(Errc::Unsupported,
				   "podman: podman " + version_ + " (" + binary_ +
					   ") cannot resolve CDI device names such as " +
					   r.cdiDevices.front() +
					   "; CDI needs podman 4.1 or later");
		Invocation inv;
		auto &a = inv.argv;
		a = support::dockerStyleRunHead(binary_, r);
		// podman's -v takes every CDI mount option (ro, nosuid, nodev, rbind, rprivate).
		for (const auto &m : r.mounts)
			a.insert(a.end(), {"-v", support::volumeArg(m)});
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
	std::string binary_;
	std::string version_; ///< "" until available() asked
};

Result<std::unique_ptr<Runtime>> create(Host &host, const ConfigView &config)
{
	for (const auto &k : config.unknownKeys({"binary"}))
		host.log(LogLevel::Warn, "unknown key '" + k + "' ignored");
	return std::unique_ptr<Runtime>(
		std::make_unique<PodmanRuntime>(config.getString("binary", "podman")));
}

} // namespace

TB_PLUGIN(tb::Runtime, "podman", "1.0.0", create);
