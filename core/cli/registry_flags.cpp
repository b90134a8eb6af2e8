// SPDX-License-Identifier: Apache-2.0
// Flags of the verbs that may touch a registry: --authfile and --tls-verify.
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

void applyRegistryFlags(const RegistryFlags &flags)
{
	// The registry transport reads these for this process.
	if (!flags.authFile.empty())
		::setenv("REGISTRY_AUTH_FILE", flags.authFile.c_str(), 1);
	if (flags.tlsVerify)
		::setenv("TB_TLS_VERIFY", *flags.tlsVerify ? "true" : "false", 1);
}

} // namespace tb::cli
