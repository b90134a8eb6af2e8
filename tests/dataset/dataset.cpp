// SPDX-License-Identifier: Apache-2.0
// The generator's content models: IR text (gzip ~5x), SASS-like binaries (~2x), .so-like
// blobs (code, symbol tables, zero padding; ~2.5x), Triton's JSON and __grp__ files.
#include "dataset.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <tb/caches.h>

namespace tb::dataset {

namespace {

namespace fs = std::filesystem;

struct Rng {
	uint64_t s;
	uint64_t next()
	{
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		return s;
	}
	size_t around(size_t base, size_t spread) { return base + next() % spread; }
};

// IR-like text: a small vocabulary with random register numbers and locations, which gzip
// compresses about as well as Triton's .ttir/.llir/.ptx files.
std::string irText(Rng &r, size_t bytes)
{
	static const char *ops[] = {"add.s32",        "mul.lo.s32", "ld.global.v4.b32",
				    "st.global.b32",  "mad.lo.s32", "setp.lt.s32",
				    "cvt.rn.f32.f16", "fma.rn.f32", "tt.load",
				    "tt.store",       "arith.addi", "llvm.getelementptr"};
	std::string out;
	out.reserve(bytes + 128);
	char line[160];
	while (out.size() < bytes) {
		uint64_t v = r.next();
		int n = std::snprintf(
			line, sizeof line, "  %%r%u = %s %%r%u, %%r%u; // loc(#loc%u)\n",
			unsigned(v % 4096), ops[(v >> 12) % 12], unsigned((v >> 24) % 4096),
			unsigned((v >> 36) % 4096), unsigned((v >> 48) % 997));
		out.append(line, static_cast<size_t>(n));
	}
	out.resize(bytes);
	return out;
}

// Binary-like bytes: instruction words with a skewed opcode byte, operand fields of few
// distinct values, and zero padding in \a zeroEvery of every 8 words.
std::string binaryBlob(Rng &r, size_t bytes, int zeroEvery)
{
	std::string out(bytes, '\0');
	for (size_t i = 0; i + 8 <= bytes; i += 8) {
		if (static_cast<int>((i / 8) % 8) < zeroEvery)
			continue;
		uint64_t v = r.next();
		uint64_t word = (v & 0xfffull) | ((v >> 16) % 61) << 16 | ((v >> 24) % 13) << 32 |
				((v >> 40) % 5) << 48;
		std::memcpy(&out[i], &word, 8);
	}
	return out;
}

bool writeFile(const fs::path &p, const std::string &bytes, Summary &sum, std::string &error)
{
	int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != ssize_t(bytes.size())) {
		error = "writing '" + p.string() + "': " + std::strerror(errno);
		if (fd >= 0)
			::close(fd);
		return false;
	}
	::close(fd);
	++sum.files;
	sum.bytes += static_cast<int64_t>(bytes.size());
	return true;
}

std::string hexHash(Rng &r)
{
	std::string hash;
	for (int i = 0; i < 4; ++i) {
		char h[17];
		std::snprintf(h, sizeof h, "%016llx", static_cast<unsigned long long>(r.next()));
		hash += h;
	}
	return hash;
}

bool kernel(const fs::path &root, Rng &r, Summary &sum, std::string &error)
{
	std::string hash = hexHash(r);
	std::string key = tritonKeyForHash(hash);
	fs::path d = root / key;
	fs::create_directories(d);
	const std::pair<const char *, std::string> files[] = {
		{"ttir", irText(r, r.around(12000, 8000))},
		{"ttgir", irText(r, r.around(16000, 8000))},
		{"llir", irText(r, r.around(30000, 15000))},
		{"ptx", irText(r, r.around(36000, 15000))},
		{"cubin", binaryBlob(r, r.around(60000, 30000), 2)},
	};
	std::string grp = "{\"child_paths\": {";
	for (const auto &[ext, bytes] : files) {
		if (!writeFile(d / (std::string("kernel.") + ext), bytes, sum, error))
			return false;
		grp += std::string(grp.back() == '{' ? "" : ", ") + "\"kernel." + ext +
		       "\": \"/home/u/.triton/cache/" + key + "/kernel." + ext + "\"";
	}
	std::string json = "{\"hash\": \"" + hash +
			   "\", \"target\": {\"backend\": \"cuda\", \"arch\": 90, \"warp_size\": "
			   "32}, \"num_warps\": 4, \"num_stages\": 3, \"name\": \"kernel\"}";
	grp += ", \"kernel.json\": \"/home/u/.triton/cache/" + key + "/kernel.json\"}}";
	++sum.kernels;
	return writeFile(d / "kernel.json", json, sum, error) &&
	       writeFile(d / "__grp__kernel.json", grp, sum, error);
}

// A launcher / cuda_utils-like shared object in a key dir of its own.
bool sharedObject(const fs::path &root, Rng &r, size_t bytes, Summary &sum, std::string &error)
{
	fs::path d = root / tritonKeyForHash(hexHash(r));
	fs::create_directories(d);
	std::string so = "\x7f"
			 "ELF" +
			 binaryBlob(r, bytes * 3 / 4, 3) + irText(r, bytes / 4);
	return writeFile(d / "__triton_launcher.so", so, sum, error);
}

} // namespace

bool generate(const std::string &dir, const Options &options, Summary &sum, std::string &error)
{
	std::error_code ec;
	fs::create_directories(dir, ec);
	if (ec) {
		error = "creating '" + dir + "': " + ec.message();
		return false;
	}
	Rng r{options.seed * 0x9e3779b97f4a7c15ull | 1};
	// About 1 byte in 8 lives in large blobs (1-8 MiB), the rest in kernels of ~190 kB.
	int64_t blobBudget = options.bytes / 8;
	while (sum.bytes < options.bytes) {
		if (blobBudget > 0 && r.next() % 40 == 0) {
			size_t big = r.around(1u << 20, 7u << 20);
			if (!sharedObject(dir, r, big, sum, error))
				return false;
			blobBudget -= static_cast<int64_t>(big);
		} else if (!kernel(dir, r, sum, error)) {
			return false;
		}
	}
	return true;
}

} // namespace tb::dataset
