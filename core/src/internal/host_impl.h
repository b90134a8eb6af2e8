// SPDX-License-Identifier: Apache-2.0
// The Host a plugin receives: logging in the plugin's own category, paths, version, and the
// services of <tb/services.h>.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include <tb/host.h>
#include <tb/services.h>

namespace tb {

/// \brief Services shared by every plugin of one Context. Null members are services this
/// host does not offer (findService() returns nullptr for them).
struct SharedServices {
	CredentialStore *credentials = nullptr;
	Progress *progress = nullptr;
	Cancellation *cancel = nullptr;
	/// Roots searched for `HOST[:PORT]/` certificate directories, in order.
	std::vector<std::string> certsDirs;
	/// `--tls-verify` of this run (ContextOptions::tlsVerify).
	TlsVerifyOverride tlsVerify = TlsVerifyOverride::None;
};

/// \brief The default certs.d roots: $XDG_CONFIG_HOME/containers/certs.d,
/// /etc/containers/certs.d, /etc/docker/certs.d.
std::vector<std::string> defaultCertsDirs();

/// \brief The cancellation flag of a Context: set from a signal handler or another thread.
class CancelFlag final : public Cancellation {
public:
	bool cancelled() const noexcept override { return flag_.load(std::memory_order_relaxed); }
	void cancel() noexcept { flag_.store(true, std::memory_order_relaxed); }

private:
	std::atomic<bool> flag_{false};
};

/// \brief "tb.registry-tls" for one plugin: its `registries` records, certs.d, proxy env.
class RegistryTlsImpl final : public RegistryTls {
public:
	RegistryTlsImpl(const ConfigView &config, const SharedServices &services)
	    : config_(config), services_(services)
	{
	}
	Result<RegistryTlsSettings> settings(std::string_view registry) noexcept override;
	TlsVerifyOverride tlsVerifyOverride() const noexcept override
	{
		return services_.tlsVerify;
	}

private:
	const ConfigView &config_;
	const SharedServices &services_;
};

/// \brief "tb.config" for one plugin.
class PluginConfigImpl final : public PluginConfig {
public:
	PluginConfigImpl(ConfigView view, std::string section)
	    : view_(std::move(view)), section_(std::move(section))
	{
	}
	const ConfigView &view() const noexcept override { return view_; }
	std::string_view section() const noexcept override { return section_; }

private:
	ConfigView view_;
	std::string section_;
};

class HostImpl final : public Host {
public:
	/// \param uri "kind.name": the log category and the config section's name
	HostImpl(std::string uri, const HostPaths &paths, ConfigView config,
		 const SharedServices &services);

	void log(LogLevel level, std::string_view message) noexcept override;
	bool logEnabled(LogLevel level) const noexcept override;
	const HostPaths &paths() const noexcept override { return paths_; }
	std::string_view coreVersion() const noexcept override;
	Versioned *findService(std::string_view id, uint16_t versionMajor) noexcept override;

private:
	std::string category_;
	const HostPaths &paths_;
	PluginConfigImpl config_;
	const SharedServices &services_;
	RegistryTlsImpl tls_;
};

} // namespace tb
