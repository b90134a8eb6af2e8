// SPDX-License-Identifier: Apache-2.0
// `[registries."HOST"]` is the registry transport's declared table: `ca` and `insecure` reach
// it through the host's tb.registry-tls service, `mirrors` are pulled from first, and a key
// it does not declare is refused like a core key.
#include <filesystem>

#include "registry_fixture.h"

using namespace tb::test;
namespace fs = std::filesystem;

namespace {

class RegistriesTable : public RegistryTest {
protected:
	std::string layout(const std::string &dir) { return "oci:" + (tmp_ / dir) + ":v1"; }
	std::string record(const std::string &host, const std::string &keys)
	{
		return "\n[registries.\"" + host + "\"]\n" + keys + "\n";
	}
};

} // namespace

TEST_F(RegistriesTable, CaAndInsecureComeFromTheRecords)
{
	if (!haveProgram("openssl"))
		GTEST_SKIP() << "openssl missing";
	fs::create_directories(tmp_ / "pki");
	TestPki pki;
	ASSERT_TRUE(pki.create(tmp_ / "pki"));
	Registry reg;
	fs::create_directories(tmp_ / "reg");
	RegistryOptions o;
	o.tlsCert = pki.serverCert;
	o.tlsKey = pki.serverKey;
	ASSERT_TRUE(reg.start(tmp_ / "reg", o)) << reg.log();
	std::string ref = "docker://" + reg.host() + "/tls/cache:v1";
	std::string digest = createLayout(tmp_ / "src");
	// Nothing configured: a loopback registry is spoken to over plain HTTP, which fails.
	EXPECT_EQ(tb({"copy", layout("src"), ref}).status, 1);
	// `ca`: verified TLS with the test CA, no certs.d directory.
	writeConfig(record(reg.host(), "ca = \"" + pki.caCert + "\""));
	auto push = tb({"copy", "-q", layout("src"), ref});
	ASSERT_EQ(push.status, 0) << push.err;
	EXPECT_EQ(firstLine(push.out), digest);
	// The other spelling of the same record, `insecure`: unverified TLS works too.
	writeConfig("[plugins.\"transport.docker\".registries.\"" + reg.host() +
		    "\"]\ninsecure = true\n");
	auto pull = tb({"copy", "-q", ref, layout("dst")});
	ASSERT_EQ(pull.status, 0) << pull.err;
	EXPECT_EQ(firstLine(pull.out), digest);
	// A `ca` file that is not there is an error naming it, not a silent plain connection.
	writeConfig(record(reg.host(), "ca = \"" + (tmp_ / "missing.pem") + "\""));
	auto missing = tb({"copy", ref, layout("dst2")});
	EXPECT_EQ(missing.status, 1);
	EXPECT_NE(missing.err.find("missing.pem"), std::string::npos) << missing.err;
	EXPECT_FALSE(fs::exists(tmp_ / "dst2/index.json"));
}

TEST_F(RegistriesTable, MirrorsArePulledFromFirst)
{
	Registry mirror, origin;
	fs::create_directories(tmp_ / "mirror");
	fs::create_directories(tmp_ / "origin");
	ASSERT_TRUE(mirror.start(tmp_ / "mirror")) << mirror.log();
	ASSERT_TRUE(origin.start(tmp_ / "origin")) << origin.log();
	std::string digest = createLayout(tmp_ / "src");
	ASSERT_EQ(tb({"copy", layout("src"), "docker://" + mirror.host() + "/lib/cache:v1"}).status,
		  0);
	std::string ref = "docker://" + origin.host() + "/cache:v1";
	// The origin does not have it.
	auto direct = tb({"copy", ref, layout("none")});
	EXPECT_NE(direct.status, 0);
	// Its mirror (with a repository prefix) does.
	writeConfig(record(origin.host(), "mirrors = [\"" + mirror.host() + "/lib\"]"));
	auto pull = tb({"copy", "-q", ref, layout("dst")});
	ASSERT_EQ(pull.status, 0) << pull.err;
	EXPECT_EQ(firstLine(pull.out), digest);
}

TEST_F(RegistriesTable, UndeclaredKeyIsRefusedWithItsPosition)
{
	writeConfig(record("127.0.0.1:1", "insecure = true\nmirorrs = []"));
	auto r = tb({"config", "validate"});
	EXPECT_EQ(r.status, 2) << r.out << r.err;
	EXPECT_NE(r.err.find("registries.\"127.0.0.1:1\".mirorrs': unknown key"), std::string::npos)
		<< r.err;
	auto typed = tb({"inspect", "docker://127.0.0.1:1/x:y"});
	EXPECT_EQ(typed.status, 2) << typed.err;
}
