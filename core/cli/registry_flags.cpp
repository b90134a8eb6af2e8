// SPDX-License-Identifier: Apache-2.0
// Flags of the verbs that may touch a registry: --authfile, --tls-verify, --platform.
#include <cstdlib>

#include "cli.h"

namespace tb::cli {

void addRegistryFlags(CLI::App *cmd, RegistryFlags &flags)
{
	cmd->add_option("--authfile", flags.authFile,
			"Registry credentials file (default: $REGISTRY_AUTH_FILE, else "
			"$XDG_RUNTIME_DIR/containers/auth.json, ...)");
	cmd->add_option("--tls-verify", flags.tlsVerify,
			"Verify registry certificates (false also allows plain HTTP)");
}

void applyRegistryFlags(Env &env, const RegistryFlags &flags)
{
	// The core's credential store reads the auth file podman's way (REGISTRY_AUTH_FILE).
	if (!flags.authFile.empty())
		::setenv("REGISTRY_AUTH_FILE", flags.authFile.c_str(), 1);
	// Reaches the registry transport through the host service tb.registry-tls.
	env.global.tlsVerify = flags.tlsVerify;
}

void quietTransfers(Env &env, bool quiet)
{
	env.global.quietTransfers = quiet;
}

void addPlatformFlag(CLI::App *cmd, std::string &platform)
{
	cmd->add_option("--platform", platform,
			"OS/ARCH[/VARIANT] to take from a multi-platform image (default: this "
			"host's, e.g. linux/amd64)");
}

} // namespace tb::cli
