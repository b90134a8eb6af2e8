// SPDX-License-Identifier: Apache-2.0
// State one transport.docker instance shares between its sources and destinations: settings,
// one registry::Client per registry (so tokens and connections are reused), what blobs were
// seen where (for cross-repository mounts), progress and the transfer slots.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <tb/host.h>

#include "tbsupport/reg_client.h"
#include "tbsupport/reg_endpoint.h"

namespace tb::docker {

/// \brief Progress of blob transfers (the core's progress service later; a TTY line now).
class ProgressSink {
public:
	virtual ~ProgressSink() = default;
	virtual void start(const std::string &item, const std::string &label, int64_t total) = 0;
	virtual void advance(const std::string &item, int64_t bytes) = 0;
	virtual void done(const std::string &item, bool ok) = 0;
};

/// \brief Progress reported to the host's tb.progress service; none without it.
std::unique_ptr<ProgressSink> makeProgress(Host &host);

struct Settings {
	registry::EndpointConfig endpoints;
	/// The endpoint settings of one registry (the host's tb.registry-tls); unset = endpoints.
	std::function<registry::EndpointConfig(const std::string &)> endpointsFor;
	registry::RetryPolicy retry;
	registry::HttpTimeouts timeouts;
	int jobs = 4;                       ///< blob transfers running at once
	int64_t monolithicMax = 32ll << 20; ///< blobs up to this go in one PUT
	int64_t chunkSize = 32ll << 20;     ///< PATCH size above it
	size_t maxManifestBytes = 4u << 20;
	size_t streamBuffer = 16u << 20; ///< bytes buffered ahead of the blob reader
};

/// \brief A counting semaphore bounding concurrent blob transfers.
class TransferSlots {
public:
	explicit TransferSlots(int n) : free_(n > 0 ? n : 1) {}
	void acquire();
	void release();

private:
	std::mutex m_;
	std::condition_variable cv_;
	int free_;
};

/// \brief An upload's slot, taken by acquire() once its data is at hand, released with it.
class UploadSlot {
public:
	explicit UploadSlot(TransferSlots &slots) : slots_(slots) {}
	~UploadSlot()
	{
		if (held_)
			slots_.release();
	}
	UploadSlot(const UploadSlot &) = delete;
	UploadSlot &operator=(const UploadSlot &) = delete;
	void acquire()
	{
		if (!held_)
			slots_.acquire();
		held_ = true;
	}

private:
	TransferSlots &slots_;
	bool held_ = false;
};

class Registries {
public:
	Registries(Host &host, Settings settings, registry::CredentialSource creds);

	/// \brief The shared client of \a registry ("HOST[:PORT]"), made on first use.
	std::shared_ptr<registry::Client> client(const std::string &registry);
	/// \brief Clients of the pull mirrors of \a registry, in order, with their repo prefix.
	std::vector<std::pair<std::shared_ptr<registry::Client>, std::string>>
	mirrors(const std::string &registry);

	/// \brief Remember that \a repo on \a registry holds \a digests (a source read them).
	void noteBlobs(const std::string &registry, const std::string &repo,
		       const std::vector<std::string> &digests);
	/// \brief Another repository of \a registry known to hold \a digest, for a mount.
	std::optional<std::string> mountSource(const std::string &registry, const std::string &repo,
					       const std::string &digest);

	/// \brief A client of its own for \a registry that authenticates with \a cred only, and
	/// verifies TLS as \a tlsVerify says when set (`tb login`).
	std::shared_ptr<registry::Client> loginClient(const std::string &registry,
						      registry::Credential cred,
						      std::optional<bool> tlsVerify);

	const Settings &settings() const noexcept { return settings_; }
	Host &host() noexcept { return host_; }
	ProgressSink &progress() noexcept { return *progress_; }
	/// \brief Bound running downloads and running uploads, `jobs` each. Separate pools: a
	/// registry-to-registry copy holds a download while it uploads.
	TransferSlots &slots() noexcept { return slots_; }
	TransferSlots &uploadSlots() noexcept { return uploadSlots_; }

private:
	std::shared_ptr<registry::Client> makeClient(const std::string &registry,
						     const std::string &endpointKey,
						     registry::CredentialSource creds,
						     std::optional<bool> tlsVerify = {});

	Host &host_;
	Settings settings_;
	registry::CredentialSource creds_;
	std::unique_ptr<ProgressSink> progress_;
	TransferSlots slots_;
	TransferSlots uploadSlots_;
	std::mutex mutex_;
	std::map<std::string, std::shared_ptr<registry::Client>> clients_;
	std::map<std::string, std::set<std::string>> seen_; ///< digest -> "registry\nrepo"
};

} // namespace tb::docker
