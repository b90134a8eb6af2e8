// SPDX-License-Identifier: Apache-2.0
// Host services looked up by id and version, declared plugin settings checked like the core's,
// the [registries] table, kind-filtered loading and required plugins.
#include "auth/credential_chain.h"
#include "host_fixture.h"

namespace tb {
namespace {

// A credential provider as a libtb caller (or core/src/auth) plugs in.
class FixedCredentials final : public CredentialStore {
public:
	FixedCredentials(std::string registry, Result<Credential> answer)
	    : registry_(std::move(registry)), answer_(std::move(answer))
	{
	}
	Result<Credential> lookup(std::string_view registry) noexcept override
	{
		++calls;
		if (registry != registry_)
			return err(Errc::NotFound, "nothing for " + std::string(registry));
		return answer_;
	}
	int calls = 0;

private:
	std::string registry_;
	Result<Credential> answer_;
};

class RecordingProgress final : public Progress {
public:
	void start(std::string_view item, std::string_view label, int64_t total) noexcept override
	{
		log += "start " + std::string(item) + " '" + std::string(label) + "' " +
		       std::to_string(total) + ";";
	}
	void advance(std::string_view item, int64_t bytes) noexcept override
	{
		log += "advance " + std::string(item) + " " + std::to_string(bytes) + ";";
	}
	void done(std::string_view item, bool ok) noexcept override
	{
		log += "done " + std::string(item) + (ok ? " ok;" : " failed;");
	}
	std::string log;
};

TEST_F(HostServices, ServicesAreLookedUpByIdAndVersion)
{
	ContextOptions o;
	o.credentials = std::make_shared<FixedCredentials>(
		"registry.test:5000", Credential{"alice", "secret", "", "test", ""});
	auto progress = std::make_shared<RecordingProgress>();
	o.progress = progress;
	auto ctx = open("[plugins.\"runtime.host-info\"]\ngreeting = \"hi\"\n", o);
	ASSERT_TRUE(ctx);
	auto before = report(*ctx);
	EXPECT_EQ(before["section"], "[plugins.\"runtime.host-info\"]");
	// Unlike the view lent to create(), the service's view lives as long as the plugin.
	EXPECT_EQ(before["service-greeting"], "hi");
	EXPECT_EQ(before["cred"], "alice:secret");
	EXPECT_EQ(before["progress"], "reported");
	EXPECT_EQ(
		progress->log,
		"start blob-1 'fixture blob' 10;advance blob-1 4;advance blob-1 6;done blob-1 ok;");
	EXPECT_EQ(before["cancelled"], "no");
	EXPECT_EQ(before["too-new"],
		  "host service tb.cancel 1.0 is older than the tb.cancel 1.99 this plugin needs");
	EXPECT_EQ(before["nope"], "null");
	ctx->cancel();
	EXPECT_TRUE(ctx->cancelled());
	EXPECT_EQ(report(*ctx)["cancelled"], "yes");
}

TEST_F(HostServices, MissingServicesAreErrorsThePluginCanHandle)
{
	auto ctx = open();
	ASSERT_TRUE(ctx);
	auto r = report(*ctx);
	// The core's own chain answers (nothing stored); progress is offered only when asked for.
	EXPECT_EQ(r["cred"], "no credentials stored for registry.test:5000");
	EXPECT_EQ(r["progress"], "unavailable");
	EXPECT_EQ(r["tls"], "verify:1,insecure:0,ca:,dirs:0,cas:0,client:,proxy:")
		<< "no certs.d for registry.test:5000 on this machine";
}

// `tb VERB --tls-verify=BOOL` reaches plugins as ContextOptions::tlsVerify through
// tb.registry-tls (1.1: the override itself; 1.0: the per-registry answer), not the
// environment.
TEST_F(HostServices, TlsVerifyOfTheRunReachesPluginsThroughTheService)
{
	EXPECT_EQ(report(*open())["tls-override"], "0");
	ContextOptions off;
	off.tlsVerify = false;
	auto ctx = open("", off);
	ASSERT_TRUE(ctx);
	auto r = report(*ctx);
	EXPECT_EQ(r["tls-override"], "2");
	EXPECT_EQ(r["tls"], "verify:0,insecure:1,ca:,dirs:0,cas:0,client:,proxy:");
	ContextOptions on;
	on.tlsVerify = true;
	auto ctx2 = open("[registries.\"registry.test:5000\"]\ninsecure = true\n", on);
	ASSERT_TRUE(ctx2);
	auto r2 = report(*ctx2);
	EXPECT_EQ(r2["tls-override"], "1");
	EXPECT_EQ(r2["tls"], "verify:1,insecure:0,ca:,dirs:0,cas:0,client:,proxy:");
	EXPECT_EQ(std::getenv("TB_TLS_VERIFY"), nullptr);
}

TEST_F(HostServices, DeclaredKeysAreCheckedLikeTheCoresWithFileLineColumn)
{
	auto expectError = [&](const std::string &text, const std::string &message) {
		std::ofstream((tmp_ / "bad.toml").string()) << text;
		ContextOptions o;
		o.configFile = (tmp_ / "bad.toml").string();
		auto c = Context::create(o);
		ASSERT_FALSE(c) << text;
		EXPECT_EQ(c.error().code, Errc::InvalidArgument);
		EXPECT_EQ(c.error().message, (tmp_ / "bad.toml").string() + message);
		// `tb config validate` finds the same without creating any plugin.
		auto v = checkConfigFile((tmp_ / "bad.toml").string());
		ASSERT_FALSE(v);
		EXPECT_EQ(v.error().message, c.error().message);
	};
	expectError("[plugins.\"runtime.host-info\"]\nlimit = \"x\"\n",
		    ":2:9: key 'plugins.\"runtime.host-info\".limit': expected an integer");
	expectError("[plugins.\"runtime.host-info\"]\nbogus = 1\n",
		    ":2:1: key 'plugins.\"runtime.host-info\".bogus': unknown key");
	expectError("[plugins.\"runtime.host-info\"]\nmode = \"sometimes\"\n",
		    ":2:8: key 'plugins.\"runtime.host-info\".mode': invalid value 'sometimes' "
		    "(expected one of: auto, always, never)");
	expectError("[registries.\"r.test\"]\ninsecure = \"yes\"\n",
		    ":2:12: key 'registries.\"r.test\".insecure': expected true or false");
	expectError("[registries.\"r.test\"]\nfoo = 1\n",
		    ":2:1: key 'registries.\"r.test\".foo': unknown key");
	expectError(
		"[registries.\"a.test\"]\ninsecure = true\n"
		"[plugins.\"runtime.host-info\".registries.\"b.test\"]\ninsecure = true\n",
		":1:1: key 'registries': also set as [plugins.\"runtime.host-info\".registries]; "
		"use one spelling");
}

TEST_F(HostServices, RegistriesTableReachesThePluginThatDeclaresIt)
{
	auto ctx = open("[registries.\"registry.test:5000\"]\ninsecure = true\n"
			"mirrors = [\"m.test\"]\n");
	ASSERT_TRUE(ctx);
	EXPECT_EQ(report(*ctx)["tls"], "verify:0,insecure:1,ca:,dirs:0,cas:0,client:,proxy:");
	// `tb config show` prints the section as the plugin sees it, defaults included.
	std::string shown = ctx->configToml();
	EXPECT_NE(shown.find("mode = 'auto'"), std::string::npos) << shown;
	EXPECT_NE(shown.find("mirrors = [ 'm.test' ]"), std::string::npos) << shown;
	auto warnings = checkConfigFile((tmp_ / "c.toml").string());
	ASSERT_TRUE(warnings) << warnings.error().message;
	EXPECT_TRUE(warnings->empty());

	// Without a plugin that declares [registries] the settings would do nothing: say so.
	fs::remove(tmp_ / "plugins" / "host-info.so");
	warnings = checkConfigFile((tmp_ / "c.toml").string());
	ASSERT_TRUE(warnings) << warnings.error().message;
	ASSERT_EQ(warnings->size(), 1u);
	EXPECT_NE(warnings->front().find("[registries] is read by a plugin that declares it"),
		  std::string::npos)
		<< warnings->front();
}

TEST_F(HostServices, ConfigInitWritesTheDeclaredSections)
{
	std::string text = defaultConfigWithPlugins();
	EXPECT_NE(text.find("[plugins.\"runtime.host-info\"]\n# what host-info reports back\n"
			    "greeting = \"\"\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("# [registries.\"NAME\"]\n# insecure = false"), std::string::npos)
		<< text;
	// What init writes is itself a valid file.
	std::ofstream((tmp_ / "init.toml").string()) << text;
	auto v = checkConfigFile((tmp_ / "init.toml").string());
	EXPECT_TRUE(v) << v.error().message;
}

TEST_F(HostServices, CreateReturnsInvalidArgumentForAFailedRequiredPlugin)
{
	// Documented in <tb/context.h>; it used to return NotFound or Unavailable.
	for (std::string required : {"runtime.nope", "runtime.host-info"}) {
		std::string text = "[core]\nrequired_plugins = [\"" + required + "\"]\n";
		if (required == "runtime.host-info")
			text += "disabled_plugins = [\"runtime.host-info\"]\n";
		std::ofstream((tmp_ / "req.toml").string()) << text;
		ContextOptions o;
		o.configFile = (tmp_ / "req.toml").string();
		auto c = Context::create(o);
		ASSERT_FALSE(c) << required;
		EXPECT_EQ(c.error().code, Errc::InvalidArgument) << c.error().message;
		EXPECT_NE(c.error().message.find("required plugin " + required), std::string::npos)
			<< c.error().message;
	}
}

TEST_F(HostServices, KindsFilterLoadsOnlyWhatTheCommandNeedsAndRequiredPlugins)
{
	ContextOptions o;
	o.kinds = {"probe"};
	auto ctx = open("", o);
	ASSERT_TRUE(ctx);
	EXPECT_TRUE(ctx->runtimes().empty());
	for (const auto &i : ctx->plugins())
		EXPECT_EQ(i.status, PluginStatus::NotLoaded) << i.path;
	EXPECT_EQ(ctx->plugins().front().reason, "kind not needed by this command");
	// A required plugin is loaded whatever the command needs: its absence must stop tb.
	auto req = open("[core]\nrequired_plugins = [\"runtime.host-info\"]\n", o);
	ASSERT_TRUE(req);
	EXPECT_NE(req->runtime("host-info"), nullptr);
	EXPECT_EQ(req->runtime("dup"), nullptr);
	o.kinds = {"nonsense"};
	ContextOptions bad = o;
	auto c = Context::create(bad);
	ASSERT_FALSE(c);
	EXPECT_EQ(c.error().message, "unknown plugin kind 'nonsense'");
}

// `tb run` opens a context for probes and runtimes and loads the rest only when a cache
// image needs it: the late plugins get the same checked config as create() would give them.
TEST_F(HostServices, LoadKindsLoadsWhatTheFilterLeftOut)
{
	ContextOptions o;
	o.kinds = {"probe"};
	auto ctx = open("[plugins.\"runtime.host-info\"]\ngreeting = \"late\"\n", o);
	ASSERT_TRUE(ctx);
	ASSERT_EQ(ctx->runtime("host-info"), nullptr);
	ASSERT_TRUE(ctx->loadKinds({"runtime"})) << "loading the runtimes later";
	Runtime *late = ctx->runtime("host-info");
	ASSERT_NE(late, nullptr);
	EXPECT_EQ(report(*ctx)["greeting"], "late");
	for (const auto &i : ctx->plugins()) {
		if (i.uri == "runtime.host-info") {
			EXPECT_EQ(i.status, PluginStatus::Ok) << i.reason;
		}
	}
	// One plugin of a kind by its kind.name.
	ContextOptions probesOnly;
	probesOnly.kinds = {"probe", "runtime.host-info"};
	auto picked = open("", probesOnly);
	ASSERT_TRUE(picked);
	EXPECT_NE(picked->runtime("host-info"), nullptr);
	EXPECT_EQ(picked->runtime("dup"), nullptr);
	// Again: nothing changes, the same object stays.
	ASSERT_TRUE(ctx->loadKinds({"runtime"}));
	EXPECT_EQ(ctx->runtime("host-info"), late);
	auto unknown = ctx->loadKinds({"nonsense"});
	ASSERT_FALSE(unknown);
	EXPECT_EQ(unknown.error().message, "unknown plugin kind 'nonsense'");

	// A wrong key of a late plugin's section stops the verb as it would at create().
	auto bad = open("[plugins.\"runtime.host-info\"]\nlimit = \"many\"\n", o);
	ASSERT_TRUE(bad);
	auto r = bad->loadKinds({"runtime"});
	ASSERT_FALSE(r);
	EXPECT_NE(r.error().message.find("limit"), std::string::npos) << r.error().message;
}

TEST(CredentialChain, FirstProviderThatKnowsTheRegistryAnswers)
{
	CredentialChain chain;
	auto a = std::make_shared<FixedCredentials>("a.test", Credential{"ua", "pa", "", "a", ""});
	auto b = std::make_shared<FixedCredentials>("b.test", Credential{"ub", "", "tok", "b", ""});
	auto broken = std::make_shared<FixedCredentials>(
		"c.test", Result<Credential>(err(Errc::Unavailable, "helper crashed")));
	chain.add(a);
	chain.add(broken);
	chain.add(b);
	auto rb = chain.lookup("b.test");
	ASSERT_TRUE(rb) << rb.error().message;
	EXPECT_EQ(rb->identityToken, "tok");
	// A broken provider is an error, not "try the next one": it would hide the breakage.
	auto rc = chain.lookup("c.test");
	ASSERT_FALSE(rc);
	EXPECT_EQ(rc.error().code, Errc::Unavailable);
	EXPECT_EQ(b->calls, 1);
	auto none = chain.lookup("d.test");
	ASSERT_FALSE(none);
	EXPECT_EQ(none.error().code, Errc::NotFound);
	EXPECT_EQ(none.error().message, "no credentials stored for d.test");
}

TEST(RegistryTls, MergesRecordsCertsDirsAndProxyEnvironment)
{
	test::SavedEnv saved{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
			     "http_proxy",  "NO_PROXY",    "no_proxy"};
	fs::path tmp = fs::temp_directory_path() / ("tb-tls-" + std::to_string(::getpid()));
	fs::create_directories(tmp / "user" / "reg.test:5000");
	fs::create_directories(tmp / "system" / "reg.test:5000");
	std::ofstream(tmp / "ca.pem") << "x";
	std::ofstream(tmp / "user" / "reg.test:5000" / "ca.crt") << "x";
	std::ofstream(tmp / "user" / "reg.test:5000" / "client.cert") << "x";
	std::ofstream(tmp / "user" / "reg.test:5000" / "client.key") << "x";
	std::ofstream(tmp / "system" / "reg.test:5000" / "other.crt") << "x";
	std::ofstream(tmp / "system" / "reg.test:5000" / "lonely.cert") << "x";

	ConfigView view({}, {{"registries",
			      {{"reg.test:5000", {{"ca", (tmp / "ca.pem").string()}}},
			       {"plain.test", {{"insecure", true}}},
			       {"badca.test", {{"ca", (tmp / "missing.pem").string()}}}}}});
	SharedServices services;
	services.certsDirs = {(tmp / "user").string(), (tmp / "system").string()};
	RegistryTlsImpl tls(view, services);
	::setenv("HTTPS_PROXY", "http://proxy.test:3128", 1);
	::setenv("HTTP_PROXY", "http://plain-proxy.test:3128", 1);
	::setenv("NO_PROXY", "localhost, .internal.test", 1);

	auto s = tls.settings("reg.test:5000");
	ASSERT_TRUE(s) << s.error().message;
	EXPECT_TRUE(s->verify);
	EXPECT_FALSE(s->insecure);
	EXPECT_EQ(s->caFile, (tmp / "ca.pem").string());
	EXPECT_EQ(s->certDirs,
		  (std::vector<std::string>{(tmp / "user" / "reg.test:5000").string(),
					    (tmp / "system" / "reg.test:5000").string()}));
	EXPECT_EQ(s->caFiles.size(), 2u);
	EXPECT_EQ(s->clientCert, (tmp / "user" / "reg.test:5000" / "client.cert").string());
	EXPECT_EQ(s->clientKey, (tmp / "user" / "reg.test:5000" / "client.key").string());
	EXPECT_EQ(s->proxy, "http://proxy.test:3128");

	auto plain = tls.settings("plain.test");
	ASSERT_TRUE(plain);
	EXPECT_FALSE(plain->verify);
	EXPECT_TRUE(plain->insecure);
	EXPECT_EQ(plain->proxy, "http://proxy.test:3128");
	::unsetenv("HTTPS_PROXY");
	EXPECT_EQ(tls.settings("plain.test")->proxy, "http://plain-proxy.test:3128")
		<< "an insecure registry may be reached over plain HTTP";
	::setenv("HTTPS_PROXY", "http://proxy.test:3128", 1);
	EXPECT_EQ(tls.settings("a.internal.test:443")->proxy, "") << "NO_PROXY suffix";
	EXPECT_EQ(tls.settings("localhost:5000")->proxy, "") << "NO_PROXY host, any port";

	auto bad = tls.settings("badca.test");
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().code, Errc::NotFound);
	EXPECT_NE(bad.error().message.find("missing.pem"), std::string::npos);
	EXPECT_EQ(tls.settings("a/b").error().code, Errc::InvalidArgument);

	// The user's --tls-verify for the run beats the records, for a plugin of any minor.
	EXPECT_EQ(tls.tlsVerifyOverride(), TlsVerifyOverride::None);
	services.tlsVerify = TlsVerifyOverride::NoVerify;
	EXPECT_EQ(tls.tlsVerifyOverride(), TlsVerifyOverride::NoVerify);
	auto off = tls.settings("reg.test:5000");
	ASSERT_TRUE(off);
	EXPECT_FALSE(off->verify);
	EXPECT_TRUE(off->insecure);
	services.tlsVerify = TlsVerifyOverride::Verify;
	auto on = tls.settings("plain.test");
	ASSERT_TRUE(on);
	EXPECT_TRUE(on->verify);
	EXPECT_FALSE(on->insecure) << "--tls-verify=true beats insecure = true";
	EXPECT_EQ(on->proxy, "http://proxy.test:3128");
	fs::remove_all(tmp);
	saved.restore();
}

} // namespace
} // namespace tb
