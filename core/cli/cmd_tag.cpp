// SPDX-License-Identifier: Apache-2.0
// `tb tag SRC DST`: give a local store image another name.
#include <string>

#include <tb/images.h>

#include "cli.h"

namespace tb::cli {

void registerTag(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("tag", "Add a name to an image of the local store");
	static std::string src, dst;
	cmd->add_option("SRC", src, "Store name (name[:tag]) or image digest (or its prefix)")
		->required();
	cmd->add_option("DST", dst, "New name (name[:tag], :latest by default)")->required();
	onRun(cmd, env, [&env]() -> Status {
		Context *ctx = TB_TRY(env.openContext());
		TB_TRY(tagImage(*ctx, src, dst));
		return ExitOk;
	});
}

} // namespace tb::cli
