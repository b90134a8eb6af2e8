// SPDX-License-Identifier: Apache-2.0
// A plugin's config section checked against what it declares: typed values, defaults,
// record tables and their top-level spellings ([registries."HOST"]).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include <tb/config_view.h>
#include <tb/result.h>

namespace tb {

struct Declared;

/// \brief Top-level tables the core reserves for a plugin that declares them as the alias of
/// one of its record tables. Today: "registries".
const std::vector<std::string> &reservedAliasTables();

/// \brief The view plugin \a d gets: its `[plugins."kind.name"]` section of \a root (and its
/// aliased top-level tables) checked against its declaration, declared defaults filled in.
/// A plugin that declares nothing gets its section as written (scalars, string arrays).
/// \return Errc::InvalidArgument "ORIGIN:LINE:COL: key '...': ..." (unknown key, wrong type,
///	    bad choice, both spellings of one table)
Result<ConfigView> declaredView(const toml::table &root, std::string_view origin,
				const Declared &d);

/// \brief One warning per reserved top-level table that is set in \a root but declared by
/// none of \a declared: its settings would silently do nothing.
std::vector<std::string> unclaimedTableWarnings(const toml::table &root, std::string_view origin,
						const std::vector<Declared> &declared);

/// \brief A plugin's section of the default file: every declared key with its default and doc
/// line, record tables shown as a commented example.
std::string declaredSectionToml(const Declared &d);

} // namespace tb
