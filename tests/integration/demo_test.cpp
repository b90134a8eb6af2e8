// SPDX-License-Identifier: Apache-2.0
// scripts/demo.sh is the first thing a new user runs: it must work from a plain shell (no
// LD_LIBRARY_PATH set, which broke it once under `set -u`) and do the whole main job.
#include <gtest/gtest.h>

#include "run_command.h"

namespace tb::testing {
namespace {

TEST(Demo, RunsTheMainJobFromACleanEnvironment)
{
	const std::string src = envOr("TB_SOURCE_ROOT");
	const std::string build = envOr("TB_BUILD_ROOT");
	ASSERT_FALSE(src.empty());
	ASSERT_FALSE(build.empty());
	// Only what a login shell would have: no LD_LIBRARY_PATH, no TB_PLUGIN_PATH.
	auto o = run(
		"env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=" +
		shq(envOr("HOME", "/root")) + " TB_DEMO_NO_SETUP=1 BUILD_DIR=" + shq(build) +
		" bash " + shq(src + "/scripts/demo.sh") + " 2>&1");
	ASSERT_EQ(o.rc, 0) << o.out << o.err;
	for (const char *want :
	     {"$ tb version", "plugin ABI 1", "$ tb plugins ls", "transport  oci ",
	      "$ tb config show", "[core]", "created vector-add:cuda (compat, gzip)",
	      "vector-add:cuda  ", "Cache variant: compat", "match     nvidia 0 Tesla T4",
	      "extracted vector-add:cuda (compat) into", "1 __grp__ file(s) rewritten",
	      "add_kernel.cubin", "\"child_paths\""})
		EXPECT_NE(o.out.find(want), std::string::npos) << "missing '" << want << "' in\n"
							       << o.out;
	// The real container, where podman can run (root, podman, runc): the profile's
	// variables, the fixture T4's nodes and the kernel cache inside it.
	if (o.out.find("(skipping the real `tb run --runtime podman`") == std::string::npos) {
		for (const char *want :
		     {"$ tb --host-root ", " run --runtime podman --profile aiml --cache-image ",
		      "\nCUDA_CACHE_MAXSIZE=2147483648\n",
		      "\nNVIDIA_DRIVER_CAPABILITIES=compute,utility\n",
		      "\nTRITON_CACHE_DIR=/root/.triton/cache\n", " /dev/nvidiactl\n",
		      "\nNNIRBEH2OVXHBOQBWMZABZQUTHRBNTKPWP7Q45RX7SE5JGCMEUPA\n"})
			EXPECT_NE(o.out.find(want), std::string::npos)
				<< "missing '" << want << "' in\n"
				<< o.out;
	}
	// stdout is a file, not a TTY: the step headers carry no colour codes.
	EXPECT_EQ(o.out.find("\033["), std::string::npos) << o.out;
}

} // namespace
} // namespace tb::testing
