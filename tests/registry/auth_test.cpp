// SPDX-License-Identifier: Apache-2.0
// Registry auth against real servers: htpasswd Basic, TLS with a test CA trusted through a
// certs.d directory, and distribution's token auth with a loopback token server. Login with
// a wrong password is refused and no secret ever reaches the output.
#include <filesystem>
#include <sys/stat.h>

#include "registry_fixture.h"

using namespace tb::test;
namespace fs = std::filesystem;

namespace {

constexpr const char *User = "alice";
constexpr const char *Password = "s3cret-Pa55word";
constexpr const char *Wrong = "not-the-Pa55word";

bool mentionsSecret(const Ran &r)
{
	for (const char *s : {Password, Wrong})
		if (r.out.find(s) != std::string::npos || r.err.find(s) != std::string::npos)
			return true;
	return false;
}

class BasicRegistry : public RegistryTest {
protected:
	void SetUp() override
	{
		RegistryTest::SetUp();
		if (IsSkipped())
			return;
		if (!haveProgram("htpasswd"))
			GTEST_SKIP() << "htpasswd (apache2-utils) is not installed";
		fs::create_directories(tmp_ / "reg");
		RegistryOptions o;
		o.htpasswdUser = User;
		o.htpasswdPassword = Password;
		ASSERT_TRUE(reg_.start(tmp_ / "reg", o)) << reg_.log();
	}
	std::string ref(const std::string &repoTag) const
	{
		return "docker://" + reg_.host() + "/" + repoTag;
	}
	Registry reg_;
};

} // namespace

TEST_F(BasicRegistry, LoginChecksStoresAndLogoutRemoves)
{
	createLayout(tmp_ / "src");
	auto anon = tb({"copy", "oci:" + (tmp_ / "src") + ":v1", ref("tb/cache:v1")});
	EXPECT_EQ(anon.status, 1);
	EXPECT_NE(anon.err.find("401"), std::string::npos) << anon.err;
	EXPECT_NE(anon.err.find("no credentials"), std::string::npos) << anon.err;

	auto wrong = tb({"login", reg_.host(), "-u", User, "--password-stdin"},
			std::string(Wrong) + "\n");
	EXPECT_EQ(wrong.status, 1) << wrong.err;
	EXPECT_NE(wrong.err.find("credentials refused"), std::string::npos) << wrong.err;
	EXPECT_FALSE(fs::exists(tmp_ / "auth.json")) << "refused credentials were stored";
	EXPECT_FALSE(mentionsSecret(wrong)) << wrong.out << wrong.err;

	auto ok = tb({"login", reg_.host(), "-u", User, "--password-stdin"},
		     std::string(Password) + "\n");
	ASSERT_EQ(ok.status, 0) << ok.err;
	EXPECT_FALSE(mentionsSecret(ok));
	struct stat st = {};
	ASSERT_EQ(::stat((tmp_ / "auth.json").c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600u);
	EXPECT_NE(readFile(tmp_ / "auth.json").find(reg_.host()), std::string::npos);

	auto push = tb({"copy", "oci:" + (tmp_ / "src") + ":v1", ref("tb/cache:v1")});
	ASSERT_EQ(push.status, 0) << push.err;
	auto x = tb({"extract", "-q", "--skip-compat", "-i", ref("tb/cache:v1"), "-d", tmp_ / "o"});
	ASSERT_EQ(x.status, 0) << x.err;
	// skopeo reads the auth.json tb wrote.
	if (haveProgram("skopeo")) {
		auto s = skopeo({"inspect", "--tls-verify=false", "--authfile", tmp_ / "auth.json",
				 ref("tb/cache:v1")});
		EXPECT_EQ(s.status, 0) << s.err;
	}
	auto out = tb({"logout", reg_.host()});
	ASSERT_EQ(out.status, 0) << out.err;
	EXPECT_EQ(readFile(tmp_ / "auth.json").find(reg_.host()), std::string::npos);
	auto again = tb({"logout", reg_.host()});
	EXPECT_EQ(again.status, 1);
	EXPECT_NE(again.err.find("not logged in"), std::string::npos) << again.err;
	auto after = tb({"inspect", ref("tb/cache:v1")});
	EXPECT_EQ(after.status, 1);
}

TEST_F(BasicRegistry, DockerConfigAndCredentialHelper)
{
	createLayout(tmp_ / "src");
	// ~/.docker/config.json with a plain auths entry (no auth.json at all).
	fs::create_directories(tmp_ / ".docker");
	std::string b64 = "YWxpY2U6czNjcmV0LVBhNTV3b3Jk"; // alice:s3cret-Pa55word
	writeFile(tmp_ / ".docker/config.json",
		  "{\"auths\":{\"http://" + reg_.host() + "/v2/\":{\"auth\":\"" + b64 + "\"}}}");
	auto args = std::vector<std::string>{tb_,
					     "--config",
					     tmp_ / "nvbind.toml",
					     "copy",
					     "oci:" + (tmp_ / "src") + ":v1",
					     ref("tb/a:v1")};
	auto r = runWithInput(args, "",
			      {"HOME=" + tmp_.path(), "XDG_RUNTIME_DIR=" + (tmp_ / "run")});
	ASSERT_EQ(r.status, 0) << r.err;
	// credHelpers: a docker-credential-* program on PATH answers for this host.
	fs::create_directories(tmp_ / "bin");
	writeFile(
		tmp_ / "bin/docker-credential-tbtest",
		"#!/bin/sh\nread server\n[ \"$1\" = get ] || exit 1\n"
		"[ \"$server\" = \"" +
			reg_.host() +
			"\" ] || { echo 'credentials not found'; exit 1; }\n"
			"echo '{\"ServerURL\":\"'$server'\",\"Username\":\"alice\",\"Secret\":\"" +
			Password + "\"}'\n");
	fs::permissions(tmp_ / "bin/docker-credential-tbtest", fs::perms::owner_all);
	writeFile(tmp_ / ".docker/config.json",
		  "{\"credHelpers\":{\"" + reg_.host() + "\":\"tbtest\"}}");
	args.back() = ref("tb/b:v1");
	std::string path = "PATH=" + (tmp_ / "bin") + ":" + std::getenv("PATH");
	r = runWithInput(args, "",
			 {"HOME=" + tmp_.path(), "XDG_RUNTIME_DIR=" + (tmp_ / "run"), path});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_FALSE(mentionsSecret(r));
}

// A docker-credential-* helper implementing get, store and erase over files in
// $TBTEST_CRED_DIR, logging each action it is asked for.
constexpr const char *StoreHelper = R"sh(#!/bin/sh
dir="${TBTEST_CRED_DIR:?}"
mkdir -p "$dir"
echo "$1" >> "$dir/calls.log"
file() { printf '%s/%s.json' "$dir" "$(printf '%s' "$1" | tr '/:' '__')"; }
case "$1" in
store)
	json=$(cat)
	server=$(printf '%s' "$json" | sed -n 's/.*"ServerURL" *: *"\([^"]*\)".*/\1/p')
	[ -n "$server" ] || { echo "store: no ServerURL" >&2; exit 1; }
	printf '%s
' "$json" > "$(file "$server")" ;;
get)
	read -r server
	[ -f "$(file "$server")" ] || { echo "credentials not found in native keychain"; exit 1; }
	cat "$(file "$server")" ;;
erase)
	read -r server
	[ -f "$(file "$server")" ] || { echo "credentials not found in native keychain"; exit 1; }
	rm -f "$(file "$server")" ;;
*)
	echo "unknown action $1" >&2; exit 1 ;;
esac
)sh";

TEST_F(BasicRegistry, CredsStoreHelperServesLoginPullAndLogout)
{
	createLayout(tmp_ / "src");
	fs::create_directories(tmp_ / "bin");
	fs::create_directories(tmp_ / "run");
	writeFile(tmp_ / "bin/docker-credential-tbstore", StoreHelper);
	fs::permissions(tmp_ / "bin/docker-credential-tbstore", fs::perms::owner_all);
	fs::create_directories(tmp_ / ".docker");
	writeFile(tmp_ / ".docker/config.json", "{\"credsStore\":\"tbstore\"}");
	// No auth file named: docker's config decides, as for `docker login`.
	auto run = [&](std::vector<std::string> args, const std::string &input = "") {
		args.insert(args.begin(), {tb_, "--config", tmp_ / "nvbind.toml"});
		return runWithInput(args, input,
				    {"HOME=" + tmp_.path(), "XDG_RUNTIME_DIR=" + (tmp_ / "run"),
				     "TBTEST_CRED_DIR=" + (tmp_ / "creds"),
				     "PATH=" + (tmp_ / "bin") + ":" + std::getenv("PATH")});
	};
	std::string stored = tmp_ / ("creds/127.0.0.1_" + std::to_string(reg_.port()) + ".json");
	auto calls = [&] { return readFile(tmp_ / "creds/calls.log"); };

	auto wrong = run({"login", reg_.host(), "-u", User, "--password-stdin"},
			 std::string(Wrong) + "\n");
	EXPECT_EQ(wrong.status, 1);
	EXPECT_FALSE(fs::exists(stored)) << "refused credentials were stored";
	EXPECT_EQ(calls().find("store"), std::string::npos) << calls();

	auto login = run({"login", reg_.host(), "-u", User, "--password-stdin"},
			 std::string(Password) + "\n");
	ASSERT_EQ(login.status, 0) << login.err;
	EXPECT_FALSE(mentionsSecret(login)) << login.out << login.err;
	EXPECT_NE(calls().find("store"), std::string::npos) << calls();
	ASSERT_TRUE(fs::exists(stored));
	EXPECT_NE(readFile(stored).find(std::string("\"Username\":\"") + User + "\""),
		  std::string::npos)
		<< "the helper got no user";
	EXPECT_FALSE(fs::exists(tmp_ / "run/containers/auth.json"))
		<< "with a credsStore, login writes no auth.json";

	// Push and pull take the credentials from the helper (get).
	auto push = run({"copy", "oci:" + (tmp_ / "src") + ":v1", ref("tb/store:v1")});
	ASSERT_EQ(push.status, 0) << push.err;
	EXPECT_NE(calls().find("get"), std::string::npos) << calls();
	auto pull = run(
		{"extract", "-q", "--skip-compat", "-i", ref("tb/store:v1"), "-d", tmp_ / "out"});
	ASSERT_EQ(pull.status, 0) << pull.err;
	EXPECT_FALSE(mentionsSecret(push) || mentionsSecret(pull));

	auto logout = run({"logout", reg_.host()});
	ASSERT_EQ(logout.status, 0) << logout.err;
	EXPECT_NE(calls().find("erase"), std::string::npos) << calls();
	EXPECT_FALSE(fs::exists(stored));
	auto again = run({"logout", reg_.host()});
	EXPECT_EQ(again.status, 1);
	EXPECT_NE(again.err.find("not logged in"), std::string::npos) << again.err;
	auto denied = run({"inspect", ref("tb/store:v1")});
	EXPECT_EQ(denied.status, 1);
	EXPECT_NE(denied.err.find("no credentials"), std::string::npos) << denied.err;

	// A per-registry helper (credHelpers) is used the same way, and wins over credsStore.
	writeFile(tmp_ / ".docker/config.json", "{\"credsStore\":\"missing\",\"credHelpers\":{\"" +
							reg_.host() + "\":\"tbstore\"}}");
	auto perHost = run({"login", reg_.host(), "-u", User, "--password-stdin"},
			   std::string(Password) + "\n");
	ASSERT_EQ(perHost.status, 0) << perHost.err;
	EXPECT_TRUE(fs::exists(stored));
	auto pulled = run({"inspect", ref("tb/store:v1")});
	EXPECT_EQ(pulled.status, 0) << pulled.err;
	// An explicit auth file wins over the docker config, as with podman.
	auto explicitFile = run({"login", "--authfile", tmp_ / "explicit.json", reg_.host(), "-u",
				 User, "--password-stdin"},
				std::string(Password) + "\n");
	ASSERT_EQ(explicitFile.status, 0) << explicitFile.err;
	EXPECT_NE(readFile(tmp_ / "explicit.json").find(reg_.host()), std::string::npos);
}

class TlsRegistry : public RegistryTest {};

TEST_F(TlsRegistry, CertsDirTrustsTheTestCa)
{
	if (!haveProgram("openssl"))
		GTEST_SKIP() << "openssl missing";
	TmpDir &tmp = tmp_;
	fs::create_directories(tmp / "pki");
	TestPki pki;
	ASSERT_TRUE(pki.create(tmp / "pki"));
	Registry reg;
	fs::create_directories(tmp / "reg");
	RegistryOptions o;
	o.tlsCert = pki.serverCert;
	o.tlsKey = pki.serverKey;
	ASSERT_TRUE(reg.start(tmp / "reg", o)) << reg.log();
	std::string ref = "docker://" + reg.host() + "/tls/cache:v1";
	std::string digest = createLayout(tmp / "src");
	// No certs.d entry: loopback means plain HTTP, which a TLS server refuses.
	auto plain = tb({"copy", "oci:" + (tmp / "src") + ":v1", ref});
	EXPECT_EQ(plain.status, 1);
	// --tls-verify=true: HTTPS, but the test CA is unknown.
	auto unknown = tb({"copy", "--tls-verify=true", "oci:" + (tmp / "src") + ":v1", ref});
	EXPECT_EQ(unknown.status, 1);
	EXPECT_NE(unknown.err.find("certificate"), std::string::npos) << unknown.err;
	// --tls-verify=false: unverified TLS works.
	auto insecure =
		tb({"copy", "-q", "--tls-verify=false", "oci:" + (tmp / "src") + ":v1", ref});
	ASSERT_EQ(insecure.status, 0) << insecure.err;
	// The CA in certs.d/HOST:PORT/: verified TLS.
	fs::create_directories(tmp / ("certs.d/" + reg.host()));
	fs::copy_file(pki.caCert, tmp / ("certs.d/" + reg.host() + "/ca.crt"));
	auto pull = tb({"copy", "-q", ref, "oci:" + (tmp / "dst") + ":v1"});
	ASSERT_EQ(pull.status, 0) << pull.err;
	EXPECT_EQ(firstLine(pull.out), digest);
	auto x = tb({"extract", "-q", "--skip-compat", "-i", ref, "-d", tmp / "out"});
	EXPECT_EQ(x.status, 0) << x.err;
}

namespace {

class TokenRegistry : public RegistryTest {
protected:
	void SetUp() override
	{
		RegistryTest::SetUp();
		if (IsSkipped())
			return;
		if (!fs::exists("/usr/bin/python3") || !haveProgram("openssl"))
			GTEST_SKIP() << "python3 or openssl missing";
		fs::create_directories(tmp_ / "pki");
		ASSERT_TRUE(pki_.create(tmp_ / "pki"));
		ASSERT_TRUE(tokens_.start(tmp_.path(), pki_, User, Password));
		fs::create_directories(tmp_ / "reg");
		RegistryOptions o;
		o.tokenRealm = tokens_.realm();
		o.tokenService = TokenServer::service;
		o.tokenIssuer = TokenServer::issuer;
		o.tokenCertBundle = pki_.signCert;
		ASSERT_TRUE(reg_.start(tmp_ / "reg", o)) << reg_.log();
	}
	std::string ref(const std::string &repoTag) const
	{
		return "docker://" + reg_.host() + "/" + repoTag;
	}
	TestPki pki_;
	TokenServer tokens_;
	Registry reg_;
};

} // namespace

TEST_F(TokenRegistry, BearerTokensPerScopeCachedAndAnonymousPull)
{
	std::string digest = createLayout(tmp_ / "src");
	// Anonymous: the token server grants pull only, so a push is refused.
	auto anon = tb({"copy", "oci:" + (tmp_ / "src") + ":v1", ref("tok/cache:v1")});
	EXPECT_EQ(anon.status, 1);
	EXPECT_NE(anon.err.find("401"), std::string::npos) << anon.err;

	auto wrong = tb({"login", reg_.host(), "-u", User, "--password-stdin"}, Wrong);
	EXPECT_EQ(wrong.status, 1);
	EXPECT_FALSE(mentionsSecret(wrong)) << wrong.err;
	EXPECT_FALSE(fs::exists(tmp_ / "auth.json"));
	auto ok = tb({"login", reg_.host(), "-u", User, "--password-stdin"}, Password);
	ASSERT_EQ(ok.status, 0) << ok.err;

	size_t before = tokens_.requests().size();
	auto push = tb({"copy", "-q", "oci:" + (tmp_ / "src") + ":v1", ref("tok/cache:v1")});
	ASSERT_EQ(push.status, 0) << push.err;
	EXPECT_EQ(firstLine(push.out), digest);
	auto reqs = tokens_.requests();
	// One token for repository:tok/cache:pull,push serves every request of the push.
	std::string all;
	for (size_t i = before; i < reqs.size(); ++i)
		all += reqs[i] + "\n";
	EXPECT_EQ(reqs.size() - before, 1u) << all;
	EXPECT_NE(reqs.back().find("repository:tok/cache:pull,push"), std::string::npos);

	// Pull needs no credentials: anonymous pull tokens.
	fs::remove(tmp_ / "auth.json");
	auto x =
		tb({"extract", "-q", "--skip-compat", "-i", ref("tok/cache:v1"), "-d", tmp_ / "o"});
	ASSERT_EQ(x.status, 0) << x.err;
	EXPECT_NE(tokens_.requests().back().find("user=-"), std::string::npos);
}

TEST_F(TokenRegistry, IdentityTokenIsExchangedByPost)
{
	createLayout(tmp_ / "src");
	writeFile(tmp_ / "auth.json",
		  "{\"auths\":{\"" + reg_.host() + "\":{\"identitytoken\":\"refresh-alice\"}}}");
	auto push = tb({"copy", "oci:" + (tmp_ / "src") + ":v1", ref("tok/id:v1")});
	ASSERT_EQ(push.status, 0) << push.err;
	EXPECT_EQ(tokens_.requests().back().rfind("POST user=alice", 0), 0u)
		<< tokens_.requests().back();
	writeFile(tmp_ / "auth.json",
		  "{\"auths\":{\"" + reg_.host() + "\":{\"identitytoken\":\"stolen\"}}}");
	auto bad = tb({"copy", "oci:" + (tmp_ / "src") + ":v1", ref("tok/id:v2")});
	EXPECT_EQ(bad.status, 1);
	EXPECT_EQ(bad.err.find("stolen"), std::string::npos) << bad.err;
}
