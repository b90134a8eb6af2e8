// SPDX-License-Identifier: Apache-2.0
// `tb inspect REF [--json] [--raw]`: an image's manifest, config, layers and cache facts.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include <tb/images.h>
#include <tb/json_output.h>
#include <tb/printable.h>

#include "cli.h"

namespace tb::cli {

namespace {

void printJson(const ImageInspection &i)
{
	fmt::print("{}\n", imageInspectionJson(i));
}

void printText(const ImageInspection &i)
{
	auto row = [](std::string_view k, const std::string &v) {
		if (!v.empty())
			fmt::print("{:<15}{}\n", std::string(k) + ":", printable(v));
	};
	row("Name", i.name);
	row("Digest", i.digest.str());
	if (i.indexDigest)
		row("Index", i.indexDigest->str() +
				     " (showing one platform's manifest; --platform chooses)");
	row("Media type", i.mediaType);
	row("Artifact type", i.artifactType);
	row("Config", i.config.mediaType + " " + i.config.digest.str());
	row("Created", i.created);
	if (!i.os.empty() && !i.architecture.empty())
		row("Platform", i.os + "/" + i.architecture +
					(i.platformVariant.empty() ? "" : "/" + i.platformVariant));
	else
		row("Architecture", i.architecture);
	row("Size", std::to_string(i.size) + " bytes");
	std::string tags;
	for (const auto &t : i.repoTags)
		tags += (tags.empty() ? "" : ", ") + t;
	row("Tags", tags);
	row("Cache variant", i.variant.empty() ? std::string("none recognised") : i.variant);
	std::string targets;
	for (const auto &t : i.targets)
		targets += (targets.empty() ? "" : ", ") + t.backend + " " + t.arch + " (warp " +
			   std::to_string(t.warpSize) + ")";
	row("Targets", targets);
	if (i.entryCount)
		row("Entries", std::to_string(*i.entryCount));
	if (i.cacheSizeBytes)
		row("Cache size", std::to_string(*i.cacheSizeBytes) + " bytes");
	row("Cache error", i.cacheError);
	fmt::print("Layers:\n");
	for (const auto &l : i.layers)
		fmt::print("  {}  {}  {} bytes\n", l.digest.str(), printable(l.mediaType), l.size);
	if (!i.labels.empty()) {
		fmt::print("Labels:\n");
		for (const auto &[k, v] : i.labels)
			fmt::print("  {}={}\n", printable(k), printable(v));
	}
	if (!i.annotations.empty()) {
		fmt::print("Annotations:\n");
		for (const auto &[k, v] : i.annotations)
			fmt::print("  {}={}\n", printable(k), printable(v));
	}
}

} // namespace

void registerInspect(CLI::App &app, Env &env)
{
	auto *cmd = app.add_subcommand(
		"inspect", "Show an image's manifest, layers, labels and cache targets");
	static std::string ref;
	static bool json = false, raw = false;
	cmd->add_option("REF", ref, "Image reference (a store name or transport:location)")
		->required();
	cmd->add_flag("--json", json, "Machine-readable output (skopeo inspect field names)");
	cmd->add_flag("--raw", raw, "Print the manifest (or index) bytes exactly as stored");
	static RegistryFlags flags;
	addRegistryFlags(cmd, flags);
	static std::string platform;
	addPlatformFlag(cmd, platform);
	onRun(cmd, env, [&env]() -> Status {
		applyRegistryFlags(env, flags);
		Context *ctx = TB_TRY(env.openContext());
		if (raw) {
			auto m = TB_TRY(readTopManifest(*ctx, ref));
			std::fwrite(m.bytes.data(), 1, m.bytes.size(), stdout);
			return ExitOk;
		}
		return printResult(inspectImage(*ctx, ref, platform), json, printJson, printText);
	});
}

} // namespace tb::cli
