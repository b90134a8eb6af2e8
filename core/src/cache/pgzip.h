// SPDX-License-Identifier: Apache-2.0
// pigz-style parallel gzip: fixed-size blocks deflated on worker threads, one gzip member.
#pragma once

#include <memory>

#include "cache/codec.h"

namespace tb::cache {

/// \brief Input bytes per block. Each block is raw deflate (zlib level 6) primed with the
/// previous 32 KiB of input as its dictionary and ended with a sync flush (the last with
/// Z_FINISH), so the blocks concatenate into one valid deflate stream; the gzip trailer's CRC
/// is the blocks' CRCs combined. Block boundaries depend only on the input offset, never on
/// timing or \a threads: the output is the same bytes for any thread count.
constexpr size_t ParallelGzipBlock = 128 * 1024;

/// \brief A gzip encoder that deflates on \a threads worker threads (1 = inline in the
/// caller's thread; same output). The sink is called in stream order on the caller's thread.
Result<std::unique_ptr<Encoder>> makeParallelGzipEncoder(ByteSink sink, int threads);

} // namespace tb::cache
