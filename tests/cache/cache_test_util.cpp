// SPDX-License-Identifier: Apache-2.0
// Helpers of the cache tests: libarchive tar builder, hand-made OCI layouts, shell runner.
#include "cache_test_util.h"

#include <cstdio>
#include <cstring>
#include <sys/wait.h>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/core.h>

#include <tb/images.h>

#include "cache/codec.h"
#include "tbsupport/sha256.h"

namespace tb::test {

namespace {

la_ssize_t appendCallback(struct archive *, void *user, const void *data, size_t size)
{
	static_cast<std::string *>(user)->append(static_cast<const char *>(data), size);
	return static_cast<la_ssize_t>(size);
}

std::string quote(const std::string &s)
{
	return "\"" + s + "\"";
}

std::string descriptor(const std::string &type, const std::string &digest, int64_t size)
{
	return "{\"mediaType\":" + quote(type) + ",\"digest\":" + quote(digest) +
	       ",\"size\":" + std::to_string(size) + "}";
}

std::string putBlob(const std::string &dir, const std::string &bytes)
{
	std::string d = support::Sha256::of(bytes).str();
	writeFile(dir + "/blobs/sha256/" + d.substr(7), bytes);
	return d;
}

// Rewrite the ustar size field (octal, 11 digits) and checksum of regular file \a name: a
// header may declare more than the archive holds, which libarchive's writer would pad out.
void patchDeclaredSize(std::string &tar, const std::string &name, int64_t size)
{
	auto octal = [&](size_t at, size_t len) {
		int64_t v = 0;
		for (size_t i = at; i < at + len && tar[i] >= '0' && tar[i] <= '7'; ++i)
			v = v * 8 + (tar[i] - '0');
		return v;
	};
	for (size_t off = 0; off + 512 <= tar.size() && tar[off] != '\0';) {
		int64_t stored = octal(off + 124, 12);
		char type = tar[off + 156];
		if ((type == '0' || type == '\0') &&
		    tar.compare(off, name.size() + 1, name.c_str(), name.size() + 1) == 0) {
			ASSERT_LT(size, int64_t(1) << 33) << "ustar sizes have 11 octal digits";
			tar.replace(off + 124, 11, fmt::format("{:011o}", size));
			tar[off + 135] = '\0';
			std::memset(&tar[off + 148], ' ', 8);
			unsigned sum = 0;
			for (size_t i = off; i < off + 512; ++i)
				sum += static_cast<unsigned char>(tar[i]);
			tar.replace(off + 148, 6, fmt::format("{:06o}", sum));
			tar[off + 154] = '\0';
			return;
		}
		off += 512 + static_cast<size_t>((stored + 511) / 512 * 512);
	}
	ADD_FAILURE() << "no regular file '" << name << "' in the tar";
}

} // namespace

std::string makeTar(const std::vector<TarEntry> &entries)
{
	std::string out;
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_open(a, &out, nullptr, appendCallback, nullptr);
	for (const auto &t : entries) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, t.name.c_str());
		archive_entry_set_perm(e, t.mode);
		archive_entry_set_size(e, 0);
		switch (t.type) {
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, t.link.c_str());
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, t.link.c_str());
			break;
		case 'c':
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_rdevmajor(e, 1);
			archive_entry_set_rdevminor(e, 3);
			break;
		case 'b':
			archive_entry_set_filetype(e, AE_IFBLK);
			archive_entry_set_rdevmajor(e, 8);
			archive_entry_set_rdevminor(e, 0);
			break;
		case 'p':
			archive_entry_set_filetype(e, AE_IFIFO);
			break;
		case 's':
			archive_entry_set_filetype(e, AE_IFSOCK);
			break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, static_cast<int64_t>(t.data.size()));
		}
		archive_write_header(a, e);
		if (t.type == 'f' && !t.data.empty())
			archive_write_data(a, t.data.data(), t.data.size());
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	for (const auto &t : entries)
		if (t.type == 'f' && t.declaredSize >= 0)
			patchDeclaredSize(out, t.name, t.declaredSize);
	return out;
}

std::string compress(const std::string &tar, Compression c)
{
	std::string out;
	auto enc = cache::makeEncoder(c, [&out](const void *d, size_t n) -> Result<void> {
		out.append(static_cast<const char *>(d), n);
		return {};
	});
	EXPECT_TRUE(enc.has_value());
	EXPECT_TRUE((*enc)->write(tar.data(), tar.size()).has_value());
	EXPECT_TRUE((*enc)->finish().has_value());
	return out;
}

std::string writeLayout(const std::string &dir, const LayoutSpec &spec)
{
	fs::create_directories(dir + "/blobs/sha256");
	writeFile(dir + "/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
	std::string layers, diffIds;
	for (size_t i = 0; i < spec.tars.size(); ++i) {
		std::string blob = compress(spec.tars[i], spec.compression);
		if (i == 0 && spec.mutateBlob)
			spec.mutateBlob(blob);
		std::string type = i < spec.layerTypes.size() ? spec.layerTypes[i]
				   : spec.compression == Compression::Gzip
					   ? "application/vnd.oci.image.layer.v1.tar+gzip"
				   : spec.compression == Compression::Zstd
					   ? "application/vnd.oci.image.layer.v1.tar+zstd"
					   : "application/vnd.oci.image.layer.v1.tar";
		std::string digest = putBlob(dir, blob);
		int64_t size = static_cast<int64_t>(blob.size());
		if (i == 0 && !spec.layerDigestOverride.empty()) {
			digest = spec.layerDigestOverride;
			writeFile(dir + "/blobs/sha256/" + digest.substr(7), blob);
		}
		if (i == 0)
			size += spec.layerSizeDelta;
		layers += (i ? "," : "") + descriptor(type, digest, size);
		std::string diff = i < spec.diffIds.size()
					   ? spec.diffIds[i]
					   : support::Sha256::of(spec.tars[i]).str();
		diffIds += (i ? "," : "") + quote(diff);
	}
	std::string config =
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":" +
		spec.configLabels + "},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds +
		"]}}";
	std::string cd = putBlob(dir, config);
	std::string manifest = spec.manifestOverride;
	if (manifest.empty()) {
		manifest = "{\"schemaVersion\":2,";
		if (!spec.omitManifestMediaType)
			manifest += "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",";
		manifest += "\"config\":" +
			    descriptor("application/vnd.oci.image.config.v1+json", cd,
				       static_cast<int64_t>(config.size())) +
			    ",\"layers\":[" + layers + "]" + spec.extraManifestFields + "}";
	}
	std::string md = putBlob(dir, manifest);
	std::string entry = "{\"mediaType\":" + quote(spec.indexMediaType) +
			    ",\"digest\":" + quote(md) +
			    ",\"size\":" + std::to_string(manifest.size()) +
			    ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"t\"}}";
	if (spec.indexMediaType.empty())
		entry = "{\"digest\":" + quote(md) +
			",\"size\":" + std::to_string(manifest.size()) +
			",\"annotations\":{\"org.opencontainers.image.ref.name\":\"t\"}}";
	writeFile(dir + "/index.json", "{\"schemaVersion\":2,\"mediaType\":\"application/"
				       "vnd.oci.image.index.v1+json\",\"manifests\":[" +
					       entry + "]}");
	return "oci:" + dir + ":t";
}

std::vector<TarEntry> benignEntries()
{
	const std::string k =
		"io.triton.cache/5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ";
	return {
		{"io.triton.cache", 'd', "", "", 0755},
		{k, 'd', "", "", 0755},
		{k + "/add_kernel.json", 'f',
		 "{\"hash\":\"edbea4c0734897ca19ec52852fcc847e552b3b1cfff92cc3deff0b695cdd636f\"}"},
	};
}

namespace {

void collect(void *user, std::string_view m)
{
	static_cast<std::vector<std::string> *>(user)->emplace_back(m);
}

} // namespace

Outcome runExtract(const LayoutSpec &spec, ExtractLimits limits)
{
	Outcome o;
	TempDir t;
	o.ref = writeLayout(t / "layout", spec);
	std::string dest = t / "cache";
	writeFile(dest + "/UNRELATED/keep.txt", "mine");
	auto before = snapshot(dest);
	auto ctx = makeContext();
	if (!ctx)
		return o;
	ExtractOptions opts;
	opts.limits = limits;
	opts.warn = collect;
	opts.warnUser = &o.warnings;
	auto result = [&]() -> Result<ExtractReport> {
		auto src = TB_TRY(openImageSource(*ctx, o.ref));
		auto img = TB_TRY(openCacheImage(*src, o.ref, ctx->cacheFormats()));
		return extractCache(*src, img, dest, opts);
	}();
	o.ok = result.has_value();
	if (!o.ok) {
		o.code = result.error().code;
		o.message = result.error().message;
	}
	o.after = snapshot(dest);
	o.untouched = o.after == before;
	return o;
}

void expectRefused(const Outcome &o, Errc code, const std::string &what, const std::string &entry)
{
	EXPECT_FALSE(o.ok);
	EXPECT_EQ(o.code, code) << o.message;
	EXPECT_NE(o.message.find(o.ref), std::string::npos) << o.message;
	EXPECT_NE(o.message.find(what), std::string::npos) << o.message;
	if (!entry.empty()) { // "extracting 'REF': layer sha256:…: entry 'NAME': why"
		EXPECT_NE(o.message.find(": layer sha256:"), std::string::npos) << o.message;
		EXPECT_NE(o.message.find("entry '" + entry + "'"), std::string::npos) << o.message;
	}
	EXPECT_EQ(o.message.find('\n'), std::string::npos) << o.message;
	EXPECT_TRUE(o.untouched) << "destination changed: " << o.message;
}

ShellResult sh(const std::string &command)
{
	ShellResult r;
	FILE *p = ::popen((command + " 2>&1").c_str(), "r");
	if (!p)
		return r;
	char buf[4096];
	size_t n;
	while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
		r.output.append(buf, n);
	int st = ::pclose(p);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return r;
}

} // namespace tb::test
