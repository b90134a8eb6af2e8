// SPDX-License-Identifier: Apache-2.0
// The blob transfers of one image copy, up to N at once (see docs/transports.md).
#pragma once

#include <string_view>
#include <vector>

#include <tb/images.h>
#include <tb/transport.h>

namespace tb::image {

/// \brief Copy \a blobs (each verified) from \a src to \a dst unless \a dst has them. Up to
/// \a jobs run at once when \a dst allows concurrent blob calls; calls into a source that does
/// not are serialised. The first failure stops the others at their next read and is returned;
/// nothing is committed by this function.
Result<void> copyBlobs(ImageSource &src, ImageDestination &dst,
		       const std::vector<Descriptor> &blobs, std::string_view image, int jobs,
		       CopyReport &report);

} // namespace tb::image
