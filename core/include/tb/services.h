// SPDX-License-Identifier: Apache-2.0
// Host services a plugin looks up by id and version: `host.service<tb::CredentialStore>()`.
// Each is implemented by the core and grows like the kinds (appended virtuals, apiMinor()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tb/config_view.h>
#include <tb/result.h>
#include <tb/versioned.h>

namespace tb {

/// \brief "tb.config" 1: the plugin's own `[plugins."kind.name"]` section, declared defaults
/// filled in. Unlike the view lent to create(), it lives as long as the plugin.
class PluginConfig : public Versioned {
public:
	static constexpr const char *id = "tb.config";
	static constexpr uint16_t versionMajor = 1;
	static constexpr uint16_t versionMinor = 0;

	virtual const ConfigView &view() const noexcept = 0;
	/// \brief How the section is spelled in nvbind.toml, for messages:
	/// `[plugins."transport.docker"]`.
	virtual std::string_view section() const noexcept = 0;

protected:
	explicit PluginConfig(uint16_t m = versionMinor) noexcept : Versioned(m) {}
	~PluginConfig() = default;
};

/// \brief Credentials for one registry.
struct Credential {
	std::string username;
	std::string password;
	std::string identityToken; ///< an OAuth2 refresh token (`docker login` with a token)
	std::string source;        ///< where they came from, for messages ("auth.json", helper)
	std::string registryToken; ///< a ready Bearer token (docker config `registrytoken`)
};

/// \brief "tb.credentials" 1: credentials for a registry, as `tb login` / podman / docker
/// stored them.
class CredentialStore : public Versioned {
public:
	static constexpr const char *id = "tb.credentials";
	static constexpr uint16_t versionMajor = 1;
	static constexpr uint16_t versionMinor = 0;

	/// \param registry "HOST[:PORT]" ("registry.example.com:5000", "docker.io")
	/// \return Errc::NotFound when nothing is stored for it (go anonymous), other errors
	///	    when a store or helper is broken
	virtual Result<Credential> lookup(std::string_view registry) noexcept = 0;

protected:
	explicit CredentialStore(uint16_t m = versionMinor) noexcept : Versioned(m) {}
	~CredentialStore() = default;
};

/// \brief How to talk to one registry.
struct RegistryTlsSettings {
	bool verify = true;    ///< verify the server's certificate
	bool insecure = false; ///< plain HTTP allowed (and unverified TLS): `insecure = true`
	std::string caFile;    ///< extra CA certificates (PEM), "" = none
	std::vector<std::string> caFiles;  ///< *.crt found in the certs.d directories
	std::vector<std::string> certDirs; ///< certs.d directories that exist for this host
	std::string clientCert;            ///< client certificate (PEM), "" = none
	std::string clientKey;             ///< its key
	std::string proxy;                 ///< proxy URL for https (or http when insecure), ""
};

/// \brief What the user chose for this run (`tb VERB --tls-verify=BOOL`), RegistryTls 1.1.
enum class TlsVerifyOverride : uint32_t {
	None = 0,     ///< no choice: the per-registry settings and the plugin's own keys apply
	Verify = 1,   ///< verified HTTPS for every registry, whatever is configured
	NoVerify = 2, ///< any certificate, plain HTTP allowed, for every registry
};

/// \brief "tb.registry-tls" 1: TLS and proxy settings per registry, merged from the calling
/// plugin's `registries` records (insecure, ca), the containers/docker certs.d directories
/// and the proxy environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
class RegistryTls : public Versioned {
public:
	static constexpr const char *id = "tb.registry-tls";
	static constexpr uint16_t versionMajor = 1;
	static constexpr uint16_t versionMinor = 1;

	/// \param registry "HOST[:PORT]". The user's override for this run is applied already
	/// (NoVerify: verify false, insecure true; Verify: verify true, insecure false).
	virtual Result<RegistryTlsSettings> settings(std::string_view registry) noexcept = 0;

	/// \brief Since 1.1 (check `hasMinor(*tls, 1)`): the user's `--tls-verify` for this run.
	/// It beats the plugin's own settings too (`tls_verify`, `insecure_registries`).
	virtual TlsVerifyOverride tlsVerifyOverride() const noexcept
	{
		return TlsVerifyOverride::None;
	}

protected:
	explicit RegistryTls(uint16_t m = versionMinor) noexcept : Versioned(m) {}
	~RegistryTls() = default;
};

/// \brief "tb.progress" 1: progress of long transfers, per item (a blob, a layer).
class Progress : public Versioned {
public:
	static constexpr const char *id = "tb.progress";
	static constexpr uint16_t versionMajor = 1;
	static constexpr uint16_t versionMinor = 0;

	/// \param item stable id of the item ("sha256:..."); \param total bytes, -1 = unknown
	virtual void start(std::string_view item, std::string_view label,
			   int64_t total) noexcept = 0;
	/// \param bytes newly transferred since the last call
	virtual void advance(std::string_view item, int64_t bytes) noexcept = 0;
	virtual void done(std::string_view item, bool ok) noexcept = 0;

protected:
	explicit Progress(uint16_t m = versionMinor) noexcept : Versioned(m) {}
	~Progress() = default;
};

/// \brief "tb.cancel" 1: set when the user interrupts (SIGINT) or a libtb caller cancels.
/// Long operations poll it and return Errc::Cancelled.
class Cancellation : public Versioned {
public:
	static constexpr const char *id = "tb.cancel";
	static constexpr uint16_t versionMajor = 1;
	static constexpr uint16_t versionMinor = 0;

	virtual bool cancelled() const noexcept = 0;

protected:
	explicit Cancellation(uint16_t m = versionMinor) noexcept : Versioned(m) {}
	~Cancellation() = default;
};

} // namespace tb
