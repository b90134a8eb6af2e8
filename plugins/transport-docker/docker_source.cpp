// SPDX-License-Identifier: Apache-2.0
// Pull: manifests with the full Accept list and their digests checked; blobs streamed.
// Mirrors of the registry are asked first, then the registry itself.
#include "docker_source.h"

#include <mutex>

#include "blob_stream.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/sha256.h"

namespace tb::docker {

namespace {

using registry::Client;

std::string mediaTypeOf(const registry::Response &r)
{
	std::string ct = r.header("content-type");
	ct = ct.substr(0, ct.find(';'));
	while (!ct.empty() && ct.back() == ' ')
		ct.pop_back();
	return ct;
}

class DockerSource : public ImageSource {
public:
	DockerSource(Registries &regs, DockerRef ref) : regs_(regs), ref_(std::move(ref)) {}

	Result<RawManifest> manifest(const std::optional<Digest> &instance) noexcept override
	{
		return guarded("transport.docker", [&]() -> Result<RawManifest> {
			if (!chosen_) {
				auto top = TB_TRY(pickEndpoint());
				if (!instance)
					return top;
			}
			return fetch(*chosen_, instance ? instance->str() : ref_.reference(),
				     instance ? &*instance : nullptr);
		});
	}

	Result<std::unique_ptr<BlobReader>> openBlob(const Descriptor &blob) noexcept override
	{
		return guarded("transport.docker", [&]() -> Result<std::unique_ptr<BlobReader>> {
			std::unique_lock lock(mutex_);
			if (!chosen_)
				TB_TRY(pickEndpoint());
			BlobLocation where{chosen_->client, chosen_->repository,
					   ref_.str() + ": blob " + blob.digest.str()};
			lock.unlock();
			return openBlobStream(regs_, std::move(where), blob);
		});
	}

	/// Each blob streams on its own worker thread over the thread-safe client.
	bool concurrentBlobs() const noexcept override { return true; }

private:
	struct Endpoint {
		std::shared_ptr<Client> client;
		std::string repository;
	};

	// The top manifest from the first mirror that has it, else from the registry.
	Result<RawManifest> pickEndpoint()
	{
		const Digest *want = ref_.digest ? &*ref_.digest : nullptr;
		for (auto &[client, prefix] : regs_.mirrors(ref_.registry)) {
			Endpoint e{client, prefix.empty() ? ref_.repository
							  : prefix + "/" + ref_.repository};
			auto m = fetch(e, ref_.reference(), want);
			if (m) {
				chosen_ = e;
				return m;
			}
			regs_.host().log(LogLevel::Info, "mirror " + client->registry() + ": " +
								 m.error().message +
								 "; trying the next source");
		}
		Endpoint e{regs_.client(ref_.registry), ref_.repository};
		auto m = TB_TRY(fetch(e, ref_.reference(), want));
		chosen_ = e;
		return m;
	}

	Result<RawManifest> fetch(const Endpoint &e, const std::string &reference,
				  const Digest *expected)
	{
		std::string what = ref_.str() + ": manifest " + reference;
		registry::Request req;
		req.url = "/v2/" + e.repository + "/manifests/" + reference;
		req.headers.push_back("Accept: " + manifestAccept());
		req.maxBody = regs_.settings().maxManifestBytes;
		auto sent = e.client->send(req, {Client::pullScope(e.repository)});
		if (!sent && sent.error().code == Errc::LimitExceeded) {
			Error big = std::move(sent).error().wrap(what);
			big.message += " ([extract] max_manifest_bytes)";
			return unexpected(std::move(big));
		}
		auto resp = TB_TRY_CTX(std::move(sent), what);
		if (resp.status == 404)
			return err(Errc::NotFound, what + ": " + Client::describe(resp));
		if (resp.status != 200)
			return err(Errc::Protocol, what + ": " + Client::describe(resp));
		RawManifest m{std::move(resp.body), mediaTypeOf(resp)};
		Digest got = support::Sha256::of(m.bytes);
		if (expected && expected->algorithm == "sha256" && got != *expected)
			return err(Errc::Corrupt, what + ": content digest is " + got.str());
		std::string header = resp.header("docker-content-digest");
		if (!expected && header.starts_with("sha256:") && header != got.str())
			return err(Errc::Corrupt, what + ": content digest is " + got.str() +
							  ", the registry says " + header);
		if (m.mediaType.empty() || m.mediaType == "application/json" ||
		    m.mediaType == "text/plain")
			m.mediaType = TB_TRY_CTX(support::manifestMediaType(m), what);
		noteBlobs(m);
		return m;
	}

	// Blobs of this repository may be mounted into another one of the same registry.
	void noteBlobs(const RawManifest &m)
	{
		if (!support::isImageManifestType(m.mediaType))
			return;
		auto parsed = support::parseImageManifest(m);
		if (!parsed)
			return;
		std::vector<std::string> digests{parsed->config.digest.str()};
		for (const auto &l : parsed->layers)
			digests.push_back(l.digest.str());
		regs_.noteBlobs(ref_.registry, ref_.repository, digests);
	}

	Registries &regs_;
	DockerRef ref_;
	std::mutex mutex_; ///< guards chosen_ (openBlob() runs on several threads)
	std::optional<Endpoint> chosen_;
};

} // namespace

std::string manifestAccept()
{
	return std::string(media::OciManifest) + ", " + std::string(media::OciIndex) + ", " +
	       std::string(media::DockerManifest) + ", " + std::string(media::DockerManifestList);
}

std::unique_ptr<ImageSource> makeSource(Registries &regs, DockerRef ref)
{
	return std::make_unique<DockerSource>(regs, std::move(ref));
}

} // namespace tb::docker
