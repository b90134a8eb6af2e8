// SPDX-License-Identifier: Apache-2.0
// `tb rmi NAME...`: remove images from the local store (podman rmi's output and exit codes).
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/core.h>

#include <tb/images.h>

#include "cli.h"

namespace tb::cli {

void registerRmi(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("rmi", "Remove images from the local store");
	static std::vector<std::string> names;
	static bool force = false;
	cmd->add_option("NAME", names, "Store name (name[:tag]) or image digest (or its prefix)")
		->required();
	cmd->add_flag("-f,--force", force, "Remove every tag of an image named by digest");
	onRun(cmd, env, [&env]() -> Status {
		Context *ctx = TB_TRY(env.openContext());
		auto r = TB_TRY(removeImages(*ctx, names, force));
		for (const auto &n : r.untagged)
			fmt::print("Untagged: {}\n", n);
		for (const auto &d : r.deleted)
			fmt::print("Deleted: {}\n", d.str());
		if (r.errors.empty())
			return ExitOk;
		std::fflush(stdout);
		// One line per name that failed, as podman rmi; main prints the last.
		for (size_t i = 0; i + 1 < r.errors.size(); ++i)
			std::fprintf(stderr, "tb: %s\n", r.errors[i].message.c_str());
		return Status(r.errors.back(), ExitFailed);
	});
}

} // namespace tb::cli
