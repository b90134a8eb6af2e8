// SPDX-License-Identifier: Apache-2.0
// Image-name rules shared inside libtb (reference.cpp, inspect.cpp); not installed.
#pragma once

#include <string_view>

#include <tb/context.h>
#include <tb/transport.h>

namespace tb::image {

/// \brief A name split into repository and tag; views into the name passed in.
struct RepoTag {
	std::string_view repository;
	std::string_view tag; ///< "" when the name has none
};

/// \brief "quay.io:443/org/name:tag@sha256:..." -> {"quay.io:443/org/name", "tag"}: the name
/// ends at the first '@', and the tag follows the last ':' after the last '/'.
RepoTag splitRepoTag(std::string_view name) noexcept;

/// \brief The transport behind the embedded local store: the one with the LayoutStore role,
/// or nullptr when none is loaded.
Transport *storeTransport(const Context &ctx);

} // namespace tb::image
