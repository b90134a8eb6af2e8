// SPDX-License-Identifier: Apache-2.0
// Read-only file trees: directories, and uncompressed tars indexed in place (no temp copy).
#include "tbsupport/tar_index.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "tbsupport/blob_file.h"

namespace tb::support {

namespace {

constexpr int64_t Block = 512;
// pax and GNU long-name records are read into memory: a real one is a few hundred bytes.
constexpr int64_t MaxMetaBytes = 1 << 20;

using Header = unsigned char[Block];

bool isZero(const Header h)
{
	return std::all_of(h, h + Block, [](unsigned char c) { return c == 0; });
}

// Octal digits padded with spaces or NULs (POSIX), or GNU base-256 for big sizes.
std::optional<int64_t> parseNumber(const unsigned char *p, size_t n)
{
	if (p[0] & 0x80) {
		if (p[0] == 0xff)
			return std::nullopt; // negative
		uint64_t v = p[0] & 0x7f;
		for (size_t i = 1; i < n; ++i) {
			if (v > (static_cast<uint64_t>(INT64_MAX) >> 8))
				return std::nullopt;
			v = (v << 8) | p[i];
		}
		return static_cast<int64_t>(v);
	}
	size_t b = 0, e = n;
	while (b < e && (p[b] == ' ' || p[b] == 0))
		++b;
	while (e > b && (p[e - 1] == ' ' || p[e - 1] == 0))
		--e;
	int64_t v = 0;
	for (size_t i = b; i < e; ++i) {
		if (p[i] < '0' || p[i] > '7' || v > (INT64_MAX >> 3))
			return std::nullopt;
		v = v * 8 + (p[i] - '0');
	}
	return v;
}

// The checksum is the byte sum with its own field read as spaces; old tars summed signed.
bool checksumOk(const Header h)
{
	auto want = parseNumber(h + 148, 8);
	if (!want)
		return false;
	int64_t u = 0, s = 0;
	for (int64_t i = 0; i < Block; ++i) {
		bool field = i >= 148 && i < 156;
		u += field ? ' ' : h[i];
		s += field ? ' ' : static_cast<signed char>(h[i]);
	}
	return *want == u || *want == s;
}

std::string field(const Header h, size_t off, size_t n)
{
	const char *p = reinterpret_cast<const char *>(h + off);
	return std::string(p, strnlen(p, n));
}

// ustar splits long names into prefix + name; GNU uses the prefix bytes for other things.
std::string headerName(const Header h)
{
	std::string name = field(h, 0, 100);
	bool ustar = std::memcmp(h + 257, "ustar\0", 6) == 0;
	std::string prefix = ustar ? field(h, 345, 155) : std::string();
	return prefix.empty() ? name : prefix + "/" + name;
}

struct Pax {
	std::optional<std::string> path;
	std::optional<int64_t> size;
	bool sparse = false;
};

// Records are "LEN key=value\n", LEN counting the whole record.
Result<void> parsePax(std::string_view data, Pax &out, const std::string &what)
{
	while (!data.empty()) {
		size_t sp = data.find(' ');
		size_t len = 0;
		auto bad = [&] { return err(Errc::Corrupt, what + ": malformed pax header"); };
		if (sp == std::string_view::npos || sp == 0 || sp > 20)
			return bad();
		for (size_t i = 0; i < sp; ++i) {
			if (data[i] < '0' || data[i] > '9')
				return bad();
			len = len * 10 + static_cast<size_t>(data[i] - '0');
		}
		if (len <= sp + 1 || len > data.size() || data[len - 1] != '\n')
			return bad();
		std::string_view kv = data.substr(sp + 1, len - sp - 2);
		size_t eq = kv.find('=');
		if (eq == std::string_view::npos)
			return bad();
		std::string_view key = kv.substr(0, eq), value = kv.substr(eq + 1);
		if (key == "path") {
			out.path = std::string(value);
		} else if (key == "size") {
			int64_t v = 0;
			if (value.empty() || value.size() > 18)
				return bad();
			for (char c : value) {
				if (c < '0' || c > '9')
					return bad();
				v = v * 10 + (c - '0');
			}
			out.size = v;
		} else if (key.starts_with("GNU.sparse.")) {
			out.sparse = true;
		}
		data.remove_prefix(len);
	}
	return {};
}

Result<void> readAt(int fd, int64_t off, void *buf, size_t n, const std::string &what)
{
	char *p = static_cast<char *>(buf);
	while (n > 0) {
		ssize_t r = ::pread(fd, p, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return unexpected(errnoError("read " + what));
		if (r == 0)
			return err(Errc::Corrupt, what + ": truncated");
		p += r;
		off += r;
		n -= static_cast<size_t>(r);
	}
	return {};
}

// Streams one member's bytes with pread; keeps the index (and its fd) alive.
class RangeReader : public BlobReader {
public:
	RangeReader(std::shared_ptr<const void> owner, int fd, int64_t off, int64_t size,
		    std::string what)
	    : owner_(std::move(owner)), fd_(fd), pos_(off), end_(off + size), what_(std::move(what))
	{
	}
	Result<size_t> read(void *buffer, size_t size) noexcept override
	{
		if (pos_ >= end_)
			return size_t{0};
		size_t n = static_cast<size_t>(std::min<int64_t>(end_ - pos_, size));
		for (;;) {
			ssize_t r = ::pread(fd_, buffer, n, pos_);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return unexpected(errnoError("read " + what_));
			if (r == 0) // the archive shrank under us
				return err(Errc::Corrupt, what_ + ": archive truncated");
			pos_ += r;
			return static_cast<size_t>(r);
		}
	}

private:
	std::shared_ptr<const void> owner_;
	int fd_;
	int64_t pos_, end_;
	std::string what_;
};

// True when \a fd (of \a file) starts with a tar header or an end-of-archive block. Anything
// pread cannot serve (a pipe, a directory) cannot be indexed in place either.
Result<bool> startsWithTarBlock(int fd, const std::string &file)
{
	struct stat st;
	if (::fstat(fd, &st) != 0)
		return unexpected(errnoError("stat archive " + file));
	if (!S_ISREG(st.st_mode))
		return false;
	// Read even when st_size says "short": procfs-like files report 0. A failed read stays an
	// I/O error; only a file shorter than one block is "not a tar".
	Header h;
	if (auto r = readAt(fd, 0, h, Block, "archive " + file); !r) {
		if (r.error().code == Errc::Corrupt)
			return false;
		return unexpected(std::move(r).error());
	}
	return isZero(h) || checksumOk(h);
}

struct ReadArchive {
	archive *a = archive_read_new();
	~ReadArchive() { archive_read_free(a); }
};

// The tar inside a compressed archive, decompressed into an unlinked temp file: libarchive
// only undoes the compression ("raw" format); the tar itself is parsed by TarIndex alone, so
// a compressed archive cannot read differently from the same tar uncompressed.
Result<UniqueFd> decompressToTemp(const std::string &file, std::string_view tmpPrefix,
				  const std::string &tmpParent)
{
	ReadArchive r;
	archive_read_support_filter_all(r.a);
	archive_read_support_format_raw(r.a);
	archive_entry *e = nullptr;
	int rc = archive_read_open_filename(r.a, file.c_str(), 1 << 16);
	if (rc == ARCHIVE_OK)
		rc = archive_read_next_header(r.a, &e);
	if (rc != ARCHIVE_OK && rc != ARCHIVE_EOF) {
		const char *why = archive_error_string(r.a);
		Errc code = ::access(file.c_str(), F_OK) != 0 ? Errc::NotFound : Errc::Corrupt;
		return err(code, "archive " + file + ": " + (why ? why : "cannot open"));
	}
	UniqueFd out;
	{
		// The file outlives its directory: unlinked at once, it goes when its fd does.
		auto dir = TB_TRY(TempDir::create(tmpPrefix, tmpParent));
		std::string path = dir.path() + "/archive.tar";
		out.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
		if (!out.isValid())
			return unexpected(errnoError("create " + path));
		::unlink(path.c_str());
	}
	std::vector<char> buf(1 << 20);
	while (rc == ARCHIVE_OK) { // ARCHIVE_EOF: an empty file, an empty tar
		la_ssize_t n = archive_read_data(r.a, buf.data(), buf.size());
		if (n == 0)
			break;
		if (n < 0)
			return err(Errc::Corrupt,
				   "archive " + file + ": " + archive_error_string(r.a));
		for (la_ssize_t done = 0; done < n;) {
			ssize_t w = ::write(out.get(), buf.data() + done,
					    static_cast<size_t>(n - done));
			if (w < 0 && errno != EINTR)
				return unexpected(errnoError("decompressing archive " + file));
			done += std::max<ssize_t>(w, 0);
		}
	}
	return out;
}

} // namespace

TarIndex::~TarIndex() = default;

Result<std::shared_ptr<TarIndex>> TarIndex::open(const std::string &file,
						 const UnpackLimits &limits)
{
	UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd.isValid())
		return unexpected(errnoError("archive " + file));
	return adopt(file, std::move(fd), limits);
}

Result<std::shared_ptr<TarIndex>> TarIndex::adopt(const std::string &file, UniqueFd fd,
						  const UnpackLimits &limits)
{
	std::shared_ptr<TarIndex> index(new TarIndex(file, std::move(fd)));
	struct stat st;
	if (::fstat(index->fd_.get(), &st) != 0)
		return unexpected(errnoError("stat archive " + file));
	if (!S_ISREG(st.st_mode))
		return err(Errc::InvalidArgument, "archive " + file + " is not a regular file");
	TB_TRY(index->scan(st.st_size, limits));
	return index;
}

Result<void> TarIndex::scan(int64_t fileSize, const UnpackLimits &limits)
{
	const std::string what = "archive " + file_;
	Pax pax;
	std::optional<std::string> longName;
	int64_t count = 0;
	Header h;
	for (int64_t pos = 0; pos < fileSize;) {
		if (pos + Block > fileSize)
			return err(Errc::Corrupt,
				   what + ": truncated header at byte " + std::to_string(pos));
		TB_TRY(readAt(fd_.get(), pos, h, Block, what));
		if (isZero(h))
			break; // end of archive (what follows is padding)
		if (!checksumOk(h))
			return err(Errc::Corrupt, what + ": bad tar header checksum at byte " +
							  std::to_string(pos));
		const char type = static_cast<char>(h[156]);
		auto headerSize = parseNumber(h + 124, 12);
		if (!headerSize)
			return err(Errc::Corrupt,
				   what + ": bad size field at byte " + std::to_string(pos));
		const int64_t data = pos + Block;
		const bool meta = type == 'x' || type == 'g' || type == 'L' || type == 'K';
		const int64_t size = meta ? *headerSize : pax.size.value_or(*headerSize);
		if (size > fileSize - data)
			return err(Errc::Corrupt, what + ": entry at byte " + std::to_string(pos) +
							  " is truncated");
		const int64_t next = data + (size + Block - 1) / Block * Block;
		if (meta) {
			if (size > MaxMetaBytes)
				return err(Errc::LimitExceeded,
					   what + ": extended header over " +
						   std::to_string(MaxMetaBytes) + " bytes");
			std::string body(static_cast<size_t>(size), '\0');
			TB_TRY(readAt(fd_.get(), data, body.data(), body.size(), what));
			if (type == 'x')
				TB_TRY(parsePax(body, pax, what));
			else if (type == 'L')
				longName = body.substr(0, strnlen(body.data(), body.size()));
			pos = next; // 'g' (global) and 'K' (long link name) change nothing here
			continue;
		}
		std::string raw = pax.path ? *pax.path : longName ? *longName : headerName(h);
		bool sparse = pax.sparse;
		pax = Pax{};
		longName.reset();
		pos = next;
		if (type == 'V')
			continue; // GNU volume label, not a file
		if (++count > limits.maxEntries)
			return err(Errc::LimitExceeded, what + ": more than " +
								std::to_string(limits.maxEntries) +
								" entries");
		if (static_cast<int64_t>(raw.size()) > limits.maxPathLength)
			return err(Errc::LimitExceeded,
				   what + ": entry name longer than " +
					   std::to_string(limits.maxPathLength));
		auto entry = [&] { return what + ": entry '" + raw + "'"; }; // for errors only
		if (sparse || type == 'S')
			return err(Errc::Unsupported, entry() + ": sparse files are not supported");
		if (type == 'M' || type == 'N')
			return err(Errc::Unsupported,
				   entry() + ": multi-volume and old GNU long-name "
					     "entries are not supported");
		auto name = cleanArchiveName(raw);
		if (!name)
			return err(Errc::Corrupt, entry() + ": unsafe path");
		// Links, directories, devices and FIFOs carry no data: readers disagree on what a
		// size there means (Go ignores it, libarchive may read it), so it is refused.
		if (std::string_view("123456").find(type) != std::string_view::npos && size != 0)
			return err(Errc::Corrupt, entry() + ": a non-file entry with a data size");
		bool regular = (type == '0' || type == '\0' || type == '7') && !raw.ends_with('/');
		if (name->empty())
			continue;
		if (regular)
			members_[*name] = Member{data, size};
		else
			members_.erase(*name); // tar -x: a later entry replaces the file
	}
	return {};
}

Result<int64_t> TarIndex::size(const std::string &rel) const
{
	auto it = members_.find(rel);
	if (it == members_.end())
		return err(Errc::NotFound, name(rel) + " is missing");
	return it->second.size;
}

Result<std::unique_ptr<BlobReader>> TarIndex::open(const std::string &rel, bool) const
{
	auto it = members_.find(rel);
	if (it == members_.end())
		return err(Errc::NotFound, name(rel) + " is missing");
	auto self = std::shared_ptr<const void>(shared_from_this());
	return std::unique_ptr<BlobReader>(std::make_unique<RangeReader>(
		std::move(self), fd_.get(), it->second.offset, it->second.size, name(rel)));
}

std::string TarIndex::name(const std::string &rel) const
{
	return "archive " + file_ + ": " + rel;
}

Result<bool> isUncompressedTar(const std::string &file)
{
	UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd.isValid())
		return unexpected(errnoError("archive " + file));
	return startsWithTarBlock(fd.get(), file);
}

Result<std::shared_ptr<TarIndex>> indexArchive(const std::string &file, std::string_view tmpPrefix,
					       const std::string &tmpParent,
					       const UnpackLimits &limits)
{
	// One open serves both the sniff and the index.
	UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd.isValid())
		return unexpected(errnoError("archive " + file));
	auto plain = TB_TRY(startsWithTarBlock(fd.get(), file));
	if (!plain) // compressed: random access would mean decompressing again per blob
		fd = TB_TRY(decompressToTemp(file, tmpPrefix, tmpParent));
	return TarIndex::adopt(file, std::move(fd), limits);
}

Result<std::shared_ptr<const FileTree>>
openArchiveTree(const std::string &file, std::string_view tmpPrefix, const std::string &tmpParent)
{
	return std::shared_ptr<const FileTree>(TB_TRY(indexArchive(file, tmpPrefix, tmpParent)));
}

} // namespace tb::support
