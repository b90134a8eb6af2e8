// SPDX-License-Identifier: Apache-2.0
// Test runtime "echo": builds a podman-shaped argv run through /bin/echo, so tests can
// execute the invocation and read back exactly what a runtime would have received.
#include <unistd.h>

#include <tb/runtime.h>

namespace {

using namespace tb;

class EchoRuntime final : public Runtime {
public:
	std::string_view runtimeName() const noexcept override { return "echo"; }

	Result<std::string> available() noexcept override
	{
		if (::access("/bin/echo", X_OK) != 0)
			return err(Errc::Skip, "/bin/echo is not executable");
		return std::string("1.0");
	}

	bool supportsCdi() const noexcept override { return true; }

	Result<Invocation> buildInvocation(const RunRequest &r) const noexcept override
	{
		if (r.image.empty())
			return err(Errc::InvalidArgument, "echo runtime: no image given");
		Invocation inv;
		auto &a = inv.argv;
		a = {"/bin/echo", "run"};
		if (r.remove)
			a.push_back("--rm");
		if (r.interactive)
			a.push_back("-i");
		if (r.tty)
			a.push_back("-t");
		if (!r.name.empty())
			a.push_back("--name=" + r.name);
		for (const auto &d : r.cdiDevices)
			a.push_back("--device=" + d);
		for (const auto &d : r.devices)
			a.push_back("--device=" + d.path);
		for (const auto &m : r.mounts) {
			std::string opt = "--volume=" + m.hostPath + ":" + m.containerPath;
			for (size_t i = 0; i < m.options.size(); ++i)
				opt += (i ? "," : ":") + m.options[i];
			a.push_back(opt);
		}
		for (const auto &[k, v] : r.env)
			a.push_back("--env=" + k + "=" + v);
		for (const auto &s : r.securityOpts)
			a.push_back("--security-opt=" + s);
		a.insert(a.end(), r.extraArgs.begin(), r.extraArgs.end());
		a.push_back(r.image);
		a.insert(a.end(), r.command.begin(), r.command.end());
		return inv;
	}
};

Result<std::unique_ptr<Runtime>> create(Host &, const ConfigView &)
{
	return std::unique_ptr<Runtime>(std::make_unique<EchoRuntime>());
}

} // namespace

TB_PLUGIN(tb::Runtime, "echo", "1.0.0", create);
