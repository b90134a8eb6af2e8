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
	static CopyOptions options;
	addPlatformFlag(cmd, options.platform);
	cmd->add_option("-j,--jobs", options.jobs,
			"Blobs copied at once (default 4; 1 = one after another)")
		->check(CLI::Range(1, 64));
	onRun(cmd, env, [&env]() -> Status {
		applyRegistryFlags(env, flags);
		quietTransfers(env, quiet);
		Context *ctx = TB_TRY(env.openContext());
		auto r = TB_TRY(copyImage(*ctx, src, dst, options));
		if (quiet) {
			fmt::print("{}\n", r.manifestDigest.str());
			return ExitOk;
		}
		if (r.resolvedIndex)
			fmt::print("note: {} holds an index; copied its {} manifest\n", src,
				   r.platform.empty() ? std::string("only") : r.platform);
		fmt::print("copied {} blob(s), {} bytes; {} already present\n", r.blobsCopied,
			   r.bytesCopied, r.blobsSkipped);
		fmt::print("{}\n", r.manifestDigest.str());
		return ExitOk;
	});
}

} // namespace tb::cli
