// SPDX-License-Identifier: Apache-2.0
// `tb create` and `tb extract` when the disk fills or a write limit is hit: a clear error with
// the real errno, naming what was written, exit 1 (never a crash or a stale errno).
#include <iterator>
#include <pwd.h>
#include <random>
#include <sstream>
#include <unistd.h>

#include <tb/images.h>

#include "../common/saved_env.h"
#include "cache_test_util.h"

namespace tb::test {
namespace {

const std::string Key = "5W7KJQDTJCL4UGPMKKCS7TEEPZKSWOY4774SZQ6674FWSXG5MNXQ";

ShellResult tb(const std::string &args)
{
	return sh(tbExe() + " " + args);
}

// The CUDA fixture plus 1 MiB of random bytes: a layer that no compression shrinks below
// the small limits used here.
void bigCache(const std::string &dir)
{
	fs::copy(cudaFixture(), dir, fs::copy_options::recursive);
	std::string bytes(1 << 20, '\0');
	std::mt19937 rng(14);
	for (auto &c : bytes)
		c = static_cast<char>(rng());
	writeFile(dir + "/" + Key + "/big.bin", bytes);
}

// Runs \a command with a 64 KiB tmpfs mounted at \a mountPoint, in a private user + mount
// namespace (no privilege needed where unprivileged user namespaces are allowed).
// \return nullopt when this host does not allow it
std::optional<ShellResult> withSmallTmpfs(const std::string &mountPoint, const std::string &command)
{
	fs::create_directories(mountPoint);
	std::string probe =
		"unshare -rm sh -c 'mount -t tmpfs -o size=64k tmpfs \"" + mountPoint + "\"'";
	if (sh(probe).status != 0)
		return std::nullopt;
	return sh("unshare -rm sh -c 'mount -t tmpfs -o size=64k tmpfs \"" + mountPoint + "\" && " +
		  command + "'");
}

// A layout takes the layer straight into its own directory: a full one is named, and left
// without the partial layer.
TEST(DiskFull, CreateIntoAFullLayoutSaysNoSpaceAndNamesIt)
{
	TempDir t;
	bigCache(t / "cache");
	auto r = withSmallTmpfs(t / "full", "TMPDIR=" + t.path() + " " + tbExe() +
						    " create -q -i oci:" + t / "full/out" +
						    ":v1 -d " + t / "cache" + "; s=$?; ls -A " +
						    t / "full" + "; exit $s");
	if (!r)
		GTEST_SKIP()
			<< "this host does not allow a tmpfs in a user namespace (unshare -rm)";
	EXPECT_EQ(r->status, 1) << r->output;
	EXPECT_NE(r->output.find("No space left on device"), std::string::npos) << r->output;
	EXPECT_NE(r->output.find("writing the cache layer to the destination"), std::string::npos)
		<< r->output;
	EXPECT_NE(r->output.find("creating 'oci:" + t / "full/out" + ":v1'"), std::string::npos)
		<< r->output;
	EXPECT_EQ(r->output.find("out\n"), std::string::npos)
		<< "the layout directory create made is gone: " << r->output;
}

// A destination that takes blobs through putBlob() only (an archive): the layer is staged in
// TMPDIR, and a full one is named.
TEST(DiskFull, CreateWithFullTempDirSaysNoSpaceAndNamesIt)
{
	TempDir t;
	bigCache(t / "cache");
	auto r = withSmallTmpfs(t / "full", "TMPDIR=" + t / "full" + " " + tbExe() +
						    " create -q -i oci-archive:" + t / "out.tar" +
						    ":v1 -d " + t / "cache");
	if (!r)
		GTEST_SKIP()
			<< "this host does not allow a tmpfs in a user namespace (unshare -rm)";
	EXPECT_EQ(r->status, 1) << r->output;
	EXPECT_NE(r->output.find("No space left on device"), std::string::npos) << r->output;
	EXPECT_NE(r->output.find("temporary file in '" + t / "full" + "'"), std::string::npos)
		<< r->output;
	EXPECT_NE(r->output.find("creating 'oci-archive:" + t / "out.tar" + ":v1'"),
		  std::string::npos)
		<< r->output;
	EXPECT_FALSE(fs::exists(t / "out.tar"));
}

// RLIMIT_FSIZE (SIGXFSZ ignored) fails the write with EFBIG on any filesystem and host.
TEST(DiskFull, CreateOverFileSizeLimitSaysFileTooLarge)
{
	TempDir t;
	bigCache(t / "cache");
	auto r = sh("trap '' XFSZ; ulimit -f 256; TMPDIR=" + t.path() + " " + tbExe() +
		    " create -q --compression none -i oci:" + t / "out" + ":v1 -d " + t / "cache");
	EXPECT_EQ(r.status, 1) << r.output;
	EXPECT_NE(r.output.find("File too large"), std::string::npos) << r.output;
	EXPECT_NE(r.output.find("writing the cache layer to the destination"), std::string::npos)
		<< r.output;
	EXPECT_NE(r.output.find("creating 'oci:" + t / "out" + ":v1'"), std::string::npos)
		<< r.output;
	EXPECT_FALSE(fs::exists(t / "out")) << "no partial layer left behind";
}

TEST(DiskFull, ExtractOnFullDiskSaysNoSpaceForTheEntry)
{
	TempDir t;
	bigCache(t / "cache");
	auto c = tb("create -q -i oci:" + t / "img" + ":v1 -d " + t / "cache");
	ASSERT_EQ(c.status, 0) << c.output;
	auto r = withSmallTmpfs(t / "dest", tbExe() + " extract -q --skip-compat -i oci:" +
						    t / "img" + ":v1 -d " + t / "dest");
	if (!r)
		GTEST_SKIP()
			<< "this host does not allow a tmpfs in a user namespace (unshare -rm)";
	EXPECT_EQ(r->status, 1) << r->output;
	EXPECT_NE(r->output.find("No space left on device"), std::string::npos) << r->output;
	EXPECT_EQ(r->output.find("No such file or directory"), std::string::npos) << r->output;
	EXPECT_NE(r->output.find("writing 'io.triton.cache/" + Key + "/big.bin'"),
		  std::string::npos)
		<< r->output;
}

// A write limit cuts the first write of a file short; the next one fails with EFBIG. A short
// write is continued, so the error is the limit's, not whatever errno held before.
TEST(DiskFull, ExtractShortWriteIsContinuedAndTheRealErrorReported)
{
	TempDir t;
	bigCache(t / "cache");
	auto c = tb("create -q --compression none -i oci:" + t / "img" + ":v1 -d " + t / "cache");
	ASSERT_EQ(c.status, 0) << c.output;
	auto r = sh("trap '' XFSZ; ulimit -f 256; " + tbExe() +
		    " extract -q --skip-compat -i oci:" + t / "img" + ":v1 -d " + t / "dest");
	EXPECT_EQ(r.status, 1) << r.output;
	EXPECT_NE(r.output.find("writing 'io.triton.cache/" + Key + "/big.bin': File too large"),
		  std::string::npos)
		<< r.output;
	EXPECT_FALSE(fs::exists(t / ("dest/" + Key))) << "nothing placed after a failed extract";
}

// --- what lands at the top of the destination -------------------------------------------

const std::string K = "io.triton.cache/" + Key;

LayoutSpec layer(std::vector<TarEntry> extra)
{
	auto e = benignEntries();
	e.insert(e.end(), extra.begin(), extra.end());
	LayoutSpec s;
	s.tars.push_back(makeTar(e));
	return s;
}

// Extract a hand-made layout into \a dest with \a allowAny.
Result<ExtractReport> extractTo(const LayoutSpec &spec, const std::string &layoutDir,
				const std::string &dest, bool allowAny = false)
{
	auto ctx = makeContext();
	if (!ctx)
		return err(Errc::Internal, "no context");
	std::string ref = writeLayout(layoutDir, spec);
	auto src = TB_TRY(openImageSource(*ctx, ref));
	auto img = TB_TRY(openCacheImage(*src, ref, ctx->cacheFormats()));
	ExtractOptions o;
	o.allowAnyTopLevel = allowAny;
	return extractCache(*src, img, dest, o);
}

TEST(TopLevel, NamesACacheNeverHoldsAreRefused)
{
	for (const auto &[entry, top] : std::vector<std::pair<std::string, std::string>>{
		     {".bashrc", ".bashrc"},
		     {".ssh/authorized_keys", ".ssh"},
		     {"bin/tb", "bin"},
		     {Key.substr(1) + "/x.json", Key.substr(1)},                // 51 characters
		     {"5w7kjqdtjcl4ugpmkkcs7teepzkswoy4774szq6674fwsxg5mnxq/x", // lower-case base32
		      "5w7kjqdtjcl4ugpmkkcs7teepzkswoy4774szq6674fwsxg5mnxq"},
	     }) {
		auto o = runExtract(layer({{"io.triton.cache/" + entry, 'f', "pwned"}}));
		expectRefused(o, Errc::Corrupt,
			      "'" + top +
				      "' is not a Triton cache-key directory (allow it with "
				      "--allow-any-top-level)",
			      "io.triton.cache/" + entry);
	}
	// A file directly at the top, even with a key's name.
	auto o = runExtract(layer({{"io.triton.cache/" + std::string(64, 'a'), 'f', "x"}}));
	expectRefused(o, Errc::Corrupt, "a file at the top of io.triton.cache/",
		      "io.triton.cache/" + std::string(64, 'a'));
}

TEST(TopLevel, EveryKeyFormTritonWritesIsAccepted)
{
	std::string hex64 = "c4d45c651d6ac181a78d8d2f3ead424b8b8f07dd23dc3de0a99f425d8a633fc6";
	std::string md5 = "0123456789abcdef0123456789abcdef";
	auto o = runExtract(layer({{"io.triton.cache/" + hex64 + "/hip_utils.so", 'f', "x"},
				   {"io.triton.cache/" + md5 + "/k.json", 'f', "{}"}}));
	EXPECT_TRUE(o.ok) << o.message;
	EXPECT_EQ(o.after.count(hex64 + "/hip_utils.so"), 1u);
	EXPECT_EQ(o.after.count(md5 + "/k.json"), 1u);
	EXPECT_TRUE(isTritonCacheKey(Key));
	EXPECT_FALSE(isTritonCacheKey(""));
	EXPECT_FALSE(isTritonCacheKey(std::string(64, 'A'))); // hex is lower-case
	EXPECT_FALSE(isTritonCacheKey(std::string(52, '1'))); // not in base32's alphabet
}

TEST(TopLevel, AllowAnyTopLevelExtractsThem)
{
	TempDir t;
	auto r = extractTo(layer({{"io.triton.cache/.config/x", 'f', "mine"},
				  {"io.triton.cache/README", 'f', "hi"}}),
			   t / "layout", t / "dest", true);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_TRUE(fs::exists(t / "dest/.config/x"));
	EXPECT_TRUE(fs::exists(t / "dest/README"));
}

TEST(TopLevel, RootAndHomeAreRefusedAsDestinations)
{
	TempDir t;
	SavedEnv env({"HOME"});
	fs::create_directories(t / "home");
	::setenv("HOME", (t / "home").c_str(), 1);
	writeFile(t / "home/.bashrc", "mine");
	for (const std::string &dest :
	     {std::string("/"), std::string("/."), t / "home", t / "home/", t / "home/../home"}) {
		auto r = extractTo(layer({}), t / "layout", dest, true);
		ASSERT_FALSE(r) << dest;
		EXPECT_EQ(r.error().code, Errc::InvalidArgument);
		EXPECT_NE(r.error().message.find("refusing to extract into"), std::string::npos)
			<< r.error().message;
		EXPECT_NE(r.error().message.find("/.triton/cache"), std::string::npos)
			<< r.error().message;
	}
	fs::create_symlink(t / "home", t / "link-to-home");
	auto r = extractTo(layer({}), t / "layout", t / "link-to-home", true);
	EXPECT_FALSE(r) << "a link to HOME is HOME";
	auto home = snapshot(t / "home");
	EXPECT_EQ(home.size(), 1u) << "nothing written into HOME";
	r = extractTo(layer({}), t / "layout", t / "home/.triton/cache");
	EXPECT_TRUE(r) << r.error().message;
	r = extractTo(layer({}), t / "layout", "");
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::InvalidArgument);
	EXPECT_NE(r.error().message.find("no destination"), std::string::npos) << r.error().message;
}

TEST(TopLevel, DefaultDestinationWithoutHomeFollowsThePasswdEntryAsTritonDoes)
{
	SavedEnv env({"HOME", "TRITON_HOME", "TRITON_CACHE_DIR"});
	::unsetenv("HOME");
	::unsetenv("TRITON_HOME");
	::unsetenv("TRITON_CACHE_DIR");
	struct passwd *pw = ::getpwuid(::getuid());
	ASSERT_TRUE(pw && pw->pw_dir && *pw->pw_dir) << "no passwd entry for this user";
	EXPECT_EQ(defaultTritonCacheDir(), std::string(pw->pw_dir) + "/.triton/cache");
	::setenv("HOME", "", 1); // an empty HOME is no home: the passwd entry again
	EXPECT_EQ(defaultTritonCacheDir(), std::string(pw->pw_dir) + "/.triton/cache");
}

// --- create against extract's limits ------------------------------------------------------

Result<CreateResult> createWith(const std::string &cacheDir, const std::string &out,
				const ExtractLimits &limits, Compression c = Compression::Gzip)
{
	auto ctx = makeContext();
	if (!ctx)
		return err(Errc::Internal, "no context");
	auto scan = TB_TRY(scanTritonCache(cacheDir));
	auto dest = TB_TRY(openImageDestination(*ctx, "oci:" + out + ":v1"));
	CreateOptions o;
	o.compression = c;
	o.extractLimits = limits;
	return createCache(scan, *ctx->cacheFormat("compat"), *dest, o);
}

TEST(CreateLimits, CapsExtractWouldHitAreRefusedAtCreate)
{
	TempDir t;
	fs::copy(cudaFixture(), t / "cache", fs::copy_options::recursive);
	ExtractLimits l;
	l.maxEntries = 5;
	auto r = createWith(t / "cache", t / "out", l);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::LimitExceeded);
	EXPECT_NE(r.error().message.find("tb extract would refuse this image with its [extract] "
					 "limits: 15 entries, over [extract] max_entries 5"),
		  std::string::npos)
		<< r.error().message;
	l = {};
	l.maxPathLength = 60;
	r = createWith(t / "cache", t / "out", l);
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("bytes, over [extract] max_path_length 60"),
		  std::string::npos)
		<< r.error().message;
	l = {};
	l.maxTotalBytes = 10000;
	r = createWith(t / "cache", t / "out", l);
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("bytes, over [extract] max_total_bytes 10000"),
		  std::string::npos)
		<< r.error().message;
	EXPECT_FALSE(fs::exists(t / "out/index.json")) << "nothing written";
	EXPECT_TRUE(createWith(t / "cache", t / "out", ExtractLimits{}));
}

// The exact case: a sparse file (zeros) packs small and trips extract's ratio cap.
TEST(CreateLimits, SparseFileOverTheRatioCapIsRefusedAtCreate)
{
	TempDir t;
	fs::copy(cudaFixture(), t / "cache", fs::copy_options::recursive);
	fs::path sparse = t / ("cache/" + Key + "/sparse.bin");
	std::ofstream(sparse).close();
	fs::resize_file(sparse, 256u << 20);
	auto r = tb("create -q --compression zstd -i oci:" + t / "out" + ":v1 -d " + t / "cache");
	EXPECT_EQ(r.status, 1) << r.output;
	EXPECT_NE(r.output.find("tb extract would refuse this image with its [extract] limits"),
		  std::string::npos)
		<< r.output;
	EXPECT_NE(r.output.find("(max_ratio): decompression bomb (a large sparse or zero-filled "
				"file does this)"),
		  std::string::npos)
		<< r.output;
	// With a cap that allows it, create and extract agree.
	writeFile(t / "tb.toml", "[extract]\nmax_ratio = 1000000\n");
	r = tb("--config " + t / "tb.toml" + " create -q --compression zstd -i oci:" + t / "out" +
	       ":v1 -d " + t / "cache");
	ASSERT_EQ(r.status, 0) << r.output;
	r = tb("--config " + t / "tb.toml" + " extract -q --skip-compat -i oci:" + t / "out" +
	       ":v1 -d " + t / "dest");
	EXPECT_EQ(r.status, 0) << r.output;
	EXPECT_EQ(fs::file_size(t / ("dest/" + Key + "/sparse.bin")), 256u << 20);
}

// --- names and unreadable parts at create -------------------------------------------------

TEST(CreateNames, Utf8FileNamesRoundTrip)
{
	TempDir t;
	fs::copy(cudaFixture(), t / "cache", fs::copy_options::recursive);
	std::string name = "na\xc3\xafve-\xe5\x90\x8d\xe5\x89\x8d.bin"; // naïve-名前.bin
	writeFile(t / ("cache/" + Key + "/" + name), "utf-8");
	auto r = sh("LC_ALL=C LANG=C " + tbExe() + " create -q -i oci:" + t / "out" + ":v1 -d " +
		    t / "cache");
	ASSERT_EQ(r.status, 0) << r.output;
	r = tb("extract -q --skip-compat -i oci:" + t / "out" + ":v1 -d " + t / "dest");
	ASSERT_EQ(r.status, 0) << r.output;
	auto dest = snapshot(t / "dest"), src = snapshot(t / "cache");
	EXPECT_EQ(dest[Key + "/" + name], "utf-8");
	std::vector<std::string> names, want;
	for (const auto &kv : dest)
		names.push_back(kv.first);
	for (const auto &kv : src)
		want.push_back(kv.first);
	EXPECT_EQ(names, want) << "the same names, byte for byte";
}

TEST(CreateNames, UnreadableSubdirectoryFailsTheCreate)
{
	TempDir t;
	fs::permissions(t.path(), fs::perms(0755));
	fs::copy(cudaFixture(), t / "cache", fs::copy_options::recursive);
	fs::permissions(t / ("cache/" + Key), fs::perms(0));
	fs::create_directories(t / "out");
	fs::permissions(t / "out", fs::perms(0777));
	// Root reads anything: drop to nobody, as a real user would be.
	std::string as =
		::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
	auto r = sh(as + tbExe() + " create -q -i oci:" + t / "out/img" + ":v1 -d " + t / "cache");
	fs::permissions(t / ("cache/" + Key), fs::perms(0755));
	EXPECT_EQ(r.status, 1) << r.output;
	EXPECT_NE(r.output.find("cache dir '" + t / ("cache/" + Key) +
				"': cannot list: Permission denied"),
		  std::string::npos)
		<< r.output;
	EXPECT_FALSE(fs::exists(t / "out/img/index.json"));
}

// --- the CLI: flags, escaping, plugin trust ---------------------------------------------

TEST(Cli, EmptyDestinationIsAnErrorNotTheDefault)
{
	TempDir t;
	std::string ref = writeLayout(t / "layout", layer({}));
	auto r = sh("cd " + t.path() + " && TRITON_CACHE_DIR=" + t / "default" + " " + tbExe() +
		    " extract -q --skip-compat -i " + ref + " -d ''");
	EXPECT_EQ(r.status, 2) << r.output;
	EXPECT_NE(r.output.find("-d/--dir: empty directory name"), std::string::npos) << r.output;
	EXPECT_FALSE(fs::exists(t / "default"));
}

TEST(Cli, AllowAnyTopLevelFlag)
{
	TempDir t;
	std::string ref = writeLayout(t / "layout", layer({{"io.triton.cache/.bashrc", 'f', "x"}}));
	auto r = tb("extract -q --skip-compat -i " + ref + " -d " + t / "dest");
	EXPECT_EQ(r.status, 1) << r.output;
	EXPECT_NE(r.output.find("'.bashrc' is not a Triton cache-key directory"), std::string::npos)
		<< r.output;
	EXPECT_FALSE(fs::exists(t / "dest/.bashrc"));
	r = tb("extract -q --skip-compat --allow-any-top-level -i " + ref + " -d " + t / "dest");
	EXPECT_EQ(r.status, 0) << r.output;
	EXPECT_TRUE(fs::exists(t / "dest/.bashrc"));
	r = sh("HOME=" + t / "dest" + " " + tbExe() + " extract -q --skip-compat -i " + ref +
	       " -d " + t / "dest");
	EXPECT_EQ(r.status, 2) << r.output;
	EXPECT_NE(
		r.output.find("refusing to extract into '" + t / "dest" + "' (the home directory)"),
		std::string::npos)
		<< r.output;
}

bool hasControl(const std::string &s)
{
	for (unsigned char c : s)
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return true;
	return s.find("\xc2\x9b") != std::string::npos;
}

TEST(Cli, OutsideStringsReachTheTerminalEscaped)
{
	TempDir t;
	LayoutSpec s = layer({{K + "/\x1b]0;pwned\x07", 'p'}});
	s.configLabels = "{\"evil\\u001b[2J\":\"\\u009b31mred\\u0007\","
			 "\"cache.triton.image/summary\":\"{\\\"targets\\\":[]}\"}";
	std::string ref = writeLayout(t / "layout", s);
	auto r = tb("extract -q --skip-compat -i " + ref + " -d " + t / "dest");
	EXPECT_EQ(r.status, 1) << r.output;
	EXPECT_NE(r.output.find("\\x1b]0;pwned\\x07': FIFO refused"), std::string::npos)
		<< r.output;
	EXPECT_FALSE(hasControl(r.output)) << r.output;
	r = tb("inspect " + ref);
	EXPECT_EQ(r.status, 0) << r.output;
	EXPECT_NE(r.output.find("  evil\\x1b[2J=\\u009b31mred\\x07\n"), std::string::npos)
		<< r.output;
	EXPECT_FALSE(hasControl(r.output)) << r.output;
}

// The STATUS column of the `tb plugins ls` row for \a path.
std::string statusOf(const std::string &table, const std::string &path)
{
	std::istringstream in(table);
	for (std::string line; std::getline(in, line);) {
		std::istringstream words(line);
		std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
		if (w.size() == 5 && w[4] == path)
			return w[3];
	}
	return "(no row for " + path + ")";
}

TEST(Cli, PluginAnotherUserCouldReplaceIsUntrustedAndShadowsNothing)
{
	const char *path = std::getenv("TB_PLUGIN_PATH");
	ASSERT_TRUE(path && *path);
	std::string compat;
	std::string all = path;
	for (size_t pos = 0; pos <= all.size();) {
		size_t next = std::min(all.find(':', pos), all.size());
		std::string d = all.substr(pos, next - pos);
		if (fs::exists(d + "/tb-cache-compat.so"))
			compat = d + "/tb-cache-compat.so";
		pos = next + 1;
	}
	ASSERT_FALSE(compat.empty()) << "no cache-compat plugin in TB_PLUGIN_PATH";
	TempDir t;
	fs::permissions(t.path(), fs::perms(0755));
	fs::create_directories(t / "shared");
	fs::copy_file(compat, t / "shared/tb-cache-compat.so");
	fs::permissions(t / "shared", fs::perms(0777));
	std::string env = "TB_PLUGIN_PATH=" + t / "shared" + ":" + all + " ";
	auto r = sh(env + tbExe() + " plugins ls -v");
	EXPECT_EQ(r.status, 0) << r.output;
	EXPECT_EQ(statusOf(r.output, t / "shared/tb-cache-compat.so"), "untrusted") << r.output;
	EXPECT_NE(r.output.find("reason: not loaded: directory '" + t / "shared" +
				"' is world-writable (mode 0777); trust it with [core] "
				"trusted_plugin_paths"),
		  std::string::npos)
		<< r.output;
	EXPECT_EQ(statusOf(r.output, compat), "ok") << r.output;
	// Trusted by the config: it loads, and the copy further down is shadowed.
	writeFile(t / "tb.toml", "[core]\ntrusted_plugin_paths = [\"" + t / "shared" + "\"]\n");
	r = sh(env + tbExe() + " --config " + t / "tb.toml" + " plugins ls -v");
	EXPECT_EQ(r.status, 0) << r.output;
	EXPECT_EQ(statusOf(r.output, t / "shared/tb-cache-compat.so"), "ok") << r.output;
	EXPECT_EQ(statusOf(r.output, compat), "shadowed") << r.output;
}

} // namespace
} // namespace tb::test
