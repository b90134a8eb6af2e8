// SPDX-License-Identifier: Apache-2.0
// What a Context holds. Internal code (core/src/*) reaches it through ContextAccess.
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

/// \brief The one way into a Context's internals; not part of the installed API.
struct ContextAccess {
	static Context::Impl &impl(Context &c) noexcept { return *c.impl_; }
	static const Context::Impl &impl(const Context &c) noexcept { return *c.impl_; }
};

} // namespace tb
