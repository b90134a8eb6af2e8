// SPDX-License-Identifier: Apache-2.0
// Host service "tb.registry-tls": per-registry TLS and proxy settings, merged from the
// plugin's `registries` records, containers-certs.d(5) directories and the proxy variables.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "internal/host_impl.h"

namespace tb {

namespace {

namespace fs = std::filesystem;

std::string envFirst(std::initializer_list<const char *> names)
{
	for (const char *n : names)
		if (const char *v = std::getenv(n); v && *v)
			return v;
	return {};
}

std::string_view trim(std::string_view s)
{
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
		s.remove_suffix(1);
	return s;
}

// NO_PROXY as curl reads it: "*", exact host, host:port, or a domain suffix (".example.com"
// or "example.com" both cover "a.example.com").
bool noProxyMatches(std::string_view list, std::string_view registry)
{
	std::string_view host = registry.substr(0, registry.rfind(':') == std::string_view::npos
							   ? registry.size()
							   : registry.rfind(':'));
	while (!list.empty()) {
		size_t comma = list.find(',');
		std::string_view item = trim(list.substr(0, comma));
		list = comma == std::string_view::npos ? std::string_view()
						       : list.substr(comma + 1);
		if (item.empty())
			continue;
		if (item == "*" || item == registry || item == host)
			return true;
		if (item.front() == '.')
			item.remove_prefix(1);
		if (host.size() > item.size() && host.substr(host.size() - item.size()) == item &&
		    host[host.size() - item.size() - 1] == '.')
			return true;
	}
	return false;
}

bool validRegistry(std::string_view r)
{
	return !r.empty() && r.find('/') == std::string_view::npos && r != "." && r != ".." &&
	       std::none_of(r.begin(), r.end(), [](char c) { return c <= ' ' || c == 0x7f; });
}

void scanCertsDir(const fs::path &dir, RegistryTlsSettings &out)
{
	std::error_code ec;
	std::vector<fs::path> files;
	for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
		files.push_back(it->path());
	std::sort(files.begin(), files.end());
	for (const auto &f : files) {
		if (f.extension() == ".crt")
			out.caFiles.push_back(f.string());
		else if (f.extension() == ".cert" && out.clientCert.empty()) {
			fs::path key = f;
			key.replace_extension(".key");
			if (fs::is_regular_file(key, ec)) {
				out.clientCert = f.string();
				out.clientKey = key.string();
			}
		}
	}
}

} // namespace

Result<RegistryTlsSettings> RegistryTlsImpl::settings(std::string_view registry) noexcept
{
	return guarded("registry TLS settings", [&]() -> Result<RegistryTlsSettings> {
		if (!validRegistry(registry))
			return err(Errc::InvalidArgument, "registry '" + std::string(registry) +
								  "': not a host[:port] name");
		RegistryTlsSettings s;
		ConfigView rec = config_.record("registries", registry);
		s.insecure = rec.getBool("insecure", false);
		// The user's --tls-verify beats the records (a plugin of minor 0 sees it here).
		if (services_.tlsVerify != TlsVerifyOverride::None)
			s.insecure = services_.tlsVerify == TlsVerifyOverride::NoVerify;
		s.verify = !s.insecure;
		s.caFile = rec.getString("ca");
		std::error_code ec;
		if (!s.caFile.empty() && !fs::is_regular_file(s.caFile, ec))
			return err(Errc::NotFound, "registry " + std::string(registry) +
							   ": ca file " + s.caFile + ": not found");
		for (const auto &root : services_.certsDirs) {
			fs::path dir = fs::path(root) / std::string(registry);
			if (!fs::is_directory(dir, ec))
				continue;
			s.certDirs.push_back(dir.string());
			scanCertsDir(dir, s);
		}
		if (!noProxyMatches(envFirst({"NO_PROXY", "no_proxy"}), registry)) {
			s.proxy = envFirst({"HTTPS_PROXY", "https_proxy"});
			if (s.proxy.empty() && s.insecure)
				s.proxy = envFirst({"HTTP_PROXY", "http_proxy"});
		}
		return s;
	});
}

} // namespace tb
