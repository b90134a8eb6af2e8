// SPDX-License-Identifier: Apache-2.0
// libtb: turn "run IMAGE with GPUs, a profile and a kernel cache" into a runtime's argv.
#pragma once

#include <string>
#include <vector>

#include <tb/result.h>
#include <tb/runtime.h>

namespace tb {

class Context;

/// \brief What a caller of `tb run` asks for, before config and profile are applied. Empty
/// fields take their value from the config (`[runtime] default_runtime`, the profile, ...).
struct RunOptions {
	std::string runtime; ///< runtime plugin name ("podman"); "" = [runtime] default_runtime
	std::string profile; ///< "gaming", "aiml", a [profiles.NAME], or "" for none
	std::string gpus;    ///< GPU selection ("all", "0,2"); "" = the profile's or [gpu]'s
	std::string image;   ///< required
	std::vector<std::string> command;
	std::string cacheImage; ///< kernel cache image to mount; "" = the profile's, if any
	EnvList env;            ///< added to the container environment
	std::vector<std::string> extraArgs; ///< added runtime arguments
	std::string name;                   ///< container name, may be empty
	bool interactive = false;
	bool tty = false;
};

/// \brief Apply config and profile, probe the GPUs, and let the runtime plugin build the
/// invocation (argv + environment) that starts the container. Nothing is executed.
/// \return Errc::InvalidArgument for a missing image, a bad runtime name or an unknown
///	    profile; Errc::NotImplemented until `tb run` lands (the API is in place so programs
///	    can be written against it)
Result<Invocation> buildRunInvocation(Context &ctx, const RunOptions &options);

} // namespace tb
