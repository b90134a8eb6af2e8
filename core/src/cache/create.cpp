// SPDX-License-Identifier: Apache-2.0
// Reproducible cache layers (sorted, normalised tar) and `tb create`'s image writing.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include <tb/caches.h>

#include "cache/cache_internal.h"
#include "cache/codec.h"
#include "cache/layer_stream.h"
#include "tbsupport/cache_meta.h"
#include "tbsupport/oci_json.h"
#include "tbsupport/sha256.h"
#include "tbsupport/unique_fd.h"

namespace tb {

namespace {

constexpr std::string_view CachePrefix = "io.triton.cache";
constexpr std::string_view ManifestDir = "io.triton.manifest";

struct LayerSink {
	support::Sha256 diff;
	support::Sha256 blob;
	int fd = -1;
	std::unique_ptr<cache::Encoder> encoder;
	std::optional<Error> error;
	/// Extract's ratio check might trip on what was written so far: decode to see.
	cache::RatioWatch ratio{nullptr};
};

la_ssize_t writeCallback(struct archive *a, void *user, const void *data, size_t size)
{
	auto *s = static_cast<LayerSink *>(user);
	s->diff.update(data, size);
	auto r = s->encoder->write(data, size);
	if (!r) {
		s->error = std::move(r).error();
		// Without this libarchive has no error string to give (NULL).
		archive_set_error(a, EIO, "%s", s->error->message.c_str());
		return -1;
	}
	return static_cast<la_ssize_t>(size);
}

struct ArchiveDeleter {
	void operator()(struct archive *a) const { archive_write_free(a); }
};
struct EntryDeleter {
	void operator()(struct archive_entry *e) const { archive_entry_free(e); }
};

Result<void> writeHeader(struct archive *a, const std::string &path, bool dir, bool exec,
			 int64_t size, int64_t mtime)
{
	std::unique_ptr<struct archive_entry, EntryDeleter> e(archive_entry_new());
	archive_entry_set_pathname(e.get(), path.c_str());
	archive_entry_set_filetype(e.get(), dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e.get(), dir || exec ? 0755 : 0644);
	archive_entry_set_size(e.get(), dir ? 0 : size);
	archive_entry_set_uid(e.get(), 0);
	archive_entry_set_gid(e.get(), 0);
	archive_entry_set_mtime(e.get(), mtime, 0);
	if (archive_write_header(a, e.get()) != ARCHIVE_OK)
		return err(Errc::Io, "tar header for '" + path + "': " + cache::archiveError(a));
	return {};
}

Result<void> writeData(struct archive *a, const void *data, size_t size, const std::string &path)
{
	if (size && archive_write_data(a, data, size) != static_cast<la_ssize_t>(size))
		return err(Errc::Io, "tar data for '" + path + "': " + cache::archiveError(a));
	return {};
}

// \a buf is reused for every file: a fresh 1 MiB vector per file cost a page-zeroing
// memset per file (13 GB for the 12,600-file benchmark cache).
Result<void> copyFile(struct archive *a, const std::string &src, const CacheFile &f,
		      const std::string &entryPath, std::vector<char> &buf)
{
	support::UniqueFd file(::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
	if (!file.isValid())
		return err(Errc::Io, "cache file '" + src + "': " + std::strerror(errno));
	int fd = file.get();
	int64_t left = f.size;
	Result<void> r;
	while (r && left > 0) {
		ssize_t n = ::read(fd, buf.data(),
				   static_cast<size_t>(std::min<int64_t>(left, buf.size())));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = err(Errc::Conflict, "cache file '" + src + "' shrank while packaging");
			break;
		}
		r = writeData(a, buf.data(), static_cast<size_t>(n), entryPath);
		left -= n;
	}
	char probe;
	if (r && ::read(fd, &probe, 1) > 0)
		r = err(Errc::Conflict, "cache file '" + src + "' grew while packaging");
	return r;
}

} // namespace

namespace {

Result<LayerInfo> writeLayer(const ScannedCache &cache, const CreateOptions &options, int fd,
			     bool &ratioSuspect)
{
	int64_t mtime = 0;
	if (options.created)
		mtime = TB_TRY(cache::parseTimestamp(*options.created));
	cache::Utf8Locale utf8;
	LayerSink sink;
	sink.fd = fd;
	sink.ratio = cache::RatioWatch(options.extractLimits ? &*options.extractLimits : nullptr);
	int threads = options.threads > 0
			      ? options.threads
			      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
	// Hashed as written, on this thread, in stream order; compression runs on workers.
	sink.encoder = TB_TRY(cache::makeEncoder(
		options.compression,
		[&sink](const void *d, size_t n) {
			sink.blob.update(d, n);
			// The gzip header goes out before the encoder is assigned: no input behind
			// it.
			sink.ratio.output(n, sink.encoder ? sink.encoder->inputBehindOutput() : 0);
			return cache::writeAll(sink.fd, d, n);
		},
		threads));
	std::unique_ptr<struct archive, ArchiveDeleter> a(archive_write_new());
	// pax_restricted = plain ustar unless a name needs an extended header; no atime/ctime.
	archive_write_set_format_pax_restricted(a.get());
	archive_write_set_bytes_in_last_block(a.get(), 1);
	if (archive_write_open(a.get(), &sink, nullptr, writeCallback, nullptr) != ARCHIVE_OK)
		return err(Errc::Internal, "tar writer: " + cache::archiveError(a.get()));
	auto fail = [&](Error e) -> Result<LayerInfo> {
		return unexpected(sink.error ? *sink.error : std::move(e));
	};
	std::string prefix(CachePrefix);
	std::vector<char> buf(1 << 20);
	if (auto r = writeHeader(a.get(), prefix, true, true, 0, mtime); !r)
		return fail(std::move(r).error());
	for (const auto &f : cache.files) {
		std::string path = prefix + "/" + f.path;
		auto r = writeHeader(a.get(), path, f.directory, f.executable, f.size, mtime);
		if (r && !f.directory)
			r = copyFile(a.get(), cache.root + "/" + f.path, f, path, buf);
		if (!r)
			return fail(std::move(r).error());
	}
	std::string manifest = support::entriesManifestJson(cache.entries);
	std::string mdir(ManifestDir);
	auto r = writeHeader(a.get(), mdir, true, true, 0, mtime);
	if (r)
		r = writeHeader(a.get(), mdir + "/manifest.json", false, false,
				static_cast<int64_t>(manifest.size()), mtime);
	if (r)
		r = writeData(a.get(), manifest.data(), manifest.size(), mdir + "/manifest.json");
	if (!r)
		return fail(std::move(r).error());
	if (archive_write_close(a.get()) != ARCHIVE_OK)
		return fail(Error{Errc::Io, "tar writer: " + cache::archiveError(a.get())});
	TB_TRY(sink.encoder->finish());
	LayerInfo info;
	info.blob.digest = sink.blob.finish();
	info.blob.size = sink.ratio.outputBytes();
	info.diffId = sink.diff.finish();
	info.compression = std::string(compressionName(options.compression));
	ratioSuspect = sink.ratio.suspect();
	return info;
}

// What extract checks, on what create wrote: an image tb itself would refuse is no use.
Result<void> checkExtractLimits(const ScannedCache &cache, const ExtractLimits &limits,
				const LayerInfo &layer, int fd, bool ratioSuspect)
{
	std::string prefix = std::string(CachePrefix) + "/";
	int64_t entries = static_cast<int64_t>(cache.files.size()) + 3; // + prefix, manifest
	if (entries > limits.maxEntries)
		return err(Errc::LimitExceeded, std::to_string(entries) +
							" entries, over [extract] max_entries " +
							std::to_string(limits.maxEntries));
	int64_t declared = 3 * 512 + static_cast<int64_t>(cacheManifestJson(cache).size());
	for (const auto &f : cache.files) {
		int64_t len = static_cast<int64_t>(prefix.size() + f.path.size());
		if (len > limits.maxPathLength)
			return err(Errc::LimitExceeded,
				   "'" + prefix + f.path + "' is " + std::to_string(len) +
					   " bytes, over [extract] max_path_length " +
					   std::to_string(limits.maxPathLength));
		declared += 512 + f.size;
	}
	if (declared > limits.maxTotalBytes)
		return err(Errc::LimitExceeded, "the layer holds " + std::to_string(declared) +
							" bytes, over [extract] max_total_bytes " +
							std::to_string(limits.maxTotalBytes));
	if (!ratioSuspect)
		return {};
	if (::lseek(fd, 0, SEEK_SET) < 0)
		return err(Errc::Io, std::string("rewinding the layer: ") + std::strerror(errno));
	cache::FdReader reader(fd);
	auto r = cache::checkLayerStream(reader, layer.blob, limits);
	if (!r && r.error().code == Errc::LimitExceeded) {
		Error e = std::move(r).error();
		e.message += " (a large sparse or zero-filled file does this)";
		return unexpected(std::move(e));
	}
	return r;
}

} // namespace

Result<LayerInfo> writeCacheLayer(const ScannedCache &cache, const CreateOptions &options, int fd)
{
	bool ratioSuspect = false;
	return writeLayer(cache, options, fd, ratioSuspect);
}

namespace {

// Where the layer is written: straight into the destination's storage when it offers a file
// (minor 4: adopted there without being read or hashed again), else an unlinked temp file
// that putBlob() reads back.
struct LayerFile {
	std::unique_ptr<BlobFile> adoptable;
	support::UniqueFd temp;
	int fd = -1;
	std::string where;
};

Result<LayerFile> openLayerFile(ImageDestination &dest, const CreateOptions &options)
{
	LayerFile f;
	if (hasMinor(dest, 4)) {
		auto file = dest.createBlobFile();
		if (file && *file && (*file)->fd() >= 0) {
			f.adoptable = std::move(*file);
			f.fd = f.adoptable->fd();
			f.where = "the destination";
			return f;
		}
		if (!file && file.error().code != Errc::Unsupported)
			return unexpected(std::move(file).error().wrap("destination"));
	}
	f.temp = support::UniqueFd(
		TB_TRY_CTX(cache::openTempFile(options.tempDir), "staging the layer"));
	f.fd = f.temp.get();
	f.where = "a temporary file in '" + cache::tempDirectory(options.tempDir) + "'";
	return f;
}

Result<void> storeLayer(ImageDestination &dest, LayerFile &file, const Descriptor &layer)
{
	if (TB_TRY_CTX(dest.hasBlob(layer), "destination"))
		return {}; // already stored: the unused file goes with \a file
	if (file.adoptable)
		return file.adoptable->adopt(layer);
	if (::lseek(file.fd, 0, SEEK_SET) < 0)
		return err(Errc::Io, std::string("rewinding the layer: ") + std::strerror(errno));
	cache::FdReader reader(file.fd);
	return dest.putBlob(layer, reader);
}

} // namespace

Result<CreateResult> createCache(const ScannedCache &cache, const CacheFormat &format,
				 ImageDestination &dest, const CreateOptions &options)
{
	LayerFile layer = TB_TRY(openLayerFile(dest, options));
	int fd = layer.fd;
	PackInput in;
	bool ratioSuspect = false;
	in.layer = TB_TRY_CTX(writeLayer(cache, options, fd, ratioSuspect),
			      "writing the cache layer to " + layer.where);
	if (options.extractLimits)
		TB_TRY_CTX(checkExtractLimits(cache, *options.extractLimits, in.layer, fd,
					      ratioSuspect),
			   "tb extract would refuse this image with its [extract] limits");
	in.entries = cache.entries;
	in.targets = cache.targets;
	in.cacheSizeBytes = cache.sizeBytes;
	in.title = options.title;
	in.dockerMediaTypes = options.dockerMediaTypes;
	in.architecture = cache.architecture;
	in.manifestJson = support::entriesManifestJson(cache.entries);
	if (options.created)
		in.created =
			cache::formatTimestamp(TB_TRY(cache::parseTimestamp(*options.created)));
	PackOutput out = TB_TRY_CTX(format.pack(in),
				    std::string("packing as ") + std::string(format.variant()));
	auto manifest = TB_TRY_CTX(support::parseImageManifest(out.manifest),
				   "format plugin wrote a bad manifest");
	if (manifest.layers.size() != 1 || manifest.layers[0].digest != in.layer.blob.digest)
		return err(Errc::Internal, "format plugin '" + std::string(format.variant()) +
						   "' did not reference the cache layer");
	CreateResult res;
	res.layer = manifest.layers[0];
	res.diffId = in.layer.diffId;
	TB_TRY_CTX(storeLayer(dest, layer, res.layer), "writing layer " + res.layer.digest.str());
	if (!TB_TRY_CTX(dest.hasBlob(out.config), "destination")) {
		support::StringReader reader(out.configBytes);
		TB_TRY_CTX(dest.putBlob(out.config, reader),
			   "writing config " + out.config.digest.str());
	}
	TB_TRY_CTX(dest.putManifest(out.manifest), "writing the manifest");
	TB_TRY_CTX(dest.commit(), "committing the image");
	res.manifestDigest = support::Sha256::of(out.manifest.bytes);
	res.manifestMediaType = out.manifest.mediaType;
	res.manifestSize = static_cast<int64_t>(out.manifest.bytes.size());
	return res;
}

std::string cacheManifestJson(const ScannedCache &cache)
{
	return support::entriesManifestJson(cache.entries);
}

std::string cacheDockerfile(const ScannedCache &cache, const CreateOptions &options,
			    std::string_view cacheDirName)
{
	auto quote = [](const std::string &v) {
		std::string out = "\"";
		for (char c : v) {
			if (c == '"' || c == '\\')
				out += '\\';
			out += c;
		}
		return out + "\"";
	};
	std::string dir(cacheDirName);
	std::string d;
	d += "# Generated by tb create: the compat image of this cache, for docker, podman, "
	     "buildah.\n";
	d += "# Build context: this directory. " + dir +
	     "/ holds exactly the files tb packs (no Triton\n"
	     "# tmp.pid_* entries, no symbolic links), io.triton.manifest/ the kernel list.\n";
	if (options.dockerMediaTypes)
		d += "#   podman build --format docker -t IMAGE DIR     docker build -t IMAGE "
		     "DIR\n";
	else // a Dockerfile cannot set manifest annotations; buildah can
		d += "#   podman build --annotation cache.triton.image/variant=compat -t IMAGE "
		     "DIR\n";
	d += "# Two stages give one squashed layer, like tb's own image.\n";
	d += "FROM scratch AS build\n";
	d += "COPY " + dir + " /io.triton.cache\n";
	d += "COPY io.triton.manifest /io.triton.manifest\n\n";
	d += "FROM scratch\n";
	if (!options.title.empty())
		d += "LABEL org.opencontainers.image.title=" + quote(options.title) + "\n";
	d += "LABEL cache.triton.image/entry-count=" + quote(std::to_string(cache.entries.size())) +
	     "\n";
	d += "LABEL cache.triton.image/summary=" + quote(support::summaryJson(cache.targets)) +
	     "\n";
	d += "LABEL cache.triton.image/cache-size-bytes=" + quote(std::to_string(cache.sizeBytes)) +
	     "\n";
	d += "COPY --from=build / /\n";
	return d;
}

} // namespace tb
