// SPDX-License-Identifier: Apache-2.0
// libarchive, loaded on first use. Every verb starts by loading libtb, and libarchive brings
// libxml2 and ICU with it (~1.5 ms of each process start-up, docs/benchmarks.md); the
// passthrough verbs (`tb info`, `tb cdi generate`, `tb run` without a cache image) never read
// a tar. libtb's calls bind to these hidden definitions, which forward to the real library.
#include <archive.h>
#include <archive_entry.h>

#include <cstdarg>
#include <cstdio>

#include "internal/lazy_library.h"

#define TB_ARCHIVE_FUNCTIONS(X)                                                                    \
	X(archive_entry_filetype)                                                                  \
	X(archive_entry_free)                                                                      \
	X(archive_entry_hardlink)                                                                  \
	X(archive_entry_new)                                                                       \
	X(archive_entry_pathname)                                                                  \
	X(archive_entry_perm)                                                                      \
	X(archive_entry_set_filetype)                                                              \
	X(archive_entry_set_gid)                                                                   \
	X(archive_entry_set_mtime)                                                                 \
	X(archive_entry_set_pathname)                                                              \
	X(archive_entry_set_perm)                                                                  \
	X(archive_entry_set_size)                                                                  \
	X(archive_entry_set_uid)                                                                   \
	X(archive_entry_size)                                                                      \
	X(archive_entry_symlink)                                                                   \
	X(archive_error_string)                                                                    \
	X(archive_read_data)                                                                       \
	X(archive_read_data_block)                                                                 \
	X(archive_read_free)                                                                       \
	X(archive_read_new)                                                                        \
	X(archive_read_next_header)                                                                \
	X(archive_read_open)                                                                       \
	X(archive_read_support_format_tar)                                                         \
	X(archive_set_error)                                                                       \
	X(archive_write_close)                                                                     \
	X(archive_write_data)                                                                      \
	X(archive_write_free)                                                                      \
	X(archive_write_header)                                                                    \
	X(archive_write_new)                                                                       \
	X(archive_write_open)                                                                      \
	X(archive_write_set_bytes_in_last_block)                                                   \
	X(archive_write_set_format_pax_restricted)

namespace {

TB_LAZY_LIBRARY(Api, api, "libarchive.so.13", "libarchive", TB_ARCHIVE_FUNCTIONS)

} // namespace

extern "C" {

TB_HIDDEN mode_t archive_entry_filetype(struct archive_entry *e)
{
	return api().archive_entry_filetype(e);
}
TB_HIDDEN void archive_entry_free(struct archive_entry *e)
{
	api().archive_entry_free(e);
}
TB_HIDDEN const char *archive_entry_hardlink(struct archive_entry *e)
{
	return api().archive_entry_hardlink(e);
}
TB_HIDDEN struct archive_entry *archive_entry_new(void)
{
	return api().archive_entry_new();
}
TB_HIDDEN const char *archive_entry_pathname(struct archive_entry *e)
{
	return api().archive_entry_pathname(e);
}
TB_HIDDEN mode_t archive_entry_perm(struct archive_entry *e)
{
	return api().archive_entry_perm(e);
}
TB_HIDDEN void archive_entry_set_filetype(struct archive_entry *e, unsigned int t)
{
	api().archive_entry_set_filetype(e, t);
}
TB_HIDDEN void archive_entry_set_gid(struct archive_entry *e, la_int64_t g)
{
	api().archive_entry_set_gid(e, g);
}
TB_HIDDEN void archive_entry_set_mtime(struct archive_entry *e, time_t s, long ns)
{
	api().archive_entry_set_mtime(e, s, ns);
}
TB_HIDDEN void archive_entry_set_pathname(struct archive_entry *e, const char *p)
{
	api().archive_entry_set_pathname(e, p);
}
TB_HIDDEN void archive_entry_set_perm(struct archive_entry *e, mode_t m)
{
	api().archive_entry_set_perm(e, m);
}
TB_HIDDEN void archive_entry_set_size(struct archive_entry *e, la_int64_t s)
{
	api().archive_entry_set_size(e, s);
}
TB_HIDDEN void archive_entry_set_uid(struct archive_entry *e, la_int64_t u)
{
	api().archive_entry_set_uid(e, u);
}
TB_HIDDEN la_int64_t archive_entry_size(struct archive_entry *e)
{
	return api().archive_entry_size(e);
}
TB_HIDDEN const char *archive_entry_symlink(struct archive_entry *e)
{
	return api().archive_entry_symlink(e);
}
TB_HIDDEN const char *archive_error_string(struct archive *a)
{
	return api().archive_error_string(a);
}
TB_HIDDEN la_ssize_t archive_read_data(struct archive *a, void *buf, size_t n)
{
	return api().archive_read_data(a, buf, n);
}
TB_HIDDEN int archive_read_data_block(struct archive *a, const void **buf, size_t *n,
				      la_int64_t *offset)
{
	return api().archive_read_data_block(a, buf, n, offset);
}
TB_HIDDEN int archive_read_free(struct archive *a)
{
	return api().archive_read_free(a);
}
TB_HIDDEN struct archive *archive_read_new(void)
{
	return api().archive_read_new();
}
TB_HIDDEN int archive_read_next_header(struct archive *a, struct archive_entry **e)
{
	return api().archive_read_next_header(a, e);
}
TB_HIDDEN int archive_read_open(struct archive *a, void *data, archive_open_callback *open,
				archive_read_callback *read, archive_close_callback *close)
{
	return api().archive_read_open(a, data, open, read, close);
}
TB_HIDDEN int archive_read_support_format_tar(struct archive *a)
{
	return api().archive_read_support_format_tar(a);
}
TB_HIDDEN void archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	char message[1024];
	va_list args;
	va_start(args, fmt);
	std::vsnprintf(message, sizeof message, fmt, args);
	va_end(args);
	api().archive_set_error(a, err, "%s", message);
}
TB_HIDDEN int archive_write_close(struct archive *a)
{
	return api().archive_write_close(a);
}
TB_HIDDEN la_ssize_t archive_write_data(struct archive *a, const void *buf, size_t n)
{
	return api().archive_write_data(a, buf, n);
}
TB_HIDDEN int archive_write_free(struct archive *a)
{
	return api().archive_write_free(a);
}
TB_HIDDEN int archive_write_header(struct archive *a, struct archive_entry *e)
{
	return api().archive_write_header(a, e);
}
TB_HIDDEN struct archive *archive_write_new(void)
{
	return api().archive_write_new();
}
TB_HIDDEN int archive_write_open(struct archive *a, void *data, archive_open_callback *open,
				 archive_write_callback *write, archive_close_callback *close)
{
	return api().archive_write_open(a, data, open, write, close);
}
TB_HIDDEN int archive_write_set_bytes_in_last_block(struct archive *a, int bytes)
{
	return api().archive_write_set_bytes_in_last_block(a, bytes);
}
TB_HIDDEN int archive_write_set_format_pax_restricted(struct archive *a)
{
	return api().archive_write_set_format_pax_restricted(a);
}

} // extern "C"
