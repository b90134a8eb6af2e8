// SPDX-License-Identifier: Apache-2.0
// Triton cache scanner: kernel dirs and their JSON metadata, helper .so dirs, skipped transients.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <boost/json.hpp>

#include <tb/caches.h>

#include "cache/cache_internal.h"
#include "tbsupport/cache_meta.h"
#include "tbsupport/json_fields.h"

namespace tb {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr int64_t MaxKernelJsonBytes = 16 << 20;

int hexValue(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

std::string readSmallFile(const fs::path &p)
{
	std::ifstream in(p, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The OCI architecture of an ELF file, from e_machine; "" when it is no ELF we know.
std::string elfArchitecture(const fs::path &p)
{
	unsigned char h[20] = {};
	std::ifstream in(p, std::ios::binary);
	if (!in.read(reinterpret_cast<char *>(h), sizeof h) || std::memcmp(h,
									   "\x7f"
									   "ELF",
									   4) != 0)
		return {};
	bool little = h[5] == 1;
	unsigned machine = little ? h[18] | (h[19] << 8) : (h[18] << 8) | h[19];
	switch (machine) {
	case 62:
		return "amd64";
	case 183:
		return "arm64";
	case 21:
		return little ? "ppc64le" : "ppc64";
	case 22:
		return "s390x";
	case 243:
		return "riscv64";
	default:
		return {};
	}
}

std::string hostArchitecture()
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv)
	return "riscv64";
#else
	return "unknown";
#endif
}

// Triton has written `target` as {backend, arch, warp_size} (arch int for CUDA, string for
// HIP); older versions put backend_name/arch/warp_size at the top level.
std::optional<CacheTarget> kernelTarget(const json::object &o)
{
	CacheTarget t;
	if (const json::value *tv = o.if_contains("target"); tv && tv->is_object()) {
		const json::object &to = tv->get_object();
		t.backend = support::stringField(to, "backend").value_or("");
		t.arch = support::scalarString(to.if_contains("arch")).value_or("");
		t.warpSize = static_cast<int>(support::intField(to, "warp_size").value_or(0));
	} else if (tv && tv->is_array() && tv->get_array().size() >= 2) {
		const json::array &ta = tv->get_array();
		t.backend = ta[0].is_string() ? std::string(ta[0].get_string()) : "";
		t.arch = support::scalarString(&ta[1]).value_or("");
		t.warpSize =
			ta.size() > 2 && ta[2].is_int64() ? static_cast<int>(ta[2].get_int64()) : 0;
	}
	if (t.backend.empty())
		t.backend = support::stringField(o, "backend_name").value_or("");
	if (t.arch.empty())
		t.arch = support::scalarString(o.if_contains("arch")).value_or("");
	if (t.warpSize == 0)
		t.warpSize = static_cast<int>(support::intField(o, "warp_size").value_or(0));
	if (t.backend.empty() || t.arch.empty())
		return std::nullopt;
	t.arch = support::normalizeArch(t.backend, t.arch);
	return t;
}

void scanKernelJson(ScannedCache &out, const std::string &rel, const fs::path &path, int64_t size)
{
	auto slash = rel.find('/');
	if (slash == std::string::npos || rel.find('/', slash + 1) != std::string::npos)
		return; // only <KEY>/<name>.json
	std::string dir = rel.substr(0, slash), name = rel.substr(slash + 1);
	if (name.size() < 6 || name.compare(name.size() - 5, 5, ".json") != 0 ||
	    name.rfind("__grp__", 0) == 0 || size > MaxKernelJsonBytes)
		return;
	boost::system::error_code ec;
	json::value v = json::parse(readSmallFile(path), ec);
	const json::object *o = ec ? nullptr : v.if_object();
	auto hash = o ? support::stringField(*o, "hash") : std::nullopt;
	if (!hash || hash->empty())
		return; // not a kernel JSON
	std::string key = tritonKeyForHash(*hash);
	if (key.empty())
		out.issues.push_back({rel, "kernel \"hash\" is not 64 hex digits"});
	else if (key != dir)
		out.issues.push_back(
			{rel, "kernel dir name does not match its hash (expected " + key + ")"});
	auto target = kernelTarget(*o);
	if (!target) {
		out.issues.push_back(
			{rel, "kernel JSON has no target (backend, arch); not listed"});
		return;
	}
	CacheEntry e;
	e.hash = *hash;
	e.target = *target;
	e.numStages = support::intField(*o, "num_stages");
	e.numWarps = support::intField(*o, "num_warps");
	e.ptxVersion = support::intField(*o, "ptx_version");
	if (const json::value *d = o->if_contains("debug"); d && d->is_bool())
		e.debug = d->get_bool();
	out.entries.push_back(std::move(e));
}

// A directory that cannot be listed fails the scan: packing it as empty would ship an image
// without those kernels and exit 0.
Result<void> walk(ScannedCache &out, const fs::path &root, const std::string &prefix)
{
	std::error_code ec;
	for (fs::directory_iterator it(root / prefix, ec), end; !ec && it != end;
	     it.increment(ec)) {
		std::string name = it->path().filename().string();
		std::string rel = prefix.empty() ? name : prefix + "/" + name;
		fs::file_status st = it->symlink_status(ec);
		if (ec)
			break;
		if (cache::isTritonTransient(name)) {
			out.issues.push_back({rel, "Triton temporary entry; skipped"});
		} else if (fs::is_symlink(st)) {
			out.issues.push_back({rel, "symbolic link; not packaged"});
		} else if (fs::is_directory(st)) {
			if (prefix.empty() && !isTritonCacheKey(name))
				out.issues.push_back(
					{rel,
					 "not a Triton cache-key directory; tb extract refuses "
					 "it unless --allow-any-top-level"});
			out.files.push_back({rel, true, true, 0});
			TB_TRY(walk(out, root, rel));
		} else if (fs::is_regular_file(st)) {
			if (prefix.empty())
				out.issues.push_back(
					{rel,
					 "a file at the top of the cache; tb extract refuses it "
					 "unless --allow-any-top-level"});
			auto size = static_cast<int64_t>(fs::file_size(it->path(), ec));
			bool exec = (st.permissions() & fs::perms::owner_exec) != fs::perms::none;
			out.files.push_back({rel, false, exec, size});
			out.sizeBytes += size;
			scanKernelJson(out, rel, it->path(), size);
			if (out.architecture.empty() && name.size() > 3 &&
			    name.compare(name.size() - 3, 3, ".so") == 0)
				out.architecture = elfArchitecture(it->path());
		} else {
			out.issues.push_back(
				{rel, "not a regular file or directory; not packaged"});
		}
	}
	if (ec)
		return err(Errc::Io, "cache dir '" + (root / prefix).lexically_normal().string() +
					     "': cannot list: " + ec.message());
	return {};
}

} // namespace

bool isTritonCacheKey(std::string_view name) noexcept
{
	auto all = [&](auto pred) { return std::all_of(name.begin(), name.end(), pred); };
	if (name.size() == 52)
		return all([](char c) { return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'); });
	if (name.size() == 64 || name.size() == 32)
		return all([](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
	return false;
}

std::string tritonKeyForHash(std::string_view hash)
{
	if (hash.size() != 64)
		return {};
	unsigned char bytes[32];
	for (size_t i = 0; i < 32; ++i) {
		int hi = hexValue(hash[2 * i]), lo = hexValue(hash[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return {};
		bytes[i] = static_cast<unsigned char>(hi << 4 | lo);
	}
	static constexpr char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	std::string out;
	unsigned buffer = 0;
	int bits = 0;
	for (unsigned char b : bytes) {
		buffer = (buffer << 8) | b;
		bits += 8;
		while (bits >= 5) {
			out += Alphabet[(buffer >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out += Alphabet[(buffer << (5 - bits)) & 31];
	return out; // 52 characters, padding stripped as Triton does
}

Result<ScannedCache> scanTritonCache(const std::string &dir)
{
	std::error_code ec;
	if (!fs::is_directory(dir, ec))
		return err(Errc::NotFound, "cache dir '" + dir + "': not a directory");
	ScannedCache out;
	out.root = fs::absolute(dir, ec).lexically_normal().string();
	try {
		TB_TRY(walk(out, out.root, ""));
	} catch (const std::exception &e) {
		return err(Errc::Io, "scanning cache dir '" + dir + "': " + e.what());
	}
	std::sort(out.files.begin(), out.files.end(),
		  [](const CacheFile &a, const CacheFile &b) { return a.path < b.path; });
	std::sort(out.entries.begin(), out.entries.end(),
		  [](const CacheEntry &a, const CacheEntry &b) {
			  return std::tie(a.hash, a.target) < std::tie(b.hash, b.target);
		  });
	if (out.entries.empty())
		return err(Errc::InvalidArgument, "cache dir '" + dir +
							  "': no Triton kernels found (expected "
							  "<KEY>/<name>.json with a \"hash\")");
	for (const auto &e : out.entries)
		out.targets.push_back(e.target);
	out.targets = support::uniqueTargets(std::move(out.targets));
	if (out.architecture.empty())
		out.architecture = hostArchitecture();
	return out;
}

Result<Compression> parseCompression(std::string_view name)
{
	if (name == "gzip" || name == "gz")
		return Compression::Gzip;
	if (name == "zstd" || name == "zst")
		return Compression::Zstd;
	if (name == "none" || name == "tar")
		return Compression::None;
	return err(Errc::InvalidArgument,
		   "compression '" + std::string(name) + "': expected gzip, zstd or none");
}

std::string_view compressionName(Compression c) noexcept
{
	switch (c) {
	case Compression::Gzip:
		return "gzip";
	case Compression::Zstd:
		return "zstd";
	case Compression::None:
		return "none";
	}
	return "none";
}

} // namespace tb
