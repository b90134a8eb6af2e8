// SPDX-License-Identifier: Apache-2.0
// tb-runtime: an OCI runtime shim for `docker --runtime` / `podman --runtime`. On `create`
// (and `run`) it adds the CDI edits of the devices the container asks for to the bundle's
// config.json, then execs runc or crun with the same arguments; everything else passes
// straight through. docs/runtimes/shim.md.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include <tb/context.h>

#include "oci_edits.h"

namespace {

// runc/crun global options that take a value ("--root DIR"); the rest are flags.
bool takesValue(const std::string &opt)
{
	for (const char *o :
	     {"--root", "--log", "--log-format", "--criu", "--rootless", "--cgroup-manager"})
		if (opt == o)
			return true;
	return false;
}

struct Command {
	std::string sub;          ///< "create", "start", "delete", ... ("" for --version)
	std::string bundle = "."; ///< runc's default: the working directory
};

Command parse(const std::vector<std::string> &args)
{
	Command c;
	size_t i = 0;
	for (; i < args.size(); ++i) {
		const std::string &a = args[i];
		if (a.empty() || a[0] != '-') {
			c.sub = a;
			break;
		}
		if (takesValue(a))
			++i;
	}
	for (++i; i < args.size(); ++i) {
		const std::string &a = args[i];
		if ((a == "--bundle" || a == "-b") && i + 1 < args.size())
			c.bundle = args[++i];
		else if (a.rfind("--bundle=", 0) == 0)
			c.bundle = a.substr(9);
	}
	return c;
}

bool onPath(const std::string &name)
{
	const char *path = std::getenv("PATH");
	std::string p = path ? path : "/usr/bin:/bin";
	size_t pos = 0;
	while (pos <= p.size()) {
		size_t colon = p.find(':', pos);
		std::string dir =
			p.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
		if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0)
			return true;
		if (colon == std::string::npos)
			break;
		pos = colon + 1;
	}
	return false;
}

int fail(const std::string &message)
{
	std::fprintf(stderr, "tb-runtime: %s\n", message.c_str());
	return 1;
}

tb::Result<void> edit(const tb::Config &config, const std::string &bundle)
{
	std::string path = bundle + "/config.json";
	auto spec = TB_TRY(tb::shim::readConfig(path));
	// Unqualified TB_VISIBLE_DEVICES names match any kind; NVIDIA_VISIBLE_DEVICES' are
	// nvidia.com/gpu, as with the NVIDIA runtime.
	auto devices = tb::shim::requestedDevices(spec, "");
	if (devices.empty())
		return {}; // nothing asked: behave exactly like runc
	(void)config;
	auto registry = tb::shim::CdiRegistry::load({"/etc/cdi", "/var/run/cdi"});
	TB_TRY_CTX(registry.apply(devices, spec), path);
	return tb::shim::writeConfig(path, spec);
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<std::string> args(argv + 1, argv + argc);
	tb::ContextOptions options;
	options.loadPlugins = false; // the shim needs the config only
	auto ctx = tb::Context::create(options);
	if (!ctx)
		return fail(ctx.error().message);
	const tb::Config &config = (*ctx)->config();
	std::string oci = config.runtime.ociRuntime;
	if (oci.empty())
		oci = onPath("runc") || !onPath("crun") ? "runc" : "crun";

	Command cmd = parse(args);
	if (cmd.sub == "create" || cmd.sub == "run")
		if (auto r = edit(config, cmd.bundle); !r)
			return fail(r.error().message);

	std::vector<char *> execArgs;
	execArgs.push_back(oci.data());
	for (auto &a : args)
		execArgs.push_back(a.data());
	execArgs.push_back(nullptr);
	ctx->reset(); // nothing of libtb stays open across exec
	::execvp(oci.c_str(), execArgs.data());
	return fail("cannot exec '" + oci + "': " + std::strerror(errno));
}
