// SPDX-License-Identifier: Apache-2.0
// The ISA-L gzip decoder, built only when libisal is found (TB_HAVE_ISAL).
#pragma once

#include <memory>

#include <tb/transport.h>

namespace tb::cache {

/// \brief A BlobReader that decodes the gzip stream \a source with igzip.
std::unique_ptr<BlobReader> makeIsalGzipDecoder(BlobReader &source);

} // namespace tb::cache
