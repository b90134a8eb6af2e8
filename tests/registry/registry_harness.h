// SPDX-License-Identifier: Apache-2.0
// Real peers for the registry tests: distribution's docker-registry on 127.0.0.1 with an
// ephemeral port and temporary storage (plain HTTP, htpasswd, TLS, token auth), the token
// server and the fault proxy (Python scripts next to this file). Each stops what it starts.
#pragma once

#include <string>
#include <vector>

#include "run_capture.h"

namespace tb::test {

/// \brief A child process stopped (SIGTERM, then SIGKILL) when the object dies.
class Child {
public:
	Child() = default;
	~Child() { stop(); }
	Child(const Child &) = delete;
	Child &operator=(const Child &) = delete;
	/// \brief Start \a argv with stdout to \a outFile and stderr to \a errFile.
	bool start(const std::vector<std::string> &argv, const std::string &outFile,
		   const std::string &errFile);
	void stop();
	int pid() const { return pid_; }

private:
	int pid_ = -1;
};

/// \brief A free TCP port on 127.0.0.1 (bound, read back, released).
int freePort();
/// \brief Wait until something accepts connections on 127.0.0.1:\a port.
bool waitForPort(int port, int timeoutMs = 10000);

struct RegistryOptions {
	std::string htpasswdUser, htpasswdPassword;                         ///< Basic auth when set
	std::string tlsCert, tlsKey;                                        ///< HTTPS when set
	std::string tokenRealm, tokenService, tokenIssuer, tokenCertBundle; ///< token auth
};

class Registry {
public:
	/// \brief Start docker-registry in \a workDir (config, storage, log inside it).
	bool start(const std::string &workDir, const RegistryOptions &options = {});
	int port() const { return port_; }
	std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
	std::string log() const;

private:
	Child child_;
	int port_ = 0;
	std::string dir_;
};

/// \brief Test PKI: a CA, a server certificate for 127.0.0.1/localhost signed by it, and a
/// self-signed token-signing certificate (openssl CLI).
struct TestPki {
	std::string caCert, serverCert, serverKey, signCert, signKey;
	bool create(const std::string &dir);
};

/// \brief tests/registry/token_server.py: issues registry JWTs for user:password (and a
/// refresh token "refresh-<user>"), anonymous tokens with pull-only access.
class TokenServer {
public:
	bool start(const std::string &workDir, const TestPki &pki, const std::string &user,
		   const std::string &password);
	std::string realm() const { return "http://127.0.0.1:" + std::to_string(port_) + "/token"; }
	static constexpr const char *service = "tb-test-registry";
	static constexpr const char *issuer = "tb-test-issuer";
	/// \brief Requests served so far (one line each: METHOD scope...).
	std::vector<std::string> requests() const;

private:
	Child child_;
	int port_ = 0;
	std::string log_;
};

/// \brief tests/registry/fault_proxy.py in front of \a upstreamPort with JSON \a rules.
class FaultProxy {
public:
	bool start(const std::string &workDir, int upstreamPort, const std::string &rules);
	/// \brief Stop it and forget its log (a new start() begins a new one).
	void stop();
	int port() const { return port_; }
	std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
	std::string log() const;

private:
	Child child_;
	int port_ = 0;
	std::string log_;
};

/// \brief Directory of the test scripts (TB_REGISTRY_SCRIPTS).
std::string scriptDir();

using Ran = tb::testing::Captured;
/// \brief Run \a argv with \a input on stdin and \a env added to the environment.
inline Ran runWithInput(const std::vector<std::string> &argv, const std::string &input,
			const std::vector<std::string> &env = {})
{
	return tb::testing::runCapture(argv, env, input);
}

} // namespace tb::test
