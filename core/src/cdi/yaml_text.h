// SPDX-License-Identifier: Apache-2.0
// YAML text to JSON text, by a module libtb opens on first use (yaml_text.cpp).
#pragma once

#include <string>
#include <string_view>

#include <tb/result.h>

namespace tb::cdi {

/// \brief \a text (YAML) as JSON text, or Corrupt with the parser's message, or Unsupported
/// when the YAML module cannot be loaded.
Result<std::string> yamlToJson(std::string_view text);

} // namespace tb::cdi
