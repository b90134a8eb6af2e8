// SPDX-License-Identifier: Apache-2.0
// Strict parsing of OCI/Docker manifests, indexes, descriptors and image configs.
#include "tbsupport/oci_json.h"
#include "tbsupport/platform.h"

#include <boost/json.hpp>

namespace tb::support {

namespace json = boost::json;

namespace {

std::string str(json::string_view s)
{
	return std::string(s.data(), s.size());
}

Result<json::object> parseObject(std::string_view bytes, std::string_view what)
{
	boost::system::error_code ec;
	json::value v = json::parse(json::string_view(bytes.data(), bytes.size()), ec);
	if (ec)
		return err(Errc::Corrupt,
			   std::string(what) + " is not valid JSON: " + ec.message());
	if (!v.is_object())
		return err(Errc::Corrupt, std::string(what) + " is not a JSON object");
	return std::move(v.as_object());
}

const json::string *stringField(const json::object &o, std::string_view key)
{
	const json::value *v = o.if_contains(json::string_view(key.data(), key.size()));
	return v ? v->if_string() : nullptr;
}

Result<std::map<std::string, std::string>> stringMap(const json::value *v, std::string_view what)
{
	std::map<std::string, std::string> out;
	if (!v || v->is_null())
		return out;
	const json::object *o = v->if_object();
	if (!o)
		return err(Errc::Corrupt, std::string(what) + " is not an object");
	for (const auto &kv : *o) {
		const json::string *s = kv.value().if_string();
		if (!s)
			return err(Errc::Corrupt,
				   std::string(what) + " '" + str(kv.key()) + "' is not a string");
		out.emplace(str(kv.key()), str(*s));
	}
	return out;
}

Result<Descriptor> parseDescriptor(const json::value &v, std::string_view what)
{
	const json::object *o = v.if_object();
	if (!o)
		return err(Errc::Corrupt, std::string(what) + " is not an object");
	Descriptor d;
	const json::string *mt = stringField(*o, "mediaType");
	if (!mt || mt->empty())
		return err(Errc::Corrupt, std::string(what) + " has no mediaType");
	d.mediaType = str(*mt);
	const json::string *dg = stringField(*o, "digest");
	if (!dg)
		return err(Errc::Corrupt, std::string(what) + " has no digest");
	auto digest = Digest::parse(std::string_view(dg->data(), dg->size()));
	if (!digest)
		return err(Errc::Corrupt, std::string(what) + ": " + digest.error().message);
	d.digest = std::move(*digest);
	const json::value *size = o->if_contains("size");
	if (!size || !(size->is_int64() || size->is_uint64()))
		return err(Errc::Corrupt,
			   std::string(what) + " " + d.digest.str() + " has no integer size");
	if (size->is_uint64() || size->as_int64() < 0)
		return err(Errc::Corrupt,
			   std::string(what) + " " + d.digest.str() + " has an invalid size");
	d.size = size->as_int64();
	d.annotations = TB_TRY_CTX(stringMap(o->if_contains("annotations"), "annotation"),
				   std::string(what));
	if (const json::string *at = stringField(*o, "artifactType"))
		d.artifactType = str(*at);
	if (const json::value *urls = o->if_contains("urls"); urls && urls->is_array())
		for (const auto &u : urls->as_array())
			if (u.is_string())
				d.urls.push_back(str(u.as_string()));
	return d;
}

// The checks shared by every manifest kind, on an already parsed body.
Result<std::string> effectiveType(const RawManifest &m, const json::object &body)
{
	const json::string *bodyType = stringField(body, "mediaType");
	std::string type = bodyType ? str(*bodyType) : std::string();
	if (!m.mediaType.empty() && !type.empty() && type != m.mediaType)
		return err(Errc::Corrupt, "media type mismatch: descriptor says '" + m.mediaType +
						  "', manifest body says '" + type + "'");
	if (type.empty())
		type = m.mediaType;
	if (type.empty())
		return err(Errc::Corrupt, "manifest has no media type (neither its descriptor nor "
					  "its body names one)");
	bool hasLayers = body.contains("layers") || body.contains("config");
	bool hasManifests = body.contains("manifests");
	if (hasLayers && hasManifests)
		return err(Errc::Corrupt,
			   "manifest is ambiguous: it has both 'manifests' and 'layers'/'config'");
	if (isImageManifestType(type)) {
		if (hasManifests)
			return err(Errc::Corrupt,
				   "manifest of type '" + type + "' holds an index ('manifests')");
	} else if (isIndexType(type)) {
		if (hasLayers)
			return err(Errc::Corrupt,
				   "index of type '" + type + "' holds image layers");
	} else {
		return err(Errc::Unsupported, "unsupported manifest media type '" + type + "'");
	}
	const json::value *sv = body.if_contains("schemaVersion");
	if (!sv || !sv->is_int64() || sv->as_int64() != 2)
		return err(Errc::Corrupt, "manifest schemaVersion is not 2");
	return type;
}

Result<json::object> parseManifestBody(const RawManifest &m, size_t cap = MaxManifestBytes)
{
	if (m.bytes.size() > cap)
		return err(Errc::LimitExceeded, "manifest is " + std::to_string(m.bytes.size()) +
							" bytes, over the " + std::to_string(cap) +
							" byte limit");
	return parseObject(m.bytes, "manifest");
}

} // namespace

bool isImageManifestType(std::string_view t) noexcept
{
	return t == media::OciManifest || t == media::DockerManifest;
}

bool isIndexType(std::string_view t) noexcept
{
	return t == media::OciIndex || t == media::DockerManifestList;
}

Result<std::string> manifestMediaType(const RawManifest &m)
{
	json::object body = TB_TRY(parseManifestBody(m));
	return effectiveType(m, body);
}

Result<ImageManifest> parseImageManifest(const RawManifest &m)
{
	json::object body = TB_TRY(parseManifestBody(m));
	ImageManifest out;
	out.mediaType = TB_TRY(effectiveType(m, body));
	if (!isImageManifestType(out.mediaType))
		return err(Errc::Corrupt,
			   "expected an image manifest, found an index ('" + out.mediaType + "')");
	const json::value *config = body.if_contains("config");
	if (!config)
		return err(Errc::Corrupt, "manifest has no config");
	out.config = TB_TRY(parseDescriptor(*config, "config descriptor"));
	const json::value *layers = body.if_contains("layers");
	if (!layers || !layers->is_array())
		return err(Errc::Corrupt, "manifest has no layers array");
	for (const auto &l : layers->as_array())
		out.layers.push_back(TB_TRY(parseDescriptor(l, "layer descriptor")));
	if (const json::string *at = stringField(body, "artifactType"))
		out.artifactType = str(*at);
	if (const json::value *s = body.if_contains("subject"))
		out.subject = TB_TRY(parseDescriptor(*s, "subject descriptor"));
	out.annotations = TB_TRY(stringMap(body.if_contains("annotations"), "manifest annotation"));
	return out;
}

Result<ImageIndex> parseImageIndex(const RawManifest &m, size_t cap)
{
	json::object body = TB_TRY(parseManifestBody(m, cap));
	ImageIndex out;
	out.mediaType = TB_TRY(effectiveType(m, body));
	if (!isIndexType(out.mediaType))
		return err(Errc::Corrupt, "expected an index, found '" + out.mediaType + "'");
	const json::value *list = body.if_contains("manifests");
	if (!list || !list->is_array())
		return err(Errc::Corrupt, "index has no manifests array");
	for (const auto &e : list->as_array()) {
		IndexEntry entry;
		entry.descriptor = TB_TRY(parseDescriptor(e, "index entry"));
		if (const json::value *p = e.as_object().if_contains("platform");
		    p && p->is_object()) {
			Platform plat;
			if (const json::string *s = stringField(p->as_object(), "os"))
				plat.os = str(*s);
			if (const json::string *s = stringField(p->as_object(), "architecture"))
				plat.architecture = str(*s);
			if (const json::string *s = stringField(p->as_object(), "variant"))
				plat.variant = str(*s);
			entry.platform = std::move(plat);
		}
		out.manifests.push_back(std::move(entry));
	}
	out.annotations = TB_TRY(stringMap(body.if_contains("annotations"), "index annotation"));
	return out;
}

Result<ImageConfig> parseImageConfig(std::string_view bytes)
{
	if (bytes.size() > MaxConfigBytes)
		return err(Errc::LimitExceeded,
			   "image config is " + std::to_string(bytes.size()) + " bytes, over the " +
				   std::to_string(MaxConfigBytes) + " byte limit");
	json::object body = TB_TRY(parseObject(bytes, "image config"));
	ImageConfig out;
	if (const json::string *s = stringField(body, "os"))
		out.os = str(*s);
	if (const json::string *s = stringField(body, "architecture"))
		out.architecture = str(*s);
	if (const json::string *s = stringField(body, "variant"))
		out.variant = str(*s);
	if (const json::string *s = stringField(body, "created"))
		out.created = str(*s);
	if (const json::string *s = stringField(body, "docker_version"))
		out.dockerVersion = str(*s);
	if (const json::value *c = body.if_contains("config"); c && c->is_object()) {
		const json::value *labels = c->as_object().if_contains("Labels");
		out.labels = TB_TRY(stringMap(labels, "config label"));
		out.hasLabels = labels && labels->is_object();
		if (const json::value *env = c->as_object().if_contains("Env");
		    env && env->is_array()) {
			out.env.emplace();
			for (const auto &e : env->as_array()) {
				if (!e.is_string())
					return err(Errc::Corrupt,
						   "image config Env item is not a string");
				out.env->push_back(str(e.as_string()));
			}
		}
	}
	if (const json::value *r = body.if_contains("rootfs"); r && r->is_object())
		if (const json::value *ids = r->as_object().if_contains("diff_ids");
		    ids && ids->is_array())
			for (const auto &id : ids->as_array()) {
				if (!id.is_string())
					return err(Errc::Corrupt,
						   "image config diff_id is not a string");
				const json::string &s = id.as_string();
				out.diffIds.push_back(TB_TRY_CTX(
					Digest::parse(std::string_view(s.data(), s.size())),
					"image config diff_id"));
			}
	return out;
}

Result<IndexEntry> pickPlatform(const ImageIndex &index)
{
	return selectPlatform(index, std::nullopt);
}

std::string descriptorJson(const Descriptor &d)
{
	json::object o;
	o["mediaType"] = d.mediaType;
	o["digest"] = d.digest.str();
	o["size"] = d.size;
	if (!d.urls.empty()) {
		json::array a;
		for (const auto &u : d.urls)
			a.emplace_back(u);
		o["urls"] = std::move(a);
	}
	if (!d.annotations.empty()) {
		json::object a;
		for (const auto &[k, v] : d.annotations)
			a[k] = v;
		o["annotations"] = std::move(a);
	}
	if (!d.artifactType.empty())
		o["artifactType"] = d.artifactType;
	return json::serialize(o);
}

} // namespace tb::support
