// SPDX-License-Identifier: Apache-2.0
// `docker://[HOST[:PORT]/]REPO[:TAG][@DIGEST]`: images in a registry (distribution API).
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <tb/plugin.h>
#include <tb/transport.h>

#include "auth/credentials.h"
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

private:
	Registries regs_;
};

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
	// The core passes `[extract] max_manifest_bytes` here (and a key of this section wins).
	s.maxManifestBytes = static_cast<size_t>(std::clamp<int64_t>(
		c.getInt("max_manifest_bytes", static_cast<int64_t>(s.maxManifestBytes)), 1024,
		1ll << 30));
	s.endpoints.certsDirs =
		c.has("certs_dirs") ? c.getStrings("certs_dirs") : registry::defaultCertsDirs();
	for (const auto &h : c.getStrings("insecure_registries"))
		s.endpoints.hosts[h].insecure = true;
	if (c.has("tls_verify"))
		s.endpoints.tlsVerify = c.getBool("tls_verify", true);
	// `--tls-verify=false` of the verbs (the CLI sets it for this process).
	if (const char *v = std::getenv("TB_TLS_VERIFY"); v && *v)
		s.endpoints.tlsVerify = std::string_view(v) != "false";
	return s;
}

Result<std::unique_ptr<Transport>> create(Host &host, const ConfigView &config)
{
	support::warnUnknownKeys(host, config,
				 {"jobs", "retry_attempts", "retry_delay_ms", "retry_max_delay_ms",
				  "retry_total_seconds", "stall_timeout", "connect_timeout",
				  "certs_dirs", "insecure_registries", "tls_verify",
				  "monolithic_max", "chunk_size", "max_manifest_bytes"});
	registry::CredentialSource creds = [](const std::string &registry) {
		return auth::lookupCredential(registry);
	};
	return std::unique_ptr<Transport>(
		std::make_unique<DockerTransport>(host, readSettings(config), std::move(creds)));
}

} // namespace

} // namespace tb

TB_PLUGIN(tb::Transport, "docker", "0.1.0", tb::create);
