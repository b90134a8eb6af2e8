// SPDX-License-Identifier: Apache-2.0
// What a Context holds.
#pragma once

#include <string>

#include <tb/context.h>

#include "internal/config.h"
#include "internal/plugin_loader.h"

namespace tb {

class Context::Impl {
public:
	Config config;
	std::string configPath;
	HostPaths paths;
	PluginSet plugins;
};

} // namespace tb
