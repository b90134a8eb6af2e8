// SPDX-License-Identifier: Apache-2.0
// Incremental SHA-256 (OpenSSL EVP) producing tb::Digest values.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include <tb/oci.h>

namespace tb::support {

class Sha256 {
public:
	Sha256();
	~Sha256();
	Sha256(const Sha256 &) = delete;
	Sha256 &operator=(const Sha256 &) = delete;

	void update(const void *data, size_t size) noexcept;
	void update(std::string_view data) noexcept { update(data.data(), data.size()); }
	/// \brief Finish and return "sha256:<hex>". The object can be reused afterwards.
	Digest finish() noexcept;

	static Digest of(std::string_view data);

private:
	struct State;
	std::unique_ptr<State> state_;
};

} // namespace tb::support
