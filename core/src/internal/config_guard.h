// SPDX-License-Identifier: Apache-2.0
// A cheap pass over config text before the TOML parser sees it: the parser recurses per key
// part and per nesting level, so a hostile file could overflow the stack.
#pragma once

#include <string_view>

#include <tb/result.h>

namespace tb {

/// \brief Most parts one dotted key or table header may have ("a.b.c" has 3).
inline constexpr int MaxConfigKeyParts = 64;
/// \brief Deepest nesting of arrays and inline tables in one value.
inline constexpr int MaxConfigNesting = 64;

/// \brief Refuse text whose keys or values nest deeper than the limits above.
/// \return Errc::InvalidArgument "ORIGIN:LINE:COL: ..." naming the limit
Result<void> checkConfigShape(std::string_view text, std::string_view origin);

} // namespace tb
