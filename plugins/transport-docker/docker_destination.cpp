// SPDX-License-Identifier: Apache-2.0
// Push: blobs first (HEAD to skip, mount from another repository of the registry, one PUT
// for small blobs, PATCH chunks for big ones, always application/octet-stream and always the
// newest Location), child manifests by digest, then the manifest under its tag at commit().
#include <algorithm>
#include <cstring>
#include <thread>

#include "docker_source.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/sha256.h"

namespace tb::docker {

namespace {

using registry::Client;
using registry::Request;
using registry::Response;

constexpr std::string_view OctetStream = "Content-Type: application/octet-stream";

bool isManifestType(std::string_view t)
{
	return support::isImageManifestType(t) || support::isIndexType(t);
}

// Fill \a buf from \a r until it holds \a want bytes or the stream ends.
Result<size_t> readFull(BlobReader &r, char *buf, size_t want)
{
	size_t got = 0;
	while (got < want) {
		size_t n = TB_TRY(r.read(buf + got, want - got));
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

std::string withQuery(const std::string &url, const std::string &query)
{
	return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

class DockerDestination : public ImageDestination {
public:
	DockerDestination(Registries &regs, DockerRef ref)
	    : regs_(regs), ref_(std::move(ref)), client_(regs.client(ref_.registry)),
	      repo_(ref_.repository)
	{
	}

	Result<bool> hasBlob(const Descriptor &blob) noexcept override
	{
		return guarded("transport.docker", [&]() -> Result<bool> {
			std::string what = ref_.str() + ": " + blob.digest.str();
			Request req;
			req.method = "HEAD";
			bool manifest = isManifestType(blob.mediaType);
			req.url = "/v2/" + repo_ + (manifest ? "/manifests/" : "/blobs/") +
				  blob.digest.str();
			if (manifest)
				req.headers.push_back("Accept: " + manifestAccept());
			auto resp =
				TB_TRY_CTX(client_->send(req, {Client::pushScope(repo_)}), what);
			if (resp.status == 200) {
				std::string len = resp.header("content-length");
				return len.empty() || len == std::to_string(blob.size);
			}
			if (resp.status != 404)
				return err(Errc::Protocol,
					   what + ": HEAD: " + Client::describe(resp));
			if (manifest)
				return false;
			return tryMount(blob);
		});
	}

	Result<void> putBlob(const Descriptor &blob, BlobReader &data) noexcept override
	{
		return guarded("transport.docker", [&]() -> Result<void> {
			std::string what = ref_.str() + ": blob " + blob.digest.str();
			if (blob.digest.algorithm != "sha256")
				return err(Errc::Unsupported,
					   what + ": digest algorithm " + blob.digest.algorithm);
			if (isManifestType(blob.mediaType))
				return putChildManifest(blob, data);
			// The upload slot is taken once the first bytes are in hand: a source
			// download of the same plugin holds a download slot by then, so uploads
			// waiting for their data never starve the downloads (no deadlock).
			UploadSlot slot(regs_.uploadSlots());
			regs_.progress().start(blob.digest.str(), what, blob.size);
			auto r = blob.size <= regs_.settings().monolithicMax
					 ? putMonolithic(blob, data, slot)
					 : putChunked(blob, data, slot);
			regs_.progress().done(blob.digest.str(), r.has_value());
			return std::move(r).wrap(what);
		});
	}

	/// Uploads share the thread-safe client; each has its own upload session.
	bool concurrentBlobs() const noexcept override { return true; }

	Result<void> putManifest(const RawManifest &manifest) noexcept override
	{
		manifest_ = manifest;
		return {};
	}

	Result<void> commit() noexcept override
	{
		return guarded("transport.docker", [&]() -> Result<void> {
			if (!manifest_)
				return err(Errc::InvalidArgument,
					   ref_.str() + ": no manifest to commit");
			Digest d = support::Sha256::of(manifest_->bytes);
			if (ref_.digest && *ref_.digest != d)
				return err(Errc::InvalidArgument,
					   ref_.str() + ": the manifest's digest is " + d.str());
			std::string reference = ref_.digest ? d.str() : ref_.tag;
			return putManifestAt(reference, *manifest_, ref_.str() + ": manifest");
		});
	}

private:
	Result<void> putManifestAt(const std::string &reference, const RawManifest &m,
				   const std::string &what)
	{
		Request req;
		req.method = "PUT";
		req.url = "/v2/" + repo_ + "/manifests/" + reference;
		req.headers.push_back("Content-Type: " + m.mediaType);
		req.body = m.bytes;
		auto resp = TB_TRY_CTX(client_->send(req, {Client::pushScope(repo_)}), what);
		if (resp.status != 201 && resp.status != 200)
			return err(Errc::Protocol, what + ": PUT: " + Client::describe(resp));
		return {};
	}

	Result<void> putChildManifest(const Descriptor &blob, BlobReader &data)
	{
		std::string bytes(static_cast<size_t>(std::max<int64_t>(blob.size, 0)) + 1, '\0');
		bytes.resize(TB_TRY(readFull(data, bytes.data(), bytes.size())));
		TB_TRY(check(blob, bytes.size(), support::Sha256::of(bytes)));
		return putManifestAt(blob.digest.str(), RawManifest{bytes, blob.mediaType},
				     ref_.str() + ": manifest " + blob.digest.str());
	}

	Result<void> check(const Descriptor &blob, size_t size, const Digest &got)
	{
		if (static_cast<int64_t>(size) != blob.size)
			return err(Errc::Corrupt,
				   "blob " + blob.digest.str() + " is " +
					   (static_cast<int64_t>(size) > blob.size
						    ? "larger than"
						    : std::to_string(size) + " bytes, not") +
					   " the descriptor's " + std::to_string(blob.size));
		if (got != blob.digest)
			return err(Errc::Corrupt, "blob " + blob.digest.str() +
							  ": content digest is " + got.str());
		return {};
	}

	// POST ?mount=&from= when a source of this process read the blob from another
	// repository of the same registry: 201 = mounted, 202 = an upload we do not want.
	Result<bool> tryMount(const Descriptor &blob)
	{
		auto from = regs_.mountSource(ref_.registry, repo_, blob.digest.str());
		if (!from)
			return false;
		Request req;
		req.method = "POST";
		req.url = "/v2/" + repo_ + "/blobs/uploads/?mount=" + blob.digest.str() +
			  "&from=" + *from;
		auto resp =
			client_->send(req, {Client::pushScope(repo_), Client::pullScope(*from)});
		if (resp && resp->status == 201)
			return true;
		if (resp && resp->status == 202)
			cancelUpload(resp->header("location"));
		return false;
	}

	void cancelUpload(const std::string &location)
	{
		if (location.empty())
			return;
		Request req;
		req.method = "DELETE";
		req.url = location;
		(void)client_->send(req, {Client::pushScope(repo_)});
	}

	Result<std::string> startUpload()
	{
		Request req;
		req.method = "POST";
		req.url = "/v2/" + repo_ + "/blobs/uploads/";
		auto resp = TB_TRY(client_->send(req, {Client::pushScope(repo_)}));
		if (resp.status != 202)
			return err(Errc::Protocol, "starting an upload: " + Client::describe(resp));
		return location(resp);
	}

	Result<std::string> location(const Response &resp)
	{
		std::string loc = resp.header("location");
		if (loc.empty())
			return err(Errc::Protocol, "registry answered without a Location");
		if (loc.starts_with("/"))
			loc = client_->baseUrl() + loc;
		return loc;
	}

	Result<void> finishUpload(const std::string &loc, const Descriptor &blob, std::string body)
	{
		Request req;
		req.method = "PUT";
		req.url = withQuery(loc, "digest=" + blob.digest.str());
		req.headers.emplace_back(OctetStream);
		req.body = std::move(body);
		auto resp = TB_TRY(client_->send(req, {Client::pushScope(repo_)}));
		if (resp.status != 201)
			return err(Errc::Protocol, "PUT: " + Client::describe(resp));
		return {};
	}

	// Small blobs: verified in memory, then one PUT that can be retried as a whole.
	Result<void> putMonolithic(const Descriptor &blob, BlobReader &data, UploadSlot &slot)
	{
		std::string bytes(static_cast<size_t>(std::max<int64_t>(blob.size, 0)) + 1, '\0');
		bytes.resize(TB_TRY(readFull(data, bytes.data(), bytes.size())));
		TB_TRY(check(blob, bytes.size(), support::Sha256::of(bytes)));
		slot.acquire();
		std::string loc = TB_TRY(startUpload());
		auto r = finishUpload(loc, blob, std::move(bytes));
		if (!r)
			cancelUpload(loc);
		else
			regs_.progress().advance(blob.digest.str(), blob.size);
		return r;
	}

	// Big blobs: PATCH chunks held in memory; a chunk that broke off is resumed from the
	// offset the registry reports (GET on the upload), so the source is read only once.
	Result<void> putChunked(const Descriptor &blob, BlobReader &data, UploadSlot &slot)
	{
		std::string chunk(static_cast<size_t>(regs_.settings().chunkSize), '\0');
		size_t first = TB_TRY(readFull(data, chunk.data(), chunk.size()));
		slot.acquire();
		std::string loc = TB_TRY(startUpload());
		auto r = uploadChunks(blob, data, loc, chunk, first);
		if (!r) {
			cancelUpload(loc);
			return unexpected(std::move(r).error());
		}
		return finishUpload(*r, blob, {});
	}

	// \a chunk holds the first \a n bytes, read before the upload started.
	Result<std::string> uploadChunks(const Descriptor &blob, BlobReader &data, std::string loc,
					 std::string &chunk, size_t n)
	{
		support::Sha256 hash;
		int64_t offset = 0;
		for (bool first = true;; first = false) {
			if (!first)
				n = TB_TRY(readFull(data, chunk.data(), chunk.size()));
			if (n == 0)
				break;
			hash.update(chunk.data(), n);
			if (offset + static_cast<int64_t>(n) > blob.size)
				return err(Errc::Corrupt,
					   "blob " + blob.digest.str() +
						   " is larger than the descriptor's " +
						   std::to_string(blob.size));
			loc = TB_TRY(patchChunk(loc, std::string_view(chunk.data(), n), offset));
			offset += static_cast<int64_t>(n);
			regs_.progress().advance(blob.digest.str(), static_cast<int64_t>(n));
		}
		TB_TRY(check(blob, static_cast<size_t>(offset), hash.finish()));
		return loc;
	}

	Result<std::string> patchChunk(std::string loc, std::string_view chunk, int64_t offset)
	{
		const auto &policy = regs_.settings().retry;
		size_t sent = 0; // of this chunk, acknowledged by the registry
		for (int attempt = 0;; ++attempt) {
			std::string_view rest = chunk.substr(sent);
			size_t pos = 0;
			Request req;
			req.method = "PATCH";
			req.url = loc;
			req.headers.emplace_back(OctetStream);
			int64_t start = offset + static_cast<int64_t>(sent);
			req.headers.push_back(
				"Content-Range: " + std::to_string(start) + "-" +
				std::to_string(start + static_cast<int64_t>(rest.size()) - 1));
			req.source = [&](char *buf, size_t size) -> Result<size_t> {
				size_t n = std::min(size, rest.size() - pos);
				std::memcpy(buf, rest.data() + pos, n);
				pos += n;
				return n;
			};
			req.sourceSize = static_cast<int64_t>(rest.size());
			auto resp = client_->send(req, {Client::pushScope(repo_)});
			if (resp && resp->status == 202)
				return location(*resp);
			bool transient = resp ? (resp->status >= 500 || resp->status == 429)
					      : (resp.error().code == Errc::Unavailable ||
						 resp.error().code == Errc::Timeout);
			if (!transient || attempt + 1 >= policy.attempts) {
				if (!resp)
					return unexpected(std::move(resp).error());
				return err(Errc::Protocol, "PATCH: " + Client::describe(*resp));
			}
			// Where does the registry stand? GET on the upload: 204 + Range: 0-END.
			Request st;
			st.url = loc;
			auto status = TB_TRY(client_->send(st, {Client::pushScope(repo_)}));
			if (status.status != 204)
				return err(Errc::Protocol, "upload status after a failed PATCH: " +
								   Client::describe(status));
			loc = TB_TRY(location(status));
			std::string range = status.header("range");
			int64_t end = -1;
			if (auto dash = range.find('-'); dash != std::string::npos)
				end = std::stoll(range.substr(dash + 1));
			// "0-0" is how distribution says "nothing yet" (and, alas, "one byte").
			int64_t have = end <= 0 ? 0 : end + 1;
			if (have < offset || have > offset + static_cast<int64_t>(chunk.size()))
				return err(Errc::Protocol,
					   "registry holds " + std::to_string(have) +
						   " bytes of the upload; cannot resume");
			sent = static_cast<size_t>(have - offset);
			if (sent == chunk.size())
				return loc;
			regs_.host().log(LogLevel::Info, ref_.str() + ": upload resumed at byte " +
								 std::to_string(have));
			std::this_thread::sleep_for(std::min(
				policy.baseDelay * (1 << std::min(attempt, 10)), policy.maxDelay));
		}
	}

	Registries &regs_;
	DockerRef ref_;
	std::shared_ptr<Client> client_;
	std::string repo_;
	std::optional<RawManifest> manifest_;
};

} // namespace

std::unique_ptr<ImageDestination> makeDestination(Registries &regs, DockerRef ref)
{
	return std::make_unique<DockerDestination>(regs, std::move(ref));
}

} // namespace tb::docker
