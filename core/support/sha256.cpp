// SPDX-License-Identifier: Apache-2.0
// Incremental SHA-256 on OpenSSL's EVP interface.
#include "tbsupport/sha256.h"

#include <openssl/evp.h>

namespace tb::support {

struct Sha256::State {
	EVP_MD_CTX *ctx = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>())
{
	state_->ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256()
{
	EVP_MD_CTX_free(state_->ctx);
}

void Sha256::update(const void *data, size_t size) noexcept
{
	EVP_DigestUpdate(state_->ctx, data, size);
}

Digest Sha256::finish() noexcept
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_DigestFinal_ex(state_->ctx, md, &len);
	EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr);

	static constexpr char hexDigits[] = "0123456789abcdef";
	std::string hex;
	hex.reserve(len * 2);
	for (unsigned int i = 0; i < len; ++i) {
		hex += hexDigits[md[i] >> 4];
		hex += hexDigits[md[i] & 0xf];
	}
	return Digest{"sha256", std::move(hex)};
}

Digest Sha256::of(std::string_view data)
{
	Sha256 h;
	h.update(data);
	return h.finish();
}

} // namespace tb::support
