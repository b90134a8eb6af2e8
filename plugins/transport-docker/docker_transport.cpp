// SPDX-License-Identifier: Apache-2.0
// `docker://[HOST[:PORT]/]REPO[:TAG][@DIGEST]`: images in a registry (distribution API).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <tb/plugin.h>
#include <tb/services.h>
#include <tb/transport.h>

#include "docker_source.h"
#include "tbsupport/json_fields.h"
#include "tbsupport/transport_util.h"

namespace tb {

namespace {

using namespace tb::docker;

class DockerTransport : public Transport {
public:
	DockerTransport(Host &host, Settings settings, registry::CredentialSource creds)
	    : regs_(host, std::move(settings), std::move(creds))
	{
	}

	Result<std::unique_ptr<ImageSource>> openSource(std::string_view location) noexcept override
	{
		return guarded("transport.docker", [&]() -> Result<std::unique_ptr<ImageSource>> {
			return makeSource(regs_, TB_TRY(parseDockerRef(location)));
		});
	}

	Result<std::unique_ptr<ImageDestination>>
	openDestination(std::string_view location) noexcept override
	{
		return guarded(
			"transport.docker", [&]() -> Result<std::unique_ptr<ImageDestination>> {
				return makeDestination(regs_, TB_TRY(parseDockerRef(location)));
			});
	}

	// The repository's tags (sorted: registries need not sort them), each with its manifest.
	Result<std::vector<ImageEntry>> list(std::string_view location) noexcept override
	{
		return guarded("transport.docker", [&]() -> Result<std::vector<ImageEntry>> {
			DockerRef ref = TB_TRY(parseDockerRef(location));
			auto client = regs_.client(ref.registry);
			std::string what =
				"docker://" + ref.registry + "/" + ref.repository + ": tags";
			registry::Request req;
			req.url = "/v2/" + ref.repository + "/tags/list";
			auto resp = TB_TRY_CTX(
				client->send(req, {registry::Client::pullScope(ref.repository)}),
				what);
			if (resp.status == 404)
				return err(Errc::NotFound,
					   what + ": " + registry::Client::describe(resp));
			if (resp.status != 200)
				return err(Errc::Protocol,
					   what + ": " + registry::Client::describe(resp));
			auto v = support::parseJson(resp.body);
			if (!v || !v->is_object())
				return err(Errc::Protocol, what + ": answer is not a JSON object");
			std::vector<std::string> tags;
			if (auto *t = v->as_object().if_contains("tags"); t && t->is_array())
				for (const auto &x : t->as_array())
					if (x.is_string())
						tags.emplace_back(x.get_string());
			std::sort(tags.begin(), tags.end());
			std::vector<ImageEntry> out;
			for (const auto &tag : tags) {
				registry::Request head;
				head.method = "HEAD";
				head.url = "/v2/" + ref.repository + "/manifests/" + tag;
				head.headers.push_back("Accept: " + manifestAccept());
				auto h = TB_TRY_CTX(client->send(head, {registry::Client::pullScope(
									       ref.repository)}),
						    what);
				if (h.status != 200)
					continue; // deleted meanwhile
				ImageEntry e;
				e.name = ref.repository + ":" + tag;
				std::string ct = h.header("content-type");
				e.manifest.mediaType = ct.substr(0, ct.find(';'));
				if (auto d = Digest::parse(h.header("docker-content-digest")))
					e.manifest.digest = *d;
				std::string len = h.header("content-length");
				e.manifest.size = len.empty() ? 0 : std::atoll(len.c_str());
				out.push_back(std::move(e));
			}
			return out;
		});
	}

	Result<void> checkLogin(const LoginCheck &login) noexcept override
	{
		return guarded("transport.docker", [&]() -> Result<void> {
			registry::Credential cred{login.username, login.password, {}, {}};
			return regs_.loginClient(login.registry, std::move(cred), login.tlsVerify)
				->checkLogin();
		});
	}

private:
	Registries regs_;
};

// The plugin's section, checked and defaulted by the core from these declarations
// (`tb config validate/init/show`, docs/config.md).
const Setting kKeys[] = {
	{"jobs", SettingType::Int, "4", "blob transfers at once (1-64)"},
	{"retry_attempts", SettingType::Int, "5",
	 "tries per request (and per stretch of a resumed transfer)"},
	{"retry_delay_ms", SettingType::Int, "200", "first wait between tries, doubled per retry"},
	{"retry_max_delay_ms", SettingType::Int, "10000", "cap of one wait, also of Retry-After"},
	{"retry_total_seconds", SettingType::Int, "300", "give up after this long"},
	{"stall_timeout", SettingType::Int, "30",
	 "seconds without a byte before a connection counts as dead"},
	{"connect_timeout", SettingType::Int, "30", "seconds to connect"},
	{"monolithic_max", SettingType::Int, "33554432",
	 "blobs up to this size are pushed in one PUT"},
	{"chunk_size", SettingType::Int, "33554432", "PATCH size for bigger blobs"},
	{"certs_dirs", SettingType::StringList, "[]",
	 "certs.d roots holding HOST:PORT/ directories; [] = the containers/docker defaults"},
	{"insecure_registries", SettingType::StringList, "[]", "hosts treated as insecure = true"},
	{"tls_verify", SettingType::Bool, "true",
	 "false: accept any certificate and fall back to plain HTTP for every registry"},
};
const Setting kRegistryKeys[] = {
	{"insecure", SettingType::Bool, "false", "unverified TLS, plain HTTP when TLS fails"},
	{"ca", SettingType::String, "\"\"", "PEM file with extra CAs for this registry"},
	{"mirrors", SettingType::StringList, "[]",
	 "\"host[:port][/prefix]\" pulled from first, in order"},
};
const SettingTable kTables[] = {
	{"registries", "registry host[:port]", kRegistryKeys, 3, "registries"},
};
constexpr PluginSettings kSettings = declareSettings(kKeys, kTables);

Settings readSettings(const ConfigView &c)
{
	Settings s;
	s.jobs = static_cast<int>(std::clamp<int64_t>(c.getInt("jobs", 4), 1, 64));
	s.retry.attempts =
		static_cast<int>(std::clamp<int64_t>(c.getInt("retry_attempts", 5), 1, 100));
	s.retry.baseDelay = std::chrono::milliseconds(c.getInt("retry_delay_ms", 200));
	s.retry.maxDelay = std::chrono::milliseconds(c.getInt("retry_max_delay_ms", 10'000));
	s.retry.totalTime = std::chrono::seconds(c.getInt("retry_total_seconds", 300));
	s.timeouts.stallSeconds = static_cast<long>(c.getInt("stall_timeout", 30));
	s.timeouts.connectSeconds = static_cast<long>(c.getInt("connect_timeout", 30));
	s.monolithicMax = std::max<int64_t>(c.getInt("monolithic_max", s.monolithicMax), 0);
	s.chunkSize = std::clamp<int64_t>(c.getInt("chunk_size", s.chunkSize), 64 << 10, 1ll << 30);
	// `[extract] max_manifest_bytes`, lent by the core (not a key of this section).
	s.maxManifestBytes = static_cast<size_t>(std::clamp<int64_t>(
		c.getInt("max_manifest_bytes", static_cast<int64_t>(s.maxManifestBytes)), 1024,
		1ll << 30));
	s.endpoints.certsDirs = c.getStrings("certs_dirs");
	if (s.endpoints.certsDirs.empty())
		s.endpoints.certsDirs = registry::defaultCertsDirs();
	// [registries."HOST"] (or [plugins."transport.docker".registries."HOST"]).
	for (const auto &host : c.recordNames("registries")) {
		ConfigView r = c.record("registries", host);
		s.endpoints.hosts[host] = {r.getBool("insecure"), r.getString("ca"),
					   r.getStrings("mirrors")};
	}
	for (const auto &h : c.getStrings("insecure_registries"))
		s.endpoints.hosts[h].insecure = true;
	if (!c.getBool("tls_verify", true))
		s.endpoints.tlsVerify = false;
	return s;
}

// tb.registry-tls: the host answers `insecure` and `ca` from the records above and the certs.d
// directories that exist for the registry; an explicit `certs_dirs` keeps its own roots. (Its
// proxy answer is what libcurl reads from the same environment variables anyway.)
std::function<registry::EndpointConfig(const std::string &)>
endpointsFromHost(Host &host, const ConfigView &c, const registry::EndpointConfig &base)
{
	auto tls = host.service<RegistryTls>();
	if (!tls)
		return {}; // an older core: the records and default roots read above
	bool ownRoots = !c.getStrings("certs_dirs").empty();
	RegistryTls *service = *tls;
	Host *h = &host;
	return [service, h, ownRoots, base](const std::string &registry) {
		registry::EndpointConfig e = base;
		auto t = service->settings(registry);
		if (!t) {
			h->log(LogLevel::Warn, t.error().message);
			return e;
		}
		auto &rec = e.hosts[registry];
		rec.insecure = rec.insecure || t->insecure;
		if (!t->caFile.empty())
			rec.ca = t->caFile;
		if (!ownRoots) {
			e.certsDirs.clear();
			for (const auto &dir : t->certDirs)
				e.certsDirs.push_back(
					std::filesystem::path(dir).parent_path().string());
		}
		return e;
	};
}

// tb.credentials: what `tb login`, podman or docker stored (auth files, credential helpers).
registry::CredentialSource credentialsFromHost(Host &host)
{
	auto store = host.service<CredentialStore>();
	CredentialStore *s = store ? *store : nullptr;
	return [s](const std::string &registry) -> Result<std::optional<registry::Credential>> {
		if (!s)
			return std::optional<registry::Credential>(); // anonymous
		auto c = s->lookup(registry);
		if (!c) {
			if (c.error().code == Errc::NotFound)
				return std::optional<registry::Credential>();
			return unexpected(c.error());
		}
		return std::optional<registry::Credential>(registry::Credential{
			c->username, c->password, c->identityToken, c->registryToken});
	};
}

Result<std::unique_ptr<Transport>> create(Host &host, const ConfigView &config)
{
	Settings settings = readSettings(config);
	// The user's `--tls-verify` for this run (tb.registry-tls 1.1) beats this section.
	if (auto tls = host.service<RegistryTls>(1)) {
		TlsVerifyOverride o = (*tls)->tlsVerifyOverride();
		if (o != TlsVerifyOverride::None)
			settings.endpoints.tlsVerify = o == TlsVerifyOverride::Verify;
	}
	settings.endpointsFor = endpointsFromHost(host, config, settings.endpoints);
	return std::unique_ptr<Transport>(std::make_unique<DockerTransport>(
		host, std::move(settings), credentialsFromHost(host)));
}

} // namespace

} // namespace tb

TB_PLUGIN(tb::Transport, "docker", "0.1.0", tb::create, tb::kSettings);
