// SPDX-License-Identifier: Apache-2.0
// `tb images [--json]`: the images of the embedded local store with their GPU targets.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/core.h>

#include <tb/images.h>
#include <tb/json_output.h>
#include <tb/printable.h>

#include "cli.h"

namespace tb::cli {

namespace {

std::string targetText(const CacheTarget &t)
{
	return t.backend + ":" + t.arch +
	       (t.warpSize ? "/" + std::to_string(t.warpSize) : std::string());
}

std::string humanSize(int64_t bytes)
{
	const char *units[] = {"B", "kB", "MB", "GB", "TB"};
	double v = static_cast<double>(bytes);
	int u = 0;
	while (v >= 1000 && u < 4) {
		v /= 1000;
		++u;
	}
	return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.3g} {}", v, units[u]);
}

void printJson(const std::vector<ImageSummary> &images)
{
	fmt::print("{}\n", imageListJson(images));
}

void printTable(const std::vector<ImageSummary> &images)
{
	struct Row {
		std::string name, digest, size, variant, targets;
	};
	std::vector<Row> rows;
	size_t wn = 4, wv = 7;
	for (const auto &i : images) {
		Row r{i.name.empty() ? "<none>" : printable(i.name), i.digest.hex.substr(0, 12),
		      humanSize(i.size), i.variant.empty() ? "-" : printable(i.variant), ""};
		for (const auto &t : i.targets)
			r.targets += (r.targets.empty() ? "" : ",") + targetText(t);
		r.targets = printable(r.targets);
		if (!i.error.empty())
			r.targets = "error: " + printable(i.error);
		else if (r.targets.empty())
			r.targets = "-";
		wn = std::max(wn, r.name.size());
		wv = std::max(wv, r.variant.size());
		rows.push_back(std::move(r));
	}
	fmt::print("{:<{}}  {:<12}  {:>9}  {:<{}}  {}\n", "NAME", wn, "DIGEST", "SIZE", "VARIANT",
		   wv, "TARGETS");
	for (const auto &r : rows)
		fmt::print("{:<{}}  {:<12}  {:>9}  {:<{}}  {}\n", r.name, wn, r.digest, r.size,
			   r.variant, wv, r.targets);
}

} // namespace

void registerImages(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand("images", "List the images of the local store");
	static bool json = false;
	cmd->add_flag("--json", json, "Machine-readable output");
	onRun(cmd, env, [&env]() -> Status {
		Context *ctx = TB_TRY(env.openContext());
		return printResult(listImages(*ctx), json, printJson, printTable);
	});
}

} // namespace tb::cli
