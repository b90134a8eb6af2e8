// SPDX-License-Identifier: Apache-2.0
// `tb rmi NAME...`: remove images from the local store (podman rmi's output and exit codes).
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
	cmd->callback([&env]() {
		Context *ctx = env.context();
		if (!ctx)
			return;
		auto r = removeImages(*ctx, names, force);
		if (!r) {
			env.fail(r.error());
			return;
		}
		for (const auto &n : r->untagged)
			fmt::print("Untagged: {}\n", n);
		for (const auto &d : r->deleted)
			fmt::print("Deleted: {}\n", d.str());
		for (const auto &e : r->errors)
			env.fail(e);
	});
}

} // namespace tb::cli
