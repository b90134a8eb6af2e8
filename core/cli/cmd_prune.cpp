// SPDX-License-Identifier: Apache-2.0
// `tb prune [--dry-run]`: delete the local store's unused blobs and dead writers' temp files.
#include <string>

#include <fmt/core.h>

#include <tb/images.h>
#include <tb/json_output.h>

#include "cli.h"

namespace tb::cli {

namespace {

void printJson(const PruneReport &r)
{
	fmt::print("{}\n", pruneReportJson(r));
}

void printText(const PruneReport &r)
{
	for (const auto &i : r.items)
		fmt::print("{}{} {} ({} bytes)\n", r.dryRun ? "would remove " : "removed ",
			   prunedItemKindName(i.kind), i.path, i.bytes);
	fmt::print("{} {} bytes in {} item(s)\n", r.dryRun ? "Would reclaim" : "Reclaimed", r.bytes,
		   r.items.size());
}

} // namespace

void registerPrune(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand(
		"prune", "Delete blobs no store image uses and temp files of dead tb processes");
	static bool dryRun = false, json = false;
	cmd->add_flag("--dry-run", dryRun, "Only list what would be removed");
	cmd->add_flag("--json", json, "Machine-readable output");
	onRun(cmd, env, [&env]() -> Status {
		Context *ctx = TB_TRY(env.openContext());
		return printResult(pruneStore(*ctx, dryRun), json, printJson, printText);
	});
}

} // namespace tb::cli
