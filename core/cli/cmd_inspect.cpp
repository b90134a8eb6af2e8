// SPDX-License-Identifier: Apache-2.0
// `tb inspect REF [--json] [--raw]`: an image's manifest, config, layers and cache facts.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/core.h>

#include <tb/images.h>
#include <tb/printable.h>

#include "cli.h"

namespace tb::cli {

namespace {

boost::json::object stringObject(const std::map<std::string, std::string> &m)
{
	boost::json::object o;
	for (const auto &[k, v] : m)
		o[k] = v;
	return o;
}

boost::json::object descriptorObject(const Descriptor &d)
{
	boost::json::object o{
		{"MIMEType", d.mediaType}, {"Digest", d.digest.str()}, {"Size", d.size}};
	if (!d.annotations.empty())
		o["Annotations"] = stringObject(d.annotations);
	return o;
}

boost::json::value stringArrayOrNull(const std::optional<std::vector<std::string>> &v)
{
	if (!v)
		return nullptr;
	boost::json::array a;
	for (const auto &s : *v)
		a.emplace_back(s);
	return a;
}

// tb's own facts, apart from skopeo's keys (skopeo's "Variant" is the platform variant).
boost::json::value cacheObject(const ImageInspection &i)
{
	if (i.variant.empty())
		return nullptr;
	boost::json::array targets;
	for (const auto &t : i.targets)
		targets.push_back(
			{{"backend", t.backend}, {"arch", t.arch}, {"warp_size", t.warpSize}});
	boost::json::object o{{"Variant", i.variant}, {"Targets", targets}};
	if (i.entryCount)
		o["EntryCount"] = *i.entryCount;
	if (i.cacheSizeBytes)
		o["CacheSizeBytes"] = *i.cacheSizeBytes;
	if (!i.cacheError.empty())
		o["Error"] = i.cacheError;
	return o;
}

// skopeo 1.9's keys with its JSON types first (null where Go prints a nil map, slice or
// time), then tb's: MediaType, Config, Annotations, Size, IndexDigest, Cache.
void printJson(const ImageInspection &i)
{
	boost::json::array layers, layersData, tags;
	for (const auto &l : i.layers) {
		layers.push_back(boost::json::string(l.digest.str()));
		boost::json::object d = descriptorObject(l);
		if (!d.contains("Annotations"))
			d["Annotations"] = nullptr;
		layersData.push_back(std::move(d));
	}
	for (const auto &t : i.repoTags)
		tags.emplace_back(t);
	boost::json::object o{
		{"Name", i.name},
		{"Digest", i.digest.str()},
		{"RepoTags", tags},
		{"Created",
		 i.created.empty() ? boost::json::value(nullptr) : boost::json::value(i.created)},
		{"DockerVersion", i.dockerVersion},
		{"Labels", i.hasLabels || !i.labels.empty()
				   ? boost::json::value(stringObject(i.labels))
				   : boost::json::value(nullptr)},
		{"Architecture", i.architecture},
		{"Os", i.os},
		{"Layers", layers},
		{"LayersData", layersData},
		{"Env", stringArrayOrNull(i.env)},
		{"MediaType", i.mediaType},
		{"Config", descriptorObject(i.config)},
		{"Annotations", stringObject(i.annotations)},
		{"Size", i.size},
		{"Cache", cacheObject(i)},
	};
	if (!i.platformVariant.empty())
		o["Variant"] = i.platformVariant;
	if (i.indexDigest)
		o["IndexDigest"] = i.indexDigest->str();
	if (!i.artifactType.empty())
		o["ArtifactType"] = i.artifactType;
	fmt::print("{}\n", boost::json::serialize(o));
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
		applyRegistryFlags(flags);
		Context *ctx = TB_TRY(env.openContext());
		if (raw) {
			auto src = TB_TRY(openImageSource(*ctx, ref));
			auto m = TB_TRY(readTopManifest(*src, ref));
			std::fwrite(m.bytes.data(), 1, m.bytes.size(), stdout);
			return ExitOk;
		}
		return printResult(inspectImage(*ctx, ref, platform), json, printJson, printText);
	});
}

} // namespace tb::cli
