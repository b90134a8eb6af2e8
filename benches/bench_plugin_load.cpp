// SPDX-License-Identifier: Apache-2.0
// Cold load + validation of every built plugin (scan, ELF descriptor read, dlopen, create),
// and the ELF-only validation step alone.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_common.h"

#include "internal/elf_descriptor.h"
#include "internal/plugin_loader.h"

namespace {

std::vector<std::string> pluginDirs()
{
	std::vector<std::string> out;
	std::string list = std::getenv("TB_PLUGIN_PATH") ? std::getenv("TB_PLUGIN_PATH") : "";
	size_t pos = 0;
	while (pos < list.size()) {
		size_t c = list.find(':', pos);
		out.push_back(
			list.substr(pos, c == std::string::npos ? std::string::npos : c - pos));
		pos = c == std::string::npos ? list.size() : c + 1;
	}
	return out;
}

void BM_LoadAllPlugins(benchmark::State &state)
{
	tb::HostPaths paths;
	paths.hostRoot = "/";
	tb::LoaderOptions o;
	o.searchPath = pluginDirs();
	o.paths = &paths;
	size_t ok = 0;
	for (auto _ : state) {
		// Each iteration builds and destroys the whole set: dlopen + create + dlclose.
		auto set = tb::PluginSet::load(o);
		ok = 0;
		for (const auto &i : set.infos())
			ok += i.status == tb::PluginStatus::Ok;
		benchmark::DoNotOptimize(ok);
	}
	state.counters["plugins_ok"] = static_cast<double>(ok);
}
BENCHMARK(BM_LoadAllPlugins)
	->Unit(benchmark::kMicrosecond)
	->Repetitions(tb::bench::repetitions(5))
	->ReportAggregatesOnly(true);

void BM_ValidateDescriptorsOnly(benchmark::State &state)
{
	std::vector<std::string> files;
	for (const auto &dir : pluginDirs())
		for (const auto &e : std::filesystem::directory_iterator(dir))
			if (e.path().extension() == ".so")
				files.push_back(e.path().string());
	for (auto _ : state)
		for (const auto &f : files)
			benchmark::DoNotOptimize(tb::readFileDescriptor(f));
	state.counters["files"] = static_cast<double>(files.size());
}
BENCHMARK(BM_ValidateDescriptorsOnly)
	->Unit(benchmark::kMicrosecond)
	->Repetitions(tb::bench::repetitions(5))
	->ReportAggregatesOnly(true);

} // namespace

BENCHMARK_MAIN();
