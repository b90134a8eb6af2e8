// SPDX-License-Identifier: Apache-2.0
// Where and how to reach a registry: scheme, API host, TLS trust (certs.d, ca, insecure).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tbsupport/reg_http.h"

namespace tb::registry {

/// \brief `[registries."HOST"]` of the configuration.
struct HostSettings {
	bool insecure = false;            ///< unverified TLS, plain HTTP when TLS fails
	std::string ca;                   ///< PEM file of extra CAs
	std::vector<std::string> mirrors; ///< pull from these first ("host[:port][/prefix]")
};

struct EndpointConfig {
	/// certs.d roots: HOST:PORT/ below each holds *.crt CAs and *.cert/*.key client pairs.
	std::vector<std::string> certsDirs;
	std::map<std::string, HostSettings> hosts;
	std::optional<bool> tlsVerify; ///< --tls-verify; unset = per host
};

struct Endpoint {
	std::string registry; ///< HOST[:PORT] as referenced ("docker.io")
	std::string baseUrl;  ///< "https://registry-1.docker.io"
	TlsSettings tls;
	bool httpFallback = false;
};

/// \brief The default certs.d roots (containers, then docker, then the user's).
std::vector<std::string> defaultCertsDirs();

/// \brief Loopback registries ("localhost", 127.0.0.0/8, ::1) use plain HTTP unless certs.d or
/// `ca` name a CA for them; `insecure` or --tls-verify=false allow unverified TLS and fall
/// back to HTTP; everything else is verified HTTPS.
Endpoint resolveEndpoint(const std::string &registry, const EndpointConfig &config);

bool isLoopbackHost(const std::string &registry);

} // namespace tb::registry
