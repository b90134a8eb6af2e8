// SPDX-License-Identifier: Apache-2.0
// Registry endpoint resolution: scheme, Docker Hub's API host, certs.d trust.
#include "tbsupport/reg_endpoint.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace tb::registry {

namespace fs = std::filesystem;

namespace {

std::string hostPart(const std::string &registry)
{
	if (registry.starts_with("[")) // [::1]:5000
		return registry.substr(1, registry.find(']') - 1);
	auto colon = registry.rfind(':');
	return colon == std::string::npos ? registry : registry.substr(0, colon);
}

void scanCertsDir(const fs::path &dir, TlsSettings &tls, bool &found)
{
	std::error_code ec;
	if (!fs::is_directory(dir, ec))
		return;
	found = true;
	std::vector<fs::path> files;
	for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
		files.push_back(it->path());
	std::sort(files.begin(), files.end());
	for (const auto &f : files) {
		if (f.extension() == ".crt") {
			tls.caFiles.push_back(f.string());
		} else if (f.extension() == ".cert" && tls.clientCert.empty()) {
			fs::path key = f;
			key.replace_extension(".key");
			if (fs::is_regular_file(key, ec)) {
				tls.clientCert = f.string();
				tls.clientKey = key.string();
			}
		}
	}
}

} // namespace

std::vector<std::string> defaultCertsDirs()
{
	std::vector<std::string> out{"/etc/containers/certs.d", "/etc/docker/certs.d"};
	const char *xdg = std::getenv("XDG_CONFIG_HOME");
	const char *home = std::getenv("HOME");
	if (xdg && *xdg)
		out.push_back(std::string(xdg) + "/containers/certs.d");
	else if (home && *home)
		out.push_back(std::string(home) + "/.config/containers/certs.d");
	return out;
}

bool isLoopbackHost(const std::string &registry)
{
	std::string h = hostPart(registry);
	return h == "localhost" || h.ends_with(".localhost") || h == "::1" || h.starts_with("127.");
}

Endpoint resolveEndpoint(const std::string &registry, const EndpointConfig &config)
{
	Endpoint e;
	e.registry = registry;
	std::string api = registry == "docker.io" ? "registry-1.docker.io" : registry;
	HostSettings host;
	if (auto it = config.hosts.find(registry); it != config.hosts.end())
		host = it->second;
	bool certsFound = false;
	for (const auto &root : config.certsDirs)
		scanCertsDir(fs::path(root) / registry, e.tls, certsFound);
	if (!host.ca.empty())
		e.tls.caFiles.push_back(host.ca);
	bool insecure = host.insecure || (config.tlsVerify && !*config.tlsVerify);
	if (insecure) {
		e.tls.verify = false;
		e.httpFallback = true;
		e.baseUrl = "https://" + api;
	} else if (isLoopbackHost(registry) && !certsFound && host.ca.empty() &&
		   !(config.tlsVerify && *config.tlsVerify)) {
		e.baseUrl = "http://" + api;
	} else {
		e.baseUrl = "https://" + api;
	}
	return e;
}

} // namespace tb::registry
