// SPDX-License-Identifier: Apache-2.0
// cdiVersion: the known versions, the minimum a spec's fields need (the CDI library's
// requiredVersion, newest rule first), and fitting a spec under an older consumer's maximum.
#include "cdi_internal.h"

#include <charconv>

namespace tb {

namespace cdi {

namespace {

std::vector<int> parts(std::string_view v)
{
	if (!v.empty() && v.front() == 'v')
		v.remove_prefix(1);
	std::vector<int> out;
	while (!v.empty()) {
		size_t dot = v.find('.');
		std::string_view p = v.substr(0, dot);
		int n = 0;
		std::from_chars(p.data(), p.data() + p.size(), n);
		out.push_back(n);
		if (dot == std::string_view::npos)
			break;
		v.remove_prefix(dot + 1);
	}
	out.resize(3, 0);
	return out;
}

bool anyGids(const CdiSpec &s)
{
	if (!s.containerEdits.additionalGids.empty())
		return true;
	for (const auto &d : s.devices)
		if (!d.containerEdits.additionalGids.empty())
			return true;
	return false;
}

bool anyAnnotations(const CdiSpec &s)
{
	if (!s.annotations.empty())
		return true;
	for (const auto &d : s.devices)
		if (!d.annotations.empty())
			return true;
	return false;
}

bool anyHostPath(const CdiContainerEdits &e)
{
	for (const auto &n : e.deviceNodes)
		if (!n.hostPath.empty())
			return true;
	return false;
}

bool anyMountType(const CdiContainerEdits &e)
{
	for (const auto &m : e.mounts)
		if (!m.type.empty())
			return true;
	return false;
}

} // namespace

const std::vector<std::string_view> &knownVersions()
{
	static const std::vector<std::string_view> v{"0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0",
						     "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0"};
	return v;
}

bool knownVersion(std::string_view v)
{
	if (!v.empty() && v.front() == 'v')
		v.remove_prefix(1);
	for (auto k : knownVersions())
		if (k == v)
			return true;
	return false;
}

int compareVersions(std::string_view a, std::string_view b)
{
	auto pa = parts(a), pb = parts(b);
	return pa < pb ? -1 : pa == pb ? 0 : 1;
}

Result<void> fitVersion(CdiSpec &spec, const std::string &maxVersion,
			std::vector<std::string> &warnings)
{
	if (!maxVersion.empty() && !knownVersion(maxVersion))
		return err(Errc::InvalidArgument, "CDI version '" + maxVersion + "': not a known " +
							  "version (0.3.0 ... 1.1.0)");
	if (!maxVersion.empty() && compareVersions(cdiRequiredVersion(spec), maxVersion) > 0) {
		if (compareVersions(maxVersion, "0.7.0") < 0 && anyGids(spec)) {
			spec.containerEdits.additionalGids.clear();
			for (auto &d : spec.devices)
				d.containerEdits.additionalGids.clear();
			warnings.push_back(spec.kind + ": additionalGids left out (cdiVersion " +
					   maxVersion +
					   "): a non-root container user may not open the "
					   "group-only device nodes");
		}
		if (compareVersions(maxVersion, "0.6.0") < 0 && anyAnnotations(spec)) {
			spec.annotations.clear();
			for (auto &d : spec.devices)
				d.annotations.clear();
			warnings.push_back(spec.kind + ": annotations left out (cdiVersion " +
					   maxVersion + "); the isolation level stays in the " +
					   "BOLT_GPU_ISOLATION variable");
		}
		std::string need = cdiRequiredVersion(spec);
		if (compareVersions(need, maxVersion) > 0)
			return err(Errc::InvalidArgument,
				   spec.kind + ": the spec needs cdiVersion " + need +
					   " (digit-leading device names or hostPath), more than " +
					   maxVersion);
	}
	spec.cdiVersion = cdiRequiredVersion(spec);
	return {};
}

} // namespace cdi

std::string cdiRequiredVersion(const CdiSpec &spec)
{
	// 1.1.0 (netDevices, intelRdt schemata) and intelRdt (0.7.0) are never generated and
	// have no field in CdiSpec; the checks of files with them are in validate.cpp.
	if (cdi::anyGids(spec))
		return "0.7.0";
	std::string_view kind = spec.kind;
	size_t slash = kind.find('/');
	if (cdi::anyAnnotations(spec) ||
	    (slash != std::string_view::npos &&
	     kind.substr(slash + 1).find('.') != std::string_view::npos))
		return "0.6.0";
	bool digitName = false, hostPath = cdi::anyHostPath(spec.containerEdits);
	bool mountType = cdi::anyMountType(spec.containerEdits);
	for (const auto &d : spec.devices) {
		digitName = digitName || (!d.name.empty() && d.name[0] >= '0' && d.name[0] <= '9');
		hostPath = hostPath || cdi::anyHostPath(d.containerEdits);
		mountType = mountType || cdi::anyMountType(d.containerEdits);
	}
	if (digitName || hostPath)
		return "0.5.0";
	if (mountType)
		return "0.4.0";
	return "0.3.0";
}

} // namespace tb
