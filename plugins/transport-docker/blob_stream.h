// SPDX-License-Identifier: Apache-2.0
// A blob read from a registry as a BlobReader: a worker thread downloads into a bounded
// buffer while the caller reads (network and extraction overlap), resuming a dropped
// connection with Range and restarting when the server ignores Range.
#pragma once

#include <memory>

#include <tb/transport.h>

#include "docker_registry.h"

namespace tb::docker {

struct BlobLocation {
	std::shared_ptr<registry::Client> client;
	std::string repository;
	std::string label; ///< "docker://host/repo blob sha256:…" for messages
};

/// \brief Start downloading \a blob; the first read() waits for data.
std::unique_ptr<BlobReader> openBlobStream(Registries &regs, BlobLocation where,
					   const Descriptor &blob);

} // namespace tb::docker
