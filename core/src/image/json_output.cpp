// SPDX-License-Identifier: Apache-2.0
// The --json documents of `tb images`, `tb inspect`, `tb prune` and `tb cdi list`: built here,
// so that every program on libtb prints the same JSON and `tb` itself only prints.
#include <boost/json.hpp>

#include <fmt/core.h>

#include <tb/json_output.h>
#include <tb/plugin.h>

namespace tb {

namespace {

namespace json = boost::json;

json::array targetArray(const std::vector<CacheTarget> &targets)
{
	json::array out;
	for (const auto &t : targets)
		out.push_back(
			{{"backend", t.backend}, {"arch", t.arch}, {"warp_size", t.warpSize}});
	return out;
}

json::object stringObject(const std::map<std::string, std::string> &m)
{
	json::object o;
	for (const auto &[k, v] : m)
		o[k] = v;
	return o;
}

json::object descriptorObject(const Descriptor &d)
{
	json::object o{{"MIMEType", d.mediaType}, {"Digest", d.digest.str()}, {"Size", d.size}};
	if (!d.annotations.empty())
		o["Annotations"] = stringObject(d.annotations);
	return o;
}

json::value stringArrayOrNull(const std::optional<std::vector<std::string>> &v)
{
	if (!v)
		return nullptr;
	json::array a;
	for (const auto &s : *v)
		a.emplace_back(s);
	return a;
}

// tb's own facts, apart from skopeo's keys (skopeo's "Variant" is the platform variant).
json::value cacheObject(const ImageInspection &i)
{
	if (i.variant.empty())
		return nullptr;
	json::object o{{"Variant", i.variant}, {"Targets", targetArray(i.targets)}};
	if (i.entryCount)
		o["EntryCount"] = *i.entryCount;
	if (i.cacheSizeBytes)
		o["CacheSizeBytes"] = *i.cacheSizeBytes;
	if (!i.cacheError.empty())
		o["Error"] = i.cacheError;
	return o;
}

} // namespace

std::string imageListJson(const std::vector<ImageSummary> &images)
{
	json::array arr;
	for (const auto &i : images) {
		json::object o{{"name", i.name},           {"digest", i.digest.str()},
			       {"mediaType", i.mediaType}, {"size", i.size},
			       {"variant", i.variant},     {"targets", targetArray(i.targets)}};
		if (i.entryCount)
			o["entryCount"] = *i.entryCount;
		if (!i.error.empty())
			o["error"] = i.error;
		arr.push_back(std::move(o));
	}
	return json::serialize(arr);
}

// skopeo 1.9's keys with its JSON types first (null where Go prints a nil map, slice or
// time), then tb's: MediaType, Config, Annotations, Size, IndexDigest, Cache.
std::string imageInspectionJson(const ImageInspection &i)
{
	json::array layers, layersData, tags;
	for (const auto &l : i.layers) {
		layers.push_back(json::string(l.digest.str()));
		json::object d = descriptorObject(l);
		if (!d.contains("Annotations"))
			d["Annotations"] = nullptr;
		layersData.push_back(std::move(d));
	}
	for (const auto &t : i.repoTags)
		tags.emplace_back(t);
	json::object o{
		{"Name", i.name},
		{"Digest", i.digest.str()},
		{"RepoTags", tags},
		{"Created", i.created.empty() ? json::value(nullptr) : json::value(i.created)},
		{"DockerVersion", i.dockerVersion},
		{"Labels", i.hasLabels || !i.labels.empty() ? json::value(stringObject(i.labels))
							    : json::value(nullptr)},
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
	return json::serialize(o);
}

std::string_view prunedItemKindName(PrunedItem::Kind kind) noexcept
{
	return kind == PrunedItem::Kind::Blob ? "blob" : "temp";
}

std::string pruneReportJson(const PruneReport &r)
{
	json::array items;
	for (const auto &i : r.items)
		items.push_back({{"kind", prunedItemKindName(i.kind)},
				 {"path", i.path},
				 {"bytes", i.bytes}});
	json::object o{{"dryRun", r.dryRun}, {"bytes", r.bytes}, {"items", items}};
	return json::serialize(o);
}

std::string cdiListingJson(const CdiListing &l)
{
	auto q = [](const std::string &s) { return json::serialize(json::value(s)); };
	std::string out = "{\n  \"devices\": [";
	for (size_t i = 0; i < l.devices.size(); ++i)
		out += (i ? ",\n    " : "\n    ") +
		       fmt::format("{{\"name\": {}, \"file\": {}, \"conflict\": {}}}",
				   q(l.devices[i].name), q(l.devices[i].file),
				   l.devices[i].conflict.empty() ? "null"
								 : q(l.devices[i].conflict));
	out += l.devices.empty() ? "],\n  \"errors\": [" : "\n  ],\n  \"errors\": [";
	for (size_t i = 0; i < l.errors.size(); ++i)
		out += (i ? ", " : "") + q(l.errors[i]);
	return out + "]\n}\n";
}

std::string pluginListJson(const std::vector<PluginInfo> &plugins)
{
	json::array arr;
	for (const auto &p : plugins)
		arr.push_back(json::object{
			{"kind", p.kind},
			{"name", p.name},
			{"uri", p.uri},
			{"version", p.version},
			{"apiVersion", p.apiVersion},
			{"status", std::string(pluginStatusName(p.status))},
			{"reason", p.reason},
			{"path", p.path},
		});
	return json::serialize(json::object{{"plugins", arr}});
}

std::string versionJson()
{
	json::object apis;
	for (const auto &k : pluginKinds())
		apis[k.name] = fmt::format("{}.{}", k.versionMajor, k.versionMinor);
	return json::serialize(json::object{
		{"version", std::string(version())},
		{"pluginAbiVersion", TB_PLUGIN_ABI_VERSION},
		{"cxxAbiTag", fmt::format("{:#x}", TB_CXX_ABI_TAG)},
		{"apiVersions", apis},
	});
}

} // namespace tb
