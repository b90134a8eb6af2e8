// SPDX-License-Identifier: Apache-2.0
// The pieces of distribution's reference grammar (github.com/distribution/reference) that the
// local store's names and `docker://` references share.
#pragma once

#include <string_view>

namespace tb::support {

/// \brief path-component := [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*
bool validPathComponent(std::string_view c);

/// \brief tag := [\w][\w.-]{0,127}
bool validTag(std::string_view t);

/// \brief domain := host[:port], host a DNS name or a bracketed IPv6 address, port ≤ 5 digits.
bool validDomain(std::string_view d);

} // namespace tb::support
