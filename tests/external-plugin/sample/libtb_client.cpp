// SPDX-License-Identifier: Apache-2.0
// A program linking libtb from the installed headers and tb.pc alone, as a container runtime
// would: open a Context, read the typed config, ask for CDI specs and a run invocation.
#include <cstdio>

#include <tb/cdi.h>
#include <tb/context.h>
#include <tb/run.h>

int main()
{
	tb::ContextOptions o;
	o.loadPlugins = false;
	auto ctx = tb::Context::create(o);
	if (!ctx) {
		std::fprintf(stderr, "context: %s\n", ctx.error().message.c_str());
		return 1;
	}
	std::printf("default_runtime=%s\n", (*ctx)->config().runtime.defaultRuntime.c_str());
	auto cdi = tb::generateCdi(**ctx, "aiml");
	std::printf("cdi=%s: %s\n",
		    cdi ? "ok" : std::string(tb::errcName(cdi.error().code)).c_str(),
		    cdi ? "" : cdi.error().message.c_str());
	tb::RunOptions run;
	run.image = "docker.io/library/ubuntu:24.04";
	auto inv = tb::buildRunInvocation(**ctx, run);
	std::printf("run=%s: %s\n",
		    inv ? "ok" : std::string(tb::errcName(inv.error().code)).c_str(),
		    inv ? "" : inv.error().message.c_str());
	return 0;
}
