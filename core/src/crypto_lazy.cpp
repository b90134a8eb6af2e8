// SPDX-License-Identifier: Apache-2.0
// libcrypto, loaded on first use, as archive_lazy.cpp does for libarchive. libtb needs it only
// for SHA-256 and base64, and mapping and relocating OpenSSL costs every process ~1.2 ms of
// start-up (docs/benchmarks.md); `tb info`, `tb cdi generate` and `tb run` without a cache
// image never hash. libtb's calls bind to these hidden definitions, which forward to the real
// library (the same one the transport plugins link, so there is one copy in the process).
#include <openssl/evp.h>

#include "internal/lazy_library.h"

#define TB_CRYPTO_FUNCTIONS(X)                                                                     \
	X(EVP_DecodeBlock)                                                                         \
	X(EVP_DigestFinal_ex)                                                                      \
	X(EVP_DigestInit_ex)                                                                       \
	X(EVP_DigestUpdate)                                                                        \
	X(EVP_EncodeBlock)                                                                         \
	X(EVP_MD_CTX_free)                                                                         \
	X(EVP_MD_CTX_new)                                                                          \
	X(EVP_sha256)

namespace {

TB_LAZY_LIBRARY(Api, api, "libcrypto.so.3", "libcrypto", TB_CRYPTO_FUNCTIONS)

} // namespace

extern "C" {

TB_HIDDEN int EVP_DecodeBlock(unsigned char *t, const unsigned char *f, int n)
{
	return api().EVP_DecodeBlock(t, f, n);
}
TB_HIDDEN int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s)
{
	return api().EVP_DigestFinal_ex(ctx, md, s);
}
TB_HIDDEN int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl)
{
	return api().EVP_DigestInit_ex(ctx, type, impl);
}
TB_HIDDEN int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt)
{
	return api().EVP_DigestUpdate(ctx, d, cnt);
}
TB_HIDDEN int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n)
{
	return api().EVP_EncodeBlock(t, f, n);
}
TB_HIDDEN void EVP_MD_CTX_free(EVP_MD_CTX *ctx)
{
	api().EVP_MD_CTX_free(ctx);
}
TB_HIDDEN EVP_MD_CTX *EVP_MD_CTX_new(void)
{
	return api().EVP_MD_CTX_new();
}
TB_HIDDEN const EVP_MD *EVP_sha256(void)
{
	return api().EVP_sha256();
}

} // extern "C"
