// SPDX-License-Identifier: Apache-2.0
// What a Context holds.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <tb/context.h>

#include <toml++/toml.h>

#include "internal/config.h"
#include "internal/host_impl.h"
#include "internal/plugin_loader.h"

namespace tb {

class Context::Impl {
public:
	Config config;
	std::string configPath;
	std::string configText;
	bool pluginsLoaded = false;
	std::map<std::string, ConfigView> effective; ///< "kind.name" -> what the plugin got
	HostPaths paths;
	// Services outlive the plugins (declared before them): every Host points at them.
	CancelFlag cancel;
	std::shared_ptr<CredentialStore> credentials;
	std::shared_ptr<Progress> progress;
	SharedServices services;
	// What loadKinds() needs to load more plugins the way create() did.
	toml::table configRoot;
	std::string configOrigin;
	LoaderOptions loader;
	PluginSet plugins;
};

} // namespace tb
