// SPDX-License-Identifier: Apache-2.0
// Registry pull + extract (docs/benchmarks.md, "Registry pull"): a generated >= 400 MB cache
// pushed to a loopback docker-registry, then `tb extract -i docker://…` (network streamed into
// the extractor) next to `skopeo copy docker://… oci:…` + `umoci unpack`, and next to tb's own
// extract from the local oci: layout. Setup (generation, push) is not timed.
#include <arpa/inet.h>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "bench_common.h"
#include "dataset.h"

#include <tb/caches.h>
#include <tb/context.h>
#include <tb/images.h>

namespace {

namespace fs = std::filesystem;

constexpr int Version = 1;

std::string workDir()
{
	return tb::bench::workDir("/var/tmp/tb-bench-pull");
}

void writeFile(const fs::path &p, const std::string &bytes)
{
	std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
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

bool waitForPort(int port)
{
	for (int i = 0; i < 500; ++i) {
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

struct Fixture {
	std::string source, layout, registryRef;
	int64_t bytes = 0, files = 0;
	std::unique_ptr<tb::Context> ctx;
	pid_t registry = -1;

	~Fixture()
	{
		if (registry > 0) {
			::kill(registry, SIGTERM);
			::waitpid(registry, nullptr, 0);
		}
	}

	bool setUp(std::string &error)
	{
		std::string root = workDir() + "/v" + std::to_string(Version);
		source = root + "/cache";
		layout = root + "/layout";
		auto c = tb::Context::create(tb::ContextOptions{});
		if (!c) {
			error = c.error().message;
			return false;
		}
		ctx = std::move(*c);
		if (!fs::exists(root + "/ready") && !generate(root, error))
			return false;
		std::ifstream(root + "/ready") >> bytes >> files;
		return startRegistry(root, error);
	}

	bool generate(const std::string &root, std::string &error)
	{
		fs::remove_all(root);
		fs::create_directories(source);
		// The seeded data set the other benches and the tests use (TB_BENCH_MB, small in
		// short mode).
		tb::dataset::Options opts;
		opts.bytes = tb::bench::dataBytes(450);
		tb::dataset::Summary data;
		if (!tb::dataset::generate(source, opts, data, error))
			return false;
		auto scan = tb::scanTritonCache(source);
		if (!scan) {
			error = scan.error().message;
			return false;
		}
		tb::CreateOptions o;
		auto dest = tb::openImageDestination(*ctx, "oci:" + layout + ":gzip");
		if (!dest) {
			error = dest.error().message;
			return false;
		}
		auto made = tb::createCache(*scan, *ctx->cacheFormat("compat"), **dest, o);
		if (!made) {
			error = made.error().message;
			return false;
		}
		int64_t fileCount = 0;
		for (const auto &f : scan->files)
			fileCount += f.directory ? 0 : 1;
		std::ofstream(root + "/ready") << scan->sizeBytes << " " << fileCount;
		return true;
	}

	// A fresh registry (temp storage under the work dir) holding the gzip image.
	bool startRegistry(const std::string &root, std::string &error)
	{
		std::string dir = root + "/registry";
		fs::remove_all(dir);
		fs::create_directories(dir);
		int port = freePort();
		writeFile(dir + "/config.yml",
			  "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
			  "    rootdirectory: " +
				  dir + "/storage\nhttp:\n  addr: 127.0.0.1:" +
				  std::to_string(port) + "\n");
		registry = ::fork();
		if (registry == 0) {
			if (!std::freopen((dir + "/log").c_str(), "w", stderr) ||
			    !std::freopen((dir + "/access.log").c_str(), "w", stdout))
				::_exit(126);
			::execlp("docker-registry", "docker-registry", "serve",
				 (dir + "/config.yml").c_str(), nullptr);
			::_exit(127);
		}
		if (!waitForPort(port)) {
			error = "docker-registry did not start";
			return false;
		}
		registryRef = "docker://127.0.0.1:" + std::to_string(port) + "/bench/cache:gzip";
		auto pushed = tb::copyImage(*ctx, "oci:" + layout + ":gzip", registryRef);
		if (!pushed) {
			error = pushed.error().message;
			return false;
		}
		return true;
	}
};

Fixture &fixture()
{
	static Fixture f;
	static bool ok = [] {
		std::string e;
		if (!f.setUp(e)) {
			std::fprintf(stderr, "bench_pull setup failed: %s\n", e.c_str());
			return false;
		}
		return true;
	}();
	(void)ok;
	return f;
}

std::string targetDir(bool tmpfs)
{
	std::string base = tmpfs ? "/dev/shm" : workDir();
	fs::create_directories(base);
	std::string t = base + "/tb-bench-dest-XXXXXX";
	return ::mkdtemp(t.data()) ? t : "";
}

void setCounters(benchmark::State &state, const Fixture &f)
{
	state.SetBytesProcessed(state.iterations() * f.bytes);
	state.counters["MB"] = static_cast<double>(f.bytes) / 1e6;
}

void BM_TbExtract(benchmark::State &state, bool remote, bool tmpfs)
{
	Fixture &f = fixture();
	std::string ref = remote ? f.registryRef : "oci:" + f.layout + ":gzip";
	for (auto _ : state) {
		state.PauseTiming();
		std::string dest = targetDir(tmpfs);
		state.ResumeTiming();
		auto src = tb::openImageSource(*f.ctx, ref);
		auto img = src ? tb::openCacheImage(**src, ref, f.ctx->cacheFormats())
			       : tb::Result<tb::CacheImage>(tb::unexpected(src.error()));
		auto r = img ? tb::extractCache(**src, *img, dest + "/cache", tb::ExtractOptions{})
			     : tb::Result<tb::ExtractReport>(tb::unexpected(img.error()));
		state.PauseTiming();
		if (!r)
			state.SkipWithError(r.error().message.c_str());
		fs::remove_all(dest);
		state.ResumeTiming();
	}
	setCounters(state, f);
}

void BM_SkopeoUmoci(benchmark::State &state, bool tmpfs)
{
	Fixture &f = fixture();
	std::string ref = f.registryRef.substr(0, f.registryRef.rfind(':')) + ":gzip";
	for (auto _ : state) {
		state.PauseTiming();
		std::string dest = targetDir(tmpfs);
		std::string cmd = "skopeo --policy " + workDir() +
				  "/policy.json copy -q "
				  "--src-tls-verify=false " +
				  ref + " oci:" + dest + "/layout:x && umoci unpack " +
				  std::string(::geteuid() == 0 ? "" : "--rootless ") + "--image " +
				  dest + "/layout:x " + dest + "/bundle >/dev/null";
		state.ResumeTiming();
		int rc = std::system(cmd.c_str());
		state.PauseTiming();
		if (rc != 0)
			state.SkipWithError("skopeo copy + umoci unpack failed");
		fs::remove_all(dest);
		state.ResumeTiming();
	}
	setCounters(state, f);
}

void tune(benchmark::internal::Benchmark *b)
{
	b->Unit(benchmark::kMillisecond)
		->Iterations(1)
		->Repetitions(tb::bench::repetitions(3))
		->ReportAggregatesOnly(true)
		->UseRealTime();
}

void registerAll()
{
	fs::create_directories(workDir());
	writeFile(workDir() + "/policy.json",
		  "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
	for (bool tmpfs : {true, false}) {
		std::string where = tmpfs ? "tmpfs" : "disk";
		tune(benchmark::RegisterBenchmark(("tb_pull_extract/" + where).c_str(),
						  BM_TbExtract, true, tmpfs));
		tune(benchmark::RegisterBenchmark(("tb_local_extract/" + where).c_str(),
						  BM_TbExtract, false, tmpfs));
		tune(benchmark::RegisterBenchmark(("skopeo_copy_umoci_unpack/" + where).c_str(),
						  BM_SkopeoUmoci, tmpfs));
	}
}

} // namespace

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	registerAll();
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
