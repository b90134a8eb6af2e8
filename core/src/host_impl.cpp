// SPDX-License-Identifier: Apache-2.0
// Host services for plugins.
#include "internal/host_impl.h"

#include <tb/context.h>

#include "internal/log.h"
#include "internal/paths.h"

namespace tb {

HostImpl::HostImpl(std::string uri, const HostPaths &paths, ConfigView config,
		   const SharedServices &services)
    : category_(std::move(uri)), paths_(paths),
      config_(std::move(config), "[plugins.\"" + category_ + "\"]"), services_(services),
      tls_(config_.view(), services)
{
}

void HostImpl::log(LogLevel level, std::string_view message) noexcept
{
	if (log::enabled(category_, level))
		log::write(category_, level, message);
}

bool HostImpl::logEnabled(LogLevel level) const noexcept
{
	return log::enabled(category_, level);
}

std::string_view HostImpl::coreVersion() const noexcept
{
	return tb::version();
}

namespace {

// A service is offered when present and of the asked major.
template<typename S>
Versioned *offer(S *service, uint16_t major) noexcept
{
	return service && major == S::versionMajor ? static_cast<Versioned *>(service) : nullptr;
}

} // namespace

Versioned *HostImpl::findService(std::string_view name, uint16_t versionMajor) noexcept
{
	if (name == PluginConfig::id)
		return offer(static_cast<PluginConfig *>(&config_), versionMajor);
	if (name == RegistryTls::id)
		return offer(static_cast<RegistryTls *>(&tls_), versionMajor);
	if (name == CredentialStore::id)
		return offer(services_.credentials, versionMajor);
	if (name == Progress::id)
		return offer(services_.progress, versionMajor);
	if (name == Cancellation::id)
		return offer(services_.cancel, versionMajor);
	return nullptr;
}

std::vector<std::string> defaultCertsDirs()
{
	return {paths::xdgConfigHome() + "/containers/certs.d", "/etc/containers/certs.d",
		"/etc/docker/certs.d"};
}

} // namespace tb
