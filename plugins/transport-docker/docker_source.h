// SPDX-License-Identifier: Apache-2.0
// Reading and writing images of a registry over the distribution API.
#pragma once

#include <memory>

#include <tb/transport.h>

#include "docker_reference.h"
#include "docker_registry.h"

namespace tb::docker {

std::unique_ptr<ImageSource> makeSource(Registries &regs, DockerRef ref);
std::unique_ptr<ImageDestination> makeDestination(Registries &regs, DockerRef ref);

/// \brief The Accept header of manifest requests: OCI and Docker, image and index.
std::string manifestAccept();

} // namespace tb::docker
