// SPDX-License-Identifier: Apache-2.0
// tb-runtime: which CDI devices a container asks for, where their edits are, and how they
// change an OCI runtime spec (the bundle's config.json). JSON in, JSON out.
#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include <tb/result.h>

namespace tb::shim {

/// \brief Fully qualified CDI names the container asks for: the values of `cdi.k8s.io/*`
/// annotations, then TB_VISIBLE_DEVICES and NVIDIA_VISIBLE_DEVICES of process.env (`all`,
/// indices, UUIDs or qualified names; `void`, `none` and "" ask for nothing). Unqualified
/// names get \a defaultKind (NVIDIA_VISIBLE_DEVICES: always nvidia.com/gpu).
std::vector<std::string> requestedDevices(const boost::json::object &config,
					  const std::string &defaultKind);

/// \brief CDI spec files (JSON) of the spec dirs, in priority order.
class CdiRegistry {
public:
	/// \brief Read every `.json` spec of \a dirs (later dirs override earlier ones).
	/// Unreadable specs are skipped and listed in errors().
	static CdiRegistry load(const std::vector<std::string> &dirs);

	/// \brief Apply the edits of \a devices to \a config: each spec's own edits once, before
	/// its first device, then each device's, in request order.
	/// \return Errc::NotFound naming the devices no spec defines (and the unusable specs)
	Result<void> apply(const std::vector<std::string> &devices,
			   boost::json::object &config) const;

	const std::vector<std::string> &errors() const { return errors_; }

private:
	struct Spec {
		std::string file;
		std::string kind;
		boost::json::object spec;
	};
	std::vector<Spec> specs_; ///< highest priority first
	std::vector<std::string> errors_;
};

/// \brief Apply one CDI `containerEdits` object to an OCI spec: env (same name replaced),
/// device nodes (stat'ed for type/major/minor when missing; linux.devices plus a cgroup
/// allow rule), mounts (same destination replaced, sorted by depth), hooks, additionalGids.
/// \return Errc::NotFound for a device node that is missing on the host
Result<void> applyEdits(const boost::json::object &edits, boost::json::object &config);

/// \brief Read \a path, or write \a config to it atomically (temp file + rename, mode kept).
Result<boost::json::object> readConfig(const std::string &path);
Result<void> writeConfig(const std::string &path, const boost::json::object &config);

} // namespace tb::shim
