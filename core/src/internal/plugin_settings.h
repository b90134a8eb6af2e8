// SPDX-License-Identifier: Apache-2.0
// A plugin's declared settings: read from its descriptor, checked, and applied to its
// config section.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <tb/plugin.h>
#include <tb/result.h>

namespace tb {

class Library;
struct Declared;

/// \brief Copy and check the declarations a loaded plugin's descriptor points at.
/// \return Errc::Corrupt for a malformed declaration (bad key, type, default)
Result<Declared> readDeclaration(const PluginDescriptor &desc, const std::string &uri,
				 const std::string &path, std::shared_ptr<Library> lib);

} // namespace tb
