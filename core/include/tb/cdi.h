// SPDX-License-Identifier: Apache-2.0
// libtb: Container Device Interface specs for the host's GPUs (what `tb cdi generate` writes),
// and the checks and listing of `tb cdi validate|list`. Format and rules: docs/cdi.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <tb/result.h>

namespace tb {

class Context;
struct Config;
struct GpuInventory;

/// \brief A device node of a spec (CDI `deviceNodes[]`). Empty/zero fields are not written.
struct CdiDeviceNode {
	std::string path;     ///< in the container
	std::string hostPath; ///< "" = same as path
	std::string type;     ///< "c", "b" or ""
	int64_t major = 0;
	int64_t minor = 0;
	uint32_t fileMode = 0;   ///< permission bits; 0 = not written
	std::string permissions; ///< cgroup access "rwm"; "" = not written
	int64_t gid = -1;        ///< -1 = not written
	bool operator==(const CdiDeviceNode &) const = default;
};

/// \brief A bind mount of a spec (CDI `mounts[]`).
struct CdiMount {
	std::string hostPath;
	std::string containerPath;
	std::vector<std::string> options; ///< "ro", "nosuid", "nodev", "rbind", "rprivate", ...
	std::string type;                 ///< "" = not written (a `type` needs cdiVersion 0.4.0)
	bool operator==(const CdiMount &) const = default;
};

/// \brief An OCI hook a CDI spec asks the runtime to run (e.g. update-ldcache).
struct CdiHook {
	std::string hookName;          ///< "createContainer", ...
	std::string path;              ///< absolute
	std::vector<std::string> args; ///< argv, argv[0] included
	std::vector<std::string> env;
	int timeout = 0; ///< seconds; 0 = not written
	bool operator==(const CdiHook &) const = default;
};

/// \brief What a CDI device (or the whole spec) adds to a container.
struct CdiContainerEdits {
	std::vector<std::string> env; ///< "NAME=value"
	std::vector<CdiDeviceNode> deviceNodes;
	std::vector<CdiMount> mounts;
	std::vector<CdiHook> hooks;
	std::vector<uint32_t> additionalGids; ///< needs cdiVersion 0.7.0
	bool empty() const
	{
		return env.empty() && deviceNodes.empty() && mounts.empty() && hooks.empty() &&
		       additionalGids.empty();
	}
	bool operator==(const CdiContainerEdits &) const = default;
};

/// \brief One device of a spec; its CDI name is `kind=name` ("nvidia.com/gpu=0").
struct CdiDevice {
	std::string name; ///< "0", "GPU-<uuid>", "0:1", "all"
	std::map<std::string, std::string> annotations;
	CdiContainerEdits containerEdits;
	bool operator==(const CdiDevice &) const = default;
};

/// \brief A CDI spec: one vendor's devices plus the edits common to all of them.
struct CdiSpec {
	std::string cdiVersion; ///< the minimum the fields need (cdiRequiredVersion)
	std::string kind;       ///< "nvidia.com/gpu", "amd.com/gpu", ...
	std::map<std::string, std::string> annotations;
	std::vector<CdiDevice> devices;
	CdiContainerEdits containerEdits;
	bool operator==(const CdiSpec &) const = default;
};

/// \brief Which names a GPU gets in a spec (MIG instances are "GPU:N" and "MIG-<uuid>").
enum class CdiDeviceNames { Index, Uuid, Both };

/// \brief What `tb cdi generate` was asked for. Defaults = the flags' defaults.
struct CdiOptions {
	std::string vendor = "all";    ///< nvidia | amd | intel | wsl | all
	std::string profile;           ///< "" or "default", "gaming", "aiml", a [profiles.NAME]
	std::string kindClass = "gpu"; ///< the class of the kinds: "<vendor>.com/<class>"
	CdiDeviceNames deviceNames = CdiDeviceNames::Both;
	/// false: hostPath = the host's own paths (a tb in a container with the host at DIR);
	/// true: hostPath = DIR + path, for a runtime on this machine (fixture hosts, driver roots)
	bool prefixHostPaths = false;
	std::string
		isolation;    ///< shared | exclusive | virtual; "" = [bolt.capsule] isolation_level
	int computeShare = 0; ///< virtual: MPS active thread percentage 1-100; 0 = none
	/// The newest cdiVersion the consumer knows ("" = any). Fields that need a newer one are
	/// left out, with a warning each (podman 4.3 knows up to 0.5.0).
	std::string maxCdiVersion;
};

/// \brief The result of generateCdi: the specs plus what was left out or cannot be honoured.
struct CdiGeneration {
	std::vector<CdiSpec> specs; ///< one per vendor with GPUs, sorted by kind
	std::vector<std::string> warnings;
};

/// \brief Probe the GPUs of \a ctx and write one spec per vendor, shaped by the profile and
/// the isolation level.
/// \return Errc::InvalidArgument for an unknown profile, vendor, isolation or version;
///	    Errc::NotFound when no GPU of the asked vendor is found; Errc::Unsupported for
///	    `virtual` isolation without NVIDIA MPS; a failed probe's error when a probe failed
Result<CdiGeneration> generateCdi(Context &ctx, const CdiOptions &options);
/// \brief The same from an inventory already probed under \a hostRoot; for benchmarks and
/// tools. The host files it reads beyond the reports (groups of device nodes, the hook
/// binary, library links) are read once and kept with the inventory (GpuInventory::hostFacts):
/// later calls with the same root see the host as it was then and make no system call (but a
/// stat of each additional device of a [profiles.NAME]).
Result<CdiGeneration> generateCdi(const GpuInventory &inventory, const Config &config,
				  std::string_view hostRoot, const CdiOptions &options);
/// \brief Shorthand: the specs for \a profile with every other option at its default.
Result<std::vector<CdiSpec>> generateCdi(Context &ctx, std::string_view profile);

/// \brief The minimum cdiVersion the fields of \a spec need (the CDI library's rule):
/// "0.3.0" ... "1.1.0".
std::string cdiRequiredVersion(const CdiSpec &spec);

/// \brief Output formats of a spec. Both are deterministic: same spec, same bytes.
enum class CdiFormat { Json, Yaml };
/// \brief \a spec as pretty JSON (fixed key order, ending in a newline).
std::string cdiSpecJson(const CdiSpec &spec);
/// \brief \a spec as YAML (the same document; strings double-quoted).
std::string cdiSpecYaml(const CdiSpec &spec);
/// \brief The file name a spec gets in a directory: "<vendor>-<class>.json|yaml".
std::string cdiSpecFileName(const CdiSpec &spec, CdiFormat format);

/// \brief Write \a specs to \a output: a directory gets one cdiSpecFileName per spec, a file
/// (only with one spec) is written as is. Atomic (temp file + rename), mode 0644.
/// \return the paths written; Errc::InvalidArgument for several specs into one file
Result<std::vector<std::string>> writeCdiSpecs(const std::vector<CdiSpec> &specs,
					       const std::string &output, CdiFormat format);

/// \brief One problem `tb cdi validate` reports.
struct CdiProblem {
	std::string path;    ///< JSON path: "$.devices[0].containerEdits.env[1]"
	std::string message; ///< "not of the form NAME=value: \"FOO\""
};

/// \brief Check a spec's text (JSON or YAML) with the CDI parser's strict rules: unknown
/// fields, required fields and types, names, env "K=V", absolute hook paths, hook names,
/// device-node types and permissions, duplicate devices, cdiVersion known and at least what
/// the fields need. \return every problem found (empty = valid)
std::vector<CdiProblem> validateCdiSpec(std::string_view text);
/// \brief validateCdiSpec on the file at \a path. \return Errc::NotFound/Io when unreadable
Result<std::vector<CdiProblem>> validateCdiSpecFile(const std::string &path);

/// \brief One device of `tb cdi list`.
struct CdiListedDevice {
	std::string name;     ///< fully qualified: "nvidia.com/gpu=0"
	std::string file;     ///< the spec file that defines it
	std::string conflict; ///< "" or why it cannot be used ("also defined in FILE", ...)
};

/// \brief Everything `tb cdi list` shows.
struct CdiListing {
	std::vector<CdiListedDevice> devices; ///< sorted by name, then file
	std::vector<std::string> errors;      ///< spec files that could not be used, and why
};

/// \brief The CDI spec directories in priority order (later overrides earlier): /etc/cdi,
/// /var/run/cdi, then `[cdi] spec_dirs` of \a config.
std::vector<std::string> cdiSpecDirs(const Config &config);
/// \brief List every device of every `.json`/`.yaml` spec in \a dirs (missing dirs skipped),
/// with the runtime's precedence: a later dir overrides an earlier one; two specs of one dir
/// defining the same device conflict.
CdiListing listCdiDevices(const std::vector<std::string> &dirs);

} // namespace tb
