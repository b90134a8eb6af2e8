// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the CDI code: versions, name rules, edit normalisation, spec parsing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include <tb/cdi.h>
#include <tb/result.h>

namespace tb::cdi {

/// \brief Every cdiVersion the CDI library knows, oldest first ("0.1.0" ... "1.1.0").
const std::vector<std::string_view> &knownVersions();
/// \brief True for a known version, with or without a leading "v".
bool knownVersion(std::string_view v);
/// \brief <0, 0, >0 like strcmp, over dotted numbers (a leading "v" is ignored).
int compareVersions(std::string_view a, std::string_view b);

/// \brief The CDI parser's rule for the vendor and the class of a kind.
bool validQualifier(std::string_view s);
/// \brief The CDI parser's rule for a device name (digit-leading allowed from 0.5.0).
bool validDeviceName(std::string_view s);

/// \brief Drop duplicates (nodes by path, mounts by containerPath, env and hooks by value),
/// sort nodes and mounts by (path depth, path), sort and de-duplicate the gids.
void normalize(CdiContainerEdits &edits);
/// \brief Append \a from to \a to (not normalised).
void append(CdiContainerEdits &to, const CdiContainerEdits &from);
/// \brief Remove from every device what the spec-level edits already give, unless that
/// would leave the device empty; sort the devices by name (byte order).
void simplify(CdiSpec &spec);

/// \brief Leave out the fields a consumer that knows at most \a maxVersion cannot read
/// (annotations, additionalGids), one warning each; then set spec.cdiVersion.
/// \return Errc::InvalidArgument when what is left still needs a newer version
Result<void> fitVersion(CdiSpec &spec, const std::string &maxVersion,
			std::vector<std::string> &warnings);

/// \brief Append \a s as a JSON string (quoted; ", \\, control characters escaped).
void appendJsonString(std::string &out, std::string_view s);

/// \brief Parse a spec file's text: JSON, or YAML (the same document model) otherwise.
/// \return Errc::Corrupt with the parser's message and position
Result<boost::json::value> parseSpecText(std::string_view text);

/// \brief validateCdiSpec on an already parsed tree.
std::vector<CdiProblem> validateTree(const boost::json::value &tree);

/// \brief A spec file of the CDI dirs: its path and the index of its dir.
struct SpecFile {
	std::string path;
	size_t dir = 0;
};

/// \brief The spec files of \a dirs as the runtimes read them: .json and .yaml only (no
/// .yml, no subdirectories), dir by dir, each dir's sorted by name.
std::vector<SpecFile> specFiles(const std::vector<std::string> &dirs);

} // namespace tb::cdi
