// SPDX-License-Identifier: Apache-2.0
// libtb: Container Device Interface specs for the host's GPUs (what `tb cdi generate` writes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <tb/gpu.h>
#include <tb/result.h>
#include <tb/runtime.h>

namespace tb {

class Context;

/// \brief An OCI hook a CDI spec asks the runtime to run (e.g. ldconfig after mounts).
struct CdiHook {
	std::string hookName; ///< "createContainer", ...
	std::string path;
	std::vector<std::string> args;
	std::vector<std::string> env;
};

/// \brief What a CDI device (or the whole spec) adds to a container.
struct CdiContainerEdits {
	std::vector<std::string> env; ///< "NAME=value"
	std::vector<DeviceNode> deviceNodes;
	std::vector<Mount> mounts;
	std::vector<CdiHook> hooks;
};

/// \brief One device of a spec; its CDI name is `kind=name` ("nvidia.com/gpu=0").
struct CdiDevice {
	std::string name; ///< "0", "GPU-<uuid>", "all"
	CdiContainerEdits containerEdits;
};

/// \brief A CDI spec: one vendor's devices plus the edits common to all of them.
struct CdiSpec {
	std::string cdiVersion = "0.6.0";
	std::string kind; ///< "nvidia.com/gpu", "amd.com/gpu", ...
	std::vector<CdiDevice> devices;
	CdiContainerEdits containerEdits;
};

/// \brief The CDI specs for the GPUs the probes of \a ctx find, shaped by \a profile
/// ("" = the default selection, "gaming", "aiml" or a `[profiles.NAME]` of the config).
/// \return Errc::InvalidArgument for an unknown profile; Errc::NotImplemented until the CDI
///	    generator lands (the API is in place so programs can be written against it)
Result<std::vector<CdiSpec>> generateCdi(Context &ctx, std::string_view profile);

} // namespace tb
