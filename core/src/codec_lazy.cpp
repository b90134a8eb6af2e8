// SPDX-License-Identifier: Apache-2.0
// zlib, zstd and ISA-L, loaded on first use, as archive_lazy.cpp does for libarchive: only
// `tb create` and `tb extract` compress or decompress, and mapping and relocating the three
// costs every other verb's start-up ~0.15 ms (docs/benchmarks.md). libtb's calls bind to these
// hidden definitions, which forward to the real libraries.
#define ZSTDLIB_VISIBLE // declared with default visibility; these definitions are hidden
#include <zlib.h>
#include <zstd.h>
#ifdef TB_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "internal/lazy_library.h"

// crc32_combine is crc32_combine64 here, as in every libtb file (_FILE_OFFSET_BITS=64):
// TB_LAZY_LIBRARY looks up the real name.
#define TB_ZLIB_FUNCTIONS(X)                                                                       \
	X(crc32)                                                                                   \
	X(crc32_combine)                                                                           \
	X(deflate)                                                                                 \
	X(deflateBound)                                                                            \
	X(deflateEnd)                                                                              \
	X(deflateInit2_)                                                                           \
	X(deflateReset)                                                                            \
	X(deflateSetDictionary)

#define TB_ZSTD_FUNCTIONS(X)                                                                       \
	X(ZSTD_CCtx_setParameter)                                                                  \
	X(ZSTD_CStreamOutSize)                                                                     \
	X(ZSTD_compressStream2)                                                                    \
	X(ZSTD_createCCtx)                                                                         \
	X(ZSTD_createDCtx)                                                                         \
	X(ZSTD_decompressStream)                                                                   \
	X(ZSTD_freeCCtx)                                                                           \
	X(ZSTD_freeDCtx)                                                                           \
	X(ZSTD_getErrorName)                                                                       \
	X(ZSTD_isError)

#define TB_ISAL_FUNCTIONS(X)                                                                       \
	X(isal_inflate)                                                                            \
	X(isal_inflate_init)                                                                       \
	X(isal_inflate_reset)

namespace {

TB_LAZY_LIBRARY(Zlib, zlib, "libz.so.1", "zlib", TB_ZLIB_FUNCTIONS)
TB_LAZY_LIBRARY(Zstd, zstd, "libzstd.so.1", "libzstd", TB_ZSTD_FUNCTIONS)

#ifdef TB_HAVE_ISAL
TB_LAZY_LIBRARY(Isal, isal, "libisal.so.2", "ISA-L", TB_ISAL_FUNCTIONS)
#endif

} // namespace

extern "C" {

TB_HIDDEN uLong crc32(uLong crc, const Bytef *buf, uInt len)
{
	return zlib().crc32(crc, buf, len);
}
TB_HIDDEN uLong crc32_combine(uLong crc1, uLong crc2, z_off_t len2)
{
	return zlib().crc32_combine(crc1, crc2, len2);
}
TB_HIDDEN int deflate(z_streamp strm, int flush)
{
	return zlib().deflate(strm, flush);
}
TB_HIDDEN uLong deflateBound(z_streamp strm, uLong sourceLen)
{
	return zlib().deflateBound(strm, sourceLen);
}
TB_HIDDEN int deflateEnd(z_streamp strm)
{
	return zlib().deflateEnd(strm);
}
TB_HIDDEN int deflateInit2_(z_streamp strm, int level, int method, int windowBits, int memLevel,
			    int strategy, const char *version, int streamSize)
{
	return zlib().deflateInit2_(strm, level, method, windowBits, memLevel, strategy, version,
				    streamSize);
}
TB_HIDDEN int deflateReset(z_streamp strm)
{
	return zlib().deflateReset(strm);
}
TB_HIDDEN int deflateSetDictionary(z_streamp strm, const Bytef *dictionary, uInt dictLength)
{
	return zlib().deflateSetDictionary(strm, dictionary, dictLength);
}

TB_HIDDEN size_t ZSTD_CCtx_setParameter(ZSTD_CCtx *cctx, ZSTD_cParameter param, int value)
{
	return zstd().ZSTD_CCtx_setParameter(cctx, param, value);
}
TB_HIDDEN size_t ZSTD_CStreamOutSize(void)
{
	return zstd().ZSTD_CStreamOutSize();
}
TB_HIDDEN size_t ZSTD_compressStream2(ZSTD_CCtx *cctx, ZSTD_outBuffer *output, ZSTD_inBuffer *input,
				      ZSTD_EndDirective endOp)
{
	return zstd().ZSTD_compressStream2(cctx, output, input, endOp);
}
TB_HIDDEN ZSTD_CCtx *ZSTD_createCCtx(void)
{
	return zstd().ZSTD_createCCtx();
}
TB_HIDDEN ZSTD_DCtx *ZSTD_createDCtx(void)
{
	return zstd().ZSTD_createDCtx();
}
TB_HIDDEN size_t ZSTD_decompressStream(ZSTD_DStream *zds, ZSTD_outBuffer *output,
				       ZSTD_inBuffer *input)
{
	return zstd().ZSTD_decompressStream(zds, output, input);
}
TB_HIDDEN size_t ZSTD_freeCCtx(ZSTD_CCtx *cctx)
{
	return zstd().ZSTD_freeCCtx(cctx);
}
TB_HIDDEN size_t ZSTD_freeDCtx(ZSTD_DCtx *dctx)
{
	return zstd().ZSTD_freeDCtx(dctx);
}
TB_HIDDEN const char *ZSTD_getErrorName(size_t code)
{
	return zstd().ZSTD_getErrorName(code);
}
TB_HIDDEN unsigned ZSTD_isError(size_t code)
{
	return zstd().ZSTD_isError(code);
}

#ifdef TB_HAVE_ISAL
TB_HIDDEN int isal_inflate(struct inflate_state *state)
{
	return isal().isal_inflate(state);
}
TB_HIDDEN void isal_inflate_init(struct inflate_state *state)
{
	isal().isal_inflate_init(state);
}
TB_HIDDEN void isal_inflate_reset(struct inflate_state *state)
{
	isal().isal_inflate_reset(state);
}
#endif

} // extern "C"
