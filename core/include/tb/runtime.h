// SPDX-License-Identifier: Apache-2.0
// Runtime-adaptor plugins: turn a run request into the argv of podman, docker, bolt, ...
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tb/gpu.h>
#include <tb/plugin.h>
#include <tb/result.h>

#define TB_RUNTIME_API_VERSION 1u

namespace tb {

/// \brief A bind mount into the container.
struct Mount {
	std::string hostPath;
	std::string containerPath;
	std::vector<std::string> options; ///< "ro", "bind", ...
	bool operator==(const Mount &) const = default;
};

using EnvList = std::vector<std::pair<std::string, std::string>>;

/// \brief What the user asked `tb run` to start, after profiles and config were applied.
struct RunRequest {
	std::string image;
	std::vector<std::string> command;
	std::vector<std::string> cdiDevices; ///< fully-qualified CDI names ("nvidia.com/gpu=0")
	std::vector<DeviceNode> devices;     ///< plain device nodes (runtimes without CDI)
	std::vector<Mount> mounts;
	EnvList env;
	std::vector<std::string> securityOpts;
	std::vector<std::string> extraArgs; ///< [runtime] default_args and the user's own
	std::string profile;                ///< "gaming", "aiml", user profile, or empty
	std::string name;                   ///< container name, may be empty
	bool remove = true;
	bool interactive = false;
	bool tty = false;
	/// GPU isolation level ("shared", "exclusive", "virtual"); tb enforces it itself, a
	/// runtime that has a matching option (Bolt's capsules) passes it on.
	std::string isolation;
};

/// \brief A ready-to-exec command line.
struct Invocation {
	std::vector<std::string> argv;
	EnvList env; ///< extra environment for the runtime process itself
};

class Runtime {
public:
	virtual ~Runtime() = default;
	/// \brief The runtime's name ("podman").
	virtual std::string_view runtimeName() const noexcept = 0;
	/// \brief Whether the runtime can run here; its version when it can.
	/// \return Errc::Skip when the runtime is not installed
	virtual Result<std::string> available() noexcept = 0;
	/// \brief Whether the runtime resolves CDI device names itself.
	virtual bool supportsCdi() const noexcept = 0;
	/// \return Errc::InvalidArgument for requests it cannot express
	virtual Result<Invocation> buildInvocation(const RunRequest &request) const noexcept = 0;
};

template<>
struct KindTraits<Runtime> {
	static constexpr Kind kind = Kind::Runtime;
	static constexpr uint32_t apiVersion = TB_RUNTIME_API_VERSION;
};

} // namespace tb
