// SPDX-License-Identifier: Apache-2.0
#include "registry_harness.h"

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace tb::test {

namespace {

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

void spit(const std::string &path, const std::string &text)
{
	std::ofstream(path) << text;
}

bool sh(const std::vector<std::string> &argv)
{
	auto r = runWithInput(argv, "");
	return r.status == 0;
}

// A port printed by a script on its first stdout line.
int readPort(const std::string &file, int timeoutMs)
{
	for (int waited = 0; waited < timeoutMs; waited += 20) {
		std::string s = slurp(file);
		if (s.find('\n') != std::string::npos)
			return std::atoi(s.c_str());
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	return 0;
}

} // namespace

bool Child::start(const std::vector<std::string> &argv, const std::string &outFile,
		  const std::string &errFile)
{
	pid_t pid = ::fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		::setpgid(0, 0);
		int out = ::open(outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = ::open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int in = ::open("/dev/null", O_RDONLY);
		::dup2(in, 0);
		::dup2(out, 1);
		::dup2(err, 2);
		std::vector<char *> args;
		for (const auto &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		::execvp(args[0], args.data());
		::_exit(127);
	}
	pid_ = pid;
	return true;
}

void Child::stop()
{
	if (pid_ <= 0)
		return;
	::kill(pid_, SIGTERM);
	for (int i = 0; i < 100; ++i) {
		int status = 0;
		if (::waitpid(pid_, &status, WNOHANG) == pid_) {
			pid_ = -1;
			return;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	::kill(pid_, SIGKILL);
	::waitpid(pid_, nullptr, 0);
	pid_ = -1;
}

int freePort()
{
	int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in a = {};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	int port = 0;
	if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
	    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0)
		port = ntohs(a.sin_port);
	::close(fd);
	return port;
}

bool waitForPort(int port, int timeoutMs)
{
	for (int waited = 0; waited < timeoutMs; waited += 20) {
		int fd = ::socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in a = {};
		a.sin_family = AF_INET;
		a.sin_port = htons(static_cast<uint16_t>(port));
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
		::close(fd);
		if (ok)
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	return false;
}

std::string scriptDir()
{
	const char *d = std::getenv("TB_REGISTRY_SCRIPTS");
	return d ? d : "tests/registry";
}

bool Registry::start(const std::string &dir, const RegistryOptions &o)
{
	dir_ = dir;
	std::string cfg = "version: 0.1\nlog:\n  level: info\n"
			  "storage:\n  filesystem:\n    rootdirectory: " +
			  dir + "/storage\n  delete:\n    enabled: true\n";
	if (!o.htpasswdUser.empty()) {
		auto r = runWithInput({"htpasswd", "-Bbn", o.htpasswdUser, o.htpasswdPassword}, "");
		if (r.status != 0)
			return false;
		spit(dir + "/htpasswd", r.out);
		cfg += "auth:\n  htpasswd:\n    realm: tb-test\n    path: " + dir + "/htpasswd\n";
	} else if (!o.tokenRealm.empty()) {
		cfg += "auth:\n  token:\n    realm: \"" + o.tokenRealm +
		       "\"\n    service: " + o.tokenService + "\n    issuer: " + o.tokenIssuer +
		       "\n    rootcertbundle: " + o.tokenCertBundle + "\n";
	}
	for (int attempt = 0; attempt < 5; ++attempt) {
		port_ = freePort();
		std::string c = cfg + "http:\n  addr: 127.0.0.1:" + std::to_string(port_) + "\n";
		if (!o.tlsCert.empty())
			c += "  tls:\n    certificate: " + o.tlsCert + "\n    key: " + o.tlsKey +
			     "\n";
		spit(dir + "/config.yml", c);
		child_.start({"docker-registry", "serve", dir + "/config.yml"}, dir + "/stdout.log",
			     dir + "/registry.log");
		if (waitForPort(port_, 5000))
			return true;
		child_.stop();
	}
	return false;
}

std::string Registry::log() const
{
	return slurp(dir_ + "/registry.log");
}

bool TestPki::create(const std::string &dir)
{
	caCert = dir + "/ca.crt";
	std::string caKey = dir + "/ca.key";
	serverCert = dir + "/server.crt";
	serverKey = dir + "/server.key";
	signCert = dir + "/sign.crt";
	signKey = dir + "/sign.key";
	spit(dir + "/ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
			       "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
	return sh({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey,
		   "-out", caCert, "-days", "2", "-subj", "/CN=tb test CA"}) &&
	       sh({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", serverKey, "-out",
		   dir + "/server.csr", "-subj", "/CN=127.0.0.1"}) &&
	       sh({"openssl", "x509", "-req", "-in", dir + "/server.csr", "-CA", caCert, "-CAkey",
		   caKey, "-CAcreateserial", "-out", serverCert, "-days", "2", "-extfile",
		   dir + "/ext.cnf"}) &&
	       sh({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", signKey,
		   "-out", signCert, "-days", "2", "-subj", "/CN=tb test token signer"});
}

bool TokenServer::start(const std::string &dir, const TestPki &pki, const std::string &user,
			const std::string &password)
{
	log_ = dir + "/token-requests.log";
	child_.start({"/usr/bin/python3", scriptDir() + "/token_server.py", "--cert", pki.signCert,
		      "--key", pki.signKey, "--issuer", issuer, "--service", service, "--user",
		      user + ":" + password, "--log", log_},
		     dir + "/token.port", dir + "/token.err");
	port_ = readPort(dir + "/token.port", 10000);
	return port_ > 0;
}

std::vector<std::string> TokenServer::requests() const
{
	std::vector<std::string> out;
	std::istringstream in(slurp(log_));
	for (std::string line; std::getline(in, line);)
		out.push_back(line);
	return out;
}

bool FaultProxy::start(const std::string &dir, int upstreamPort, const std::string &rules)
{
	log_ = dir + "/proxy.log";
	child_.start({"/usr/bin/python3", scriptDir() + "/fault_proxy.py", "--upstream",
		      std::to_string(upstreamPort), "--rules", rules, "--log", log_},
		     dir + "/proxy.port", dir + "/proxy.err");
	port_ = readPort(dir + "/proxy.port", 10000);
	return port_ > 0;
}

void FaultProxy::stop()
{
	child_.stop();
	if (!log_.empty())
		::unlink(log_.c_str());
	if (auto slash = log_.rfind('/'); slash != std::string::npos)
		::unlink((log_.substr(0, slash) + "/proxy.port").c_str());
}

std::string FaultProxy::log() const
{
	return slurp(log_);
}

} // namespace tb::test
