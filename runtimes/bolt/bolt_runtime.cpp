// SPDX-License-Identifier: Apache-2.0
// Runtime "bolt": two forms, because the nvbind/Bolt integration guide and Bolt as released
// disagree (docs/runtimes/bolt.md).
//  contract: the guide's `bolt surge run --cdi-device KIND=NAME --capsule-isolation gpu-LEVEL
//            --runtime-optimization gpu-passthrough [--env K=V]... IMAGE [COMMAND...]`, used
//            when `bolt surge run --help` advertises --cdi-device;
//  run:      Bolt's real `bolt run IMAGE [-n N] [-e K=V]... [-v H:C]...`, which has no way
//            to pass a device and no trailing command.
#include <optional>

#include <tb/runtime.h>

#include "tbsupport/run_args.h"
#include "tbsupport/subprocess.h"

namespace {

using namespace tb;

enum class Form { Auto, Contract, Run };

class BoltRuntime final : public Runtime {
public:
	BoltRuntime(Host &host, std::string binary, Form form)
	    : host_(host), binary_(std::move(binary)), configured_(form)
	{
	}

	std::string_view runtimeName() const noexcept override { return "bolt"; }

	// Asked by real runs only; no `bolt --version` (nothing depends on it), so no version.
	Result<std::string> available() noexcept override
	{
		if (!support::findProgram(binary_))
			return err(Errc::Skip, "bolt: " + binary_ + " is not installed");
		form();
		return std::string();
	}

	// In the contract form Bolt resolves CDI names; `bolt run` passes no devices at all.
	bool supportsCdi() const noexcept override { return form() == Form::Contract; }

	Result<Invocation> buildInvocation(const RunRequest &r) const noexcept override
	{
		if (r.image.empty())
			return err(Errc::InvalidArgument, "bolt: no image given");
		return form() == Form::Contract ? contract(r) : run(r);
	}

private:
	// Auto: asked of `bolt surge run --help` once, when first needed (a dry run too: the
	// form decides the argv). A Bolt that is not installed is shown in the contract form.
	Form form() const
	{
		if (form_)
			return *form_;
		if (configured_ != Form::Auto) {
			form_ = configured_;
			return *form_;
		}
		auto help = support::runProcessOutput({binary_, "surge", "run", "--help"});
		if (!help) {
			form_ = Form::Contract;
			return *form_;
		}
		bool contract = help->exitCode == 0 &&
				(help->stdoutText + help->stderrText).find("--cdi-device") !=
					std::string::npos;
		form_ = contract ? Form::Contract : Form::Run;
		host_.log(LogLevel::Debug, contract ? "bolt surge run --cdi-device found: "
						      "the integration contract form"
						    : "no bolt surge run --cdi-device: Bolt's "
						      "own `bolt run` form");
		return *form_;
	}

	Result<Invocation> contract(const RunRequest &r) const
	{
		if (r.interactive || r.tty || !r.name.empty())
			return err(
				Errc::InvalidArgument,
				"bolt: `bolt surge run` (the integration contract) has no -i, -t "
				"or --name");
		Invocation inv;
		auto &a = inv.argv;
		a = {binary_, "surge", "run"};
		if (r.remove)
			a.push_back("--rm");
		a.insert(a.end(), r.extraArgs.begin(), r.extraArgs.end());
		for (const auto &d : r.cdiDevices)
			a.insert(a.end(), {"--cdi-device", d});
		for (const auto &d : r.devices)
			a.insert(a.end(), {"--device", support::deviceArg(d)});
		for (const auto &m : r.mounts)
			a.insert(a.end(), {"--volume", support::volumeArg(m, {"ro", "rw"})});
		for (const auto &s : r.securityOpts) {
			if (s.rfind("seccomp=", 0) == 0)
				a.insert(a.end(), {"--seccomp", s.substr(8)});
			else if (s.rfind("apparmor=", 0) == 0)
				a.insert(a.end(), {"--apparmor", s.substr(9)});
			else // as nvbind did, but said out loud
				host_.log(LogLevel::Warn, "security option '" + s +
								  "' has no `bolt surge run` flag "
								  "(only seccomp= and apparmor=): "
								  "not passed");
		}
		std::string level = r.isolation.empty() ? "exclusive" : r.isolation;
		a.insert(a.end(), {"--capsule-isolation", "gpu-" + level, "--runtime-optimization",
				   "gpu-passthrough"});
		for (const auto &kv : r.env)
			a.insert(a.end(), {"--env", support::envArg(kv)});
		a.push_back(r.image);
		a.insert(a.end(), r.command.begin(), r.command.end());
		return inv;
	}

	Result<Invocation> run(const RunRequest &r) const
	{
		std::string cannot;
		if (!r.cdiDevices.empty() || !r.devices.empty()) {
			std::string list;
			for (const auto &d : r.cdiDevices)
				list += (list.empty() ? "" : ", ") + d;
			for (const auto &d : r.devices)
				list += (list.empty() ? "" : ", ") + d.path;
			cannot = "devices (" + list +
				 "); run with --gpus none, or use a Bolt whose "
				 "`surge run` takes --cdi-device";
		} else if (!r.command.empty())
			cannot = "a command after the image; Bolt runs the image's own command";
		else if (r.interactive || r.tty)
			cannot = "-i or -t";
		else if (!r.securityOpts.empty())
			cannot = "security options (" + r.securityOpts.front() + ")";
		if (!cannot.empty())
			return err(Errc::InvalidArgument,
				   "bolt: Bolt's `bolt run` cannot pass " + cannot);
		if (r.remove)
			host_.log(LogLevel::Info, "bolt run has no --rm; the container is kept");
		Invocation inv;
		auto &a = inv.argv;
		a = {binary_, "run", r.image};
		if (!r.name.empty())
			a.insert(a.end(), {"-n", r.name});
		for (const auto &kv : r.env)
			a.insert(a.end(), {"-e", support::envArg(kv)});
		// Bolt hands -v to podman or docker unchanged: use what both accept.
		for (const auto &m : r.mounts)
			a.insert(a.end(), {"-v", support::volumeArg(m, {"ro", "rw"})});
		a.insert(a.end(), r.extraArgs.begin(), r.extraArgs.end());
		return inv;
	}

	Host &host_;
	std::string binary_;
	Form configured_;
	mutable std::optional<Form> form_; ///< settled by form()
};

Result<std::unique_ptr<Runtime>> create(Host &host, const ConfigView &config)
{
	for (const auto &k : config.unknownKeys({"binary", "form"}))
		host.log(LogLevel::Warn, "unknown key '" + k + "' ignored");
	std::string f = config.getString("form", "auto");
	Form form = Form::Auto;
	if (f == "contract")
		form = Form::Contract;
	else if (f == "run")
		form = Form::Run;
	else if (f != "auto")
		return err(Errc::InvalidArgument, "[plugins.\"runtime.bolt\"] form = '" + f +
							  "': use auto, contract or run");
	return std::unique_ptr<Runtime>(
		std::make_unique<BoltRuntime>(host, config.getString("binary", "bolt"), form));
}

} // namespace

TB_PLUGIN(tb::Runtime, "bolt", "1.0.0", create);
