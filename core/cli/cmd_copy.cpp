// SPDX-License-Identifier: Apache-2.0
// `tb copy SRC DST`: copy an image between transports, blobs byte for byte, digests kept.
#include <cstdio>
#include <string>

#include <fmt/core.h>

#include <tb/images.h>

#include "cli.h"

namespace tb::cli {

void registerCopy(CLI::App &app, Env &env)
{
	auto *cmd =
		app.add_subcommand("copy", "Copy an image between transports (digests are kept)");
	static std::string src, dst;
	static bool quiet = false;
	cmd->add_option(
		   "SRC", src,
		   "Source reference (oci:DIR[:TAG], oci-archive:FILE[:TAG], "
		   "docker-archive:FILE[:REF], docker://HOST/REPO[:TAG], or a local store name)")
		->required();
	cmd->add_option("DST", dst, "Destination reference")->required();
	cmd->add_flag("-q,--quiet", quiet, "Print only the manifest digest");
	static RegistryFlags flags;
	addRegistryFlags(cmd, flags);
	onRun(cmd, env, [&env]() -> Status {
		applyRegistryFlags(flags);
		Context *ctx = TB_TRY(env.openContext());
		auto r = TB_TRY(copyImage(*ctx, src, dst));
		if (quiet) {
			fmt::print("{}\n", r.manifestDigest.str());
			return ExitOk;
		}
		if (r.resolvedIndex)
			fmt::print("note: {} holds an index; copied its linux/amd64 (or only) "
				   "manifest\n",
				   src);
		fmt::print("copied {} blob(s), {} bytes; {} already present\n", r.blobsCopied,
			   r.bytesCopied, r.blobsSkipped);
		fmt::print("{}\n", r.manifestDigest.str());
		return ExitOk;
	});
}

} // namespace tb::cli
