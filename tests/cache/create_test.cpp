// SPDX-License-Identifier: Apache-2.0
// `tb create`: what normalisation promises (same digest from a perturbed copy, tar headers),
// --created, the opt-in title.
#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <tb/images.h>

#include "cache_test_util.h"

namespace tb::test {
namespace {

namespace json = boost::json;

const std::string Key = "5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ";

// The manifest and config tb wrote for TAG in the layout at DIR.
struct Written {
	json::object manifest, config;
};

std::string readAll(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string blob(const std::string &dir, std::string_view digest)
{
	return readAll(dir + "/blobs/sha256/" + std::string(digest.substr(7)));
}

Written readLayout(const std::string &dir, const std::string &tag)
{
	Written w;
	auto index = json::parse(readAll(dir + "/index.json")).as_object();
	for (const auto &m : index.at("manifests").as_array()) {
		const auto &a = m.as_object().at("annotations").as_object();
		if (a.at("org.opencontainers.image.ref.name").as_string() != tag)
			continue;
		w.manifest =
			json::parse(blob(dir, m.as_object().at("digest").as_string())).as_object();
		w.config = json::parse(blob(dir, w.manifest.at("config").at("digest").as_string()))
				   .as_object();
	}
	return w;
}

ShellResult tb(const std::string &args)
{
	return sh(tbExe() + " " + args);
}

// The digest `create -q` prints last (warnings about the skipped entries come before it).
std::string digestLine(const std::string &output)
{
	auto end = output.find_last_not_of('\n') + 1;
	auto start = output.rfind('\n', end - 1);
	start = start == std::string::npos ? 0 : start + 1;
	return output.substr(start, end - start);
}

// A copy of the CUDA fixture that differs in everything tb normalises or skips.
void perturbedCopy(const std::string &to)
{
	fs::copy(cudaFixture(), to, fs::copy_options::recursive);
	auto when = fs::file_time_type::clock::now() - std::chrono::hours(24 * 400);
	for (const auto &e : fs::recursive_directory_iterator(to)) {
		fs::permissions(e.path(), e.is_directory() ? fs::perms(0700) : fs::perms(0600));
		fs::last_write_time(e.path(), when);
		when += std::chrono::minutes(7);
		if (::geteuid() == 0) {
			EXPECT_EQ(::lchown(e.path().c_str(), 1234, 4321), 0) << e.path();
		}
	}
	writeFile(to + "/tmp.pid_4242_0f9c3a/add_kernel.cubin", "half written");
	writeFile(to + "/" + Key + "/add_kernel.json.tmp.pid_4242_0f9c3a", "{\"hash\":");
	fs::create_symlink(Key + "/add_kernel.cubin", to + "/latest.cubin");
}

TEST(Create, PerturbedCopyGivesTheSameDigest)
{
	TempDir t;
	perturbedCopy(t / "src");
	std::string common = "create -q --title vector-add -d ";
	ShellResult a = tb(common + cudaFixture() + " -i oci:" + (t / "a") + ":v1");
	ShellResult b = tb(common + (t / "src") + " -i oci:" + (t / "b") + ":v1");
	ASSERT_EQ(a.status, 0) << a.output;
	ASSERT_EQ(b.status, 0) << b.output;
	EXPECT_EQ(a.output.rfind("sha256:", 0), 0u) << a.output;
	EXPECT_NE(b.output.find("Triton temporary entry; skipped"), std::string::npos) << b.output;
	EXPECT_EQ(digestLine(a.output), digestLine(b.output))
		<< "normalisation must hide modes, mtimes, owners and temporary files";
}

// One header of an uncompressed tar, read from its 512 bytes.
struct Header {
	std::string name, uname, gname, magic;
	char type = 0;
	unsigned mode = 0;
	int64_t uid = -1, gid = -1, size = 0, mtime = -1;
};

int64_t octal(const char *p, size_t n)
{
	std::string s(p, n);
	return std::strtoll(s.c_str(), nullptr, 8);
}

std::vector<Header> headers(const std::string &tar)
{
	std::vector<Header> out;
	for (size_t off = 0; off + 512 <= tar.size();) {
		const char *h = tar.data() + off;
		if (h[0] == '\0')
			break; // end-of-archive blocks
		Header x;
		x.name = std::string(h, strnlen(h, 100));
		x.mode = static_cast<unsigned>(octal(h + 100, 8));
		x.uid = octal(h + 108, 8);
		x.gid = octal(h + 116, 8);
		x.size = octal(h + 124, 12);
		x.mtime = octal(h + 136, 12);
		x.type = h[156];
		x.magic = std::string(h + 257, 5);
		x.uname = std::string(h + 265, strnlen(h + 265, 32));
		x.gname = std::string(h + 297, strnlen(h + 297, 32));
		out.push_back(x);
		off += 512 + static_cast<size_t>((x.size + 511) / 512 * 512);
	}
	return out;
}

std::string layerTar(const std::string &dir, const std::optional<std::string> &created)
{
	auto scan = scanTritonCache(dir);
	EXPECT_TRUE(scan) << scan.error().message;
	CreateOptions o;
	o.compression = Compression::None;
	o.created = created;
	int fd = ::open("/tmp", O_TMPFILE | O_RDWR, 0600);
	auto l = writeCacheLayer(*scan, o, fd);
	EXPECT_TRUE(l) << l.error().message;
	std::string tar(static_cast<size_t>(::lseek(fd, 0, SEEK_END)), '\0');
	EXPECT_EQ(::pread(fd, tar.data(), tar.size(), 0), static_cast<ssize_t>(tar.size()));
	::close(fd);
	return tar;
}

TEST(Create, LayerTarHeadersAreNormalised)
{
	TempDir t;
	perturbedCopy(t / "src");
	fs::permissions(t / ("src/" + Key + "/add_kernel.cubin"), fs::perms(0750)); // owner-exec
	std::vector<std::string> names;
	for (const auto &h : headers(layerTar(t / "src", std::nullopt))) {
		names.push_back(h.name);
		EXPECT_EQ(h.magic, "ustar") << h.name;
		EXPECT_TRUE(h.type == '0' || h.type == '5') << h.name << ": type " << h.type;
		EXPECT_EQ(h.uid, 0) << h.name;
		EXPECT_EQ(h.gid, 0) << h.name;
		EXPECT_EQ(h.uname, "") << h.name;
		EXPECT_EQ(h.gname, "") << h.name;
		EXPECT_EQ(h.mtime, 0) << h.name;
		bool exec =
			h.type == '5' || h.name == "io.triton.cache/" + Key + "/add_kernel.cubin";
		EXPECT_EQ(h.mode, exec ? 0755u : 0644u) << h.name;
		EXPECT_EQ(h.name.find("tmp.pid_"), std::string::npos) << h.name;
		EXPECT_EQ(h.name.find("latest.cubin"), std::string::npos) << h.name;
	}
	ASSERT_EQ(names.size(), 12u + 1 + 2) << "fixture tree, io.triton.cache/, manifest dir+file";
	EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
	EXPECT_EQ(names.front(), "io.triton.cache/");
	EXPECT_EQ(names.back(), "io.triton.manifest/manifest.json");
	for (const auto &h : headers(layerTar(t / "src", "2024-05-01T12:00:00Z")))
		EXPECT_EQ(h.mtime, 1714564800) << h.name << ": --created is every entry's mtime";
}

TEST(Create, CreatedAppearsOnlyWhenAsked)
{
	TempDir t;
	for (const char *format : {"compat", "plain"}) {
		std::string dir = t / format;
		std::string base = " create -q --format " + std::string(format) + " -d " +
				   cudaFixture() + " -i oci:" + dir;
		ASSERT_EQ(tb(base + ":plain").status, 0);
		ASSERT_EQ(tb(base + ":dated --created 2024-05-01T12:00:00Z").status, 0);
		Written plain = readLayout(dir, "plain"), dated = readLayout(dir, "dated");
		EXPECT_FALSE(plain.config.contains("created")) << format;
		EXPECT_EQ(dated.config.at("created").as_string(), "2024-05-01T12:00:00Z") << format;
		auto annotations = [](const Written &w) {
			const json::value *a = w.manifest.if_contains("annotations");
			return a ? a->as_object() : json::object{};
		};
		EXPECT_FALSE(annotations(plain).contains("org.opencontainers.image.created"));
		EXPECT_EQ(annotations(dated).at("org.opencontainers.image.created").as_string(),
			  "2024-05-01T12:00:00Z")
			<< format;
		if (std::string(format) != "compat")
			continue; // the plain config has no history
		const auto &h0 = plain.config.at("history").as_array().at(0).as_object();
		EXPECT_FALSE(h0.contains("created"));
		EXPECT_EQ(h0.at("created_by").as_string(), "tb create --format compat");
		EXPECT_EQ(dated.config.at("history").at(0).at("created").as_string(),
			  "2024-05-01T12:00:00Z");
	}
}

TEST(Create, CreatedAcceptsUnixSecondsAndRfc3339)
{
	TempDir t;
	std::string base = " create -q -d " + cudaFixture() + " -i oci:" + (t / "layout");
	ShellResult z = tb(base + ":a --created 2024-05-01T12:00:00Z");
	ShellResult s = tb(base + ":b --created 1714564800");
	ShellResult o = tb(base + ":c --created 2024-05-01T14:00:00.250+02:00");
	ASSERT_EQ(z.status, 0) << z.output;
	EXPECT_EQ(s.output, z.output);
	EXPECT_EQ(o.output, z.output);
	EXPECT_NE(tb(base + ":d").output, z.output);
	for (const char *bad : {"yesterday", "2024-05-01", "2024-05-01T12:00:00+2",
				"99999999999999999999999", "2024-05-01T12:00:00Zjunk"}) {
		ShellResult r = tb(base + "x:v1 --created '" + std::string(bad) + "'");
		EXPECT_EQ(r.status, 2) << bad << ": " << r.output;
		EXPECT_NE(r.output.find("creation time '" + std::string(bad) + "'"),
			  std::string::npos)
			<< r.output;
		EXPECT_NE(r.output.find("RFC 3339"), std::string::npos) << r.output;
		EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
		EXPECT_FALSE(fs::exists(t / "layoutx")) << "nothing written for a bad --created";
	}
}

std::string titleOf(const std::string &ref)
{
	auto ctx = makeContext();
	if (!ctx)
		return "";
	auto src = openImageSource(*ctx, ref);
	if (!src)
		return "error: " + src.error().message;
	auto img = openCacheImage(**src, ref, ctx->cacheFormats());
	return img ? img->info.title : "error: " + img.error().message;
}

// A digest depends on the content only: no title unless --title, so one cache written to two
// places (or pushed to two repositories) has one digest.
TEST(Create, TitleIsOptInSoTheDigestDependsOnContentOnly)
{
	TempDir t;
	std::string a = "oci:" + (t / "a/L1") + ":v1", b = "oci:" + (t / "b/L2") + ":other";
	ShellResult ra = tb("create -q -d " + cudaFixture() + " -i " + a);
	ShellResult rb = tb("create -q -d " + cudaFixture() + " -i " + b);
	ASSERT_EQ(ra.status, 0) << ra.output;
	ASSERT_EQ(rb.status, 0) << rb.output;
	EXPECT_EQ(ra.output, rb.output) << "same cache, same options, different digests";
	EXPECT_EQ(titleOf(a), "");
	std::string c = "oci:" + (t / "c") + ":v1";
	ShellResult rc = tb("create -q --title vector-add -d " + cudaFixture() + " -i " + c);
	ASSERT_EQ(rc.status, 0) << rc.output;
	EXPECT_EQ(titleOf(c), "vector-add");
	EXPECT_NE(rc.output, ra.output);
}

} // namespace
} // namespace tb::test
