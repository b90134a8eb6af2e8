// SPDX-License-Identifier: Apache-2.0
// Streaming extraction of one layer blob into a StagingTree, with every verification inline.
#pragma once

#include <cstdint>

#include <tb/caches.h>

#include "cache/staging_tree.h"

namespace tb::cache {

/// \brief Read \a blob to its end: compression sniffed, size and digest checked against
/// \a layer, uncompressed digest against \a diffId (when known), caps enforced, entries
/// written through \a tree. No temporary copy of the blob is made.
/// \return uncompressed bytes of this layer
Result<int64_t> extractLayer(BlobReader &blob, const Descriptor &layer, const Digest *diffId,
			     StagingTree &tree, const ExtractOptions &options, int64_t totalBefore);

/// \brief Decode \a blob exactly as extractLayer reads it and apply the same stream caps
/// (expansion ratio, total bytes); no tar parsing, nothing written.
Result<void> checkLayerStream(BlobReader &blob, const Descriptor &layer,
			      const ExtractLimits &limits);

} // namespace tb::cache
