// SPDX-License-Identifier: Apache-2.0
// Platforms ("linux/arm64/v8"): parsing, normalisation as containerd/platforms does, the
// host's platform, and choosing an image index's child for a platform.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <tb/result.h>

#include "tbsupport/oci_json.h"

namespace tb::support {

/// \brief Parse "OS/ARCH[/VARIANT]" (normalised: x86_64 -> amd64, aarch64 -> arm64, ...).
/// \return Errc::InvalidArgument naming the text
Result<Platform> parsePlatform(std::string_view text);

/// \brief Aliases to canonical names: `x86_64`/`x86-64` -> amd64 (v1 -> ""), `aarch64` ->
/// arm64 (8/v8/v8.0 -> ""), `armhf` -> arm/v7, `armel` -> arm/v6, arm without variant ->
/// v7, `i386` -> 386, `macos` -> darwin; lower-case throughout.
Platform normalizePlatform(Platform p);

/// \brief The platform this tb was built for ("linux/amd64", "linux/arm64", ...).
Platform hostPlatform();

/// \brief "os/arch[/variant]".
std::string platformString(const Platform &p);

/// \brief The child of \a index to use for \a requested: entries of the same OS and
/// architecture, the best compatible variant first (amd64/v3 takes v3, v2, v1, then 386; arm/v7
/// takes v7, v6, v5; arm64/v9 takes v9, then v8), the first in index order among equals.
/// Attestation entries (unknown/unknown) never match. Without \a requested the host's platform
/// is used, and an index with one real child gives that child whatever its platform.
/// \return Errc::NotFound listing the platforms the index has
Result<IndexEntry> selectPlatform(const ImageIndex &index,
				  const std::optional<Platform> &requested);

/// \brief selectPlatform() with \a text parsed first ("" = the host's platform).
Result<IndexEntry> selectPlatform(const ImageIndex &index, std::string_view text);

} // namespace tb::support
