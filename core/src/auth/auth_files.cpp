// SPDX-License-Identifier: Apache-2.0
// Reading and writing containers-auth.json(5) and docker config.json credentials.
#include "auth/credentials.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tbsupport/blob_file.h"
#include "tbsupport/json_fields.h"
#include "tbsupport/unique_fd.h"

namespace tb::auth {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr size_t MaxAuthFileBytes = 4u << 20;

std::string env(const char *name)
{
	const char *v = std::getenv(name);
	return v ? v : "";
}

std::string home()
{
	return env("HOME");
}

std::string configHome()
{
	std::string x = env("XDG_CONFIG_HOME");
	return x.empty() ? home() + "/.config" : x;
}

Result<std::optional<std::string>> readSmallFile(const std::string &path)
{
	support::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd.isValid()) {
		if (errno == ENOENT || errno == ENOTDIR)
			return std::optional<std::string>();
		return err(Errc::Io, "reading '" + path + "': " + std::strerror(errno));
	}
	std::string out;
	char buf[65536];
	for (;;) {
		ssize_t n = ::read(fd.get(), buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out.append(buf, static_cast<size_t>(n));
		if (out.size() > MaxAuthFileBytes)
			return err(Errc::LimitExceeded, "'" + path + "' is larger than 4 MiB");
	}
	return std::optional<std::string>(std::move(out));
}

Result<std::optional<json::object>> readAuthJson(const std::string &path)
{
	auto text = TB_TRY(readSmallFile(path));
	if (!text)
		return std::optional<json::object>();
	if (text->find_first_not_of(" \t\r\n") == std::string::npos)
		return std::optional<json::object>(json::object{});
	auto v = support::parseJson(*text);
	if (!v || !v->is_object())
		return err(Errc::InvalidArgument, "'" + path + "' is not a JSON object");
	return std::optional<json::object>(std::move(v->as_object()));
}

Result<std::pair<std::string, std::string>> decodeAuth(const std::string &b64,
						       const std::string &where)
{
	std::string out(3 * (b64.size() / 4) + 3, '\0');
	int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
				reinterpret_cast<const unsigned char *>(b64.data()),
				static_cast<int>(b64.size()));
	if (n < 0 || b64.size() % 4 != 0)
		return err(Errc::InvalidArgument, where + ": 'auth' is not valid base64");
	size_t len = static_cast<size_t>(n);
	for (size_t i = b64.size(); i > 0 && b64[i - 1] == '='; --i)
		--len;
	out.resize(len);
	auto colon = out.find(':');
	if (colon == std::string::npos)
		return err(Errc::InvalidArgument,
			   where + ": 'auth' is not base64 of user:password");
	return std::make_pair(out.substr(0, colon), out.substr(colon + 1));
}

// The helper's server address for a registry (Docker Hub's is a v1 URL).
std::string helperServer(const std::string &registry)
{
	return registry == "docker.io" ? "https://index.docker.io/v1/" : registry;
}

Result<std::optional<registry::Credential>> fromFile(const std::string &path,
						     const std::string &registry)
{
	auto text = TB_TRY(readSmallFile(path));
	if (!text)
		return std::optional<registry::Credential>();
	auto entry = TB_TRY(resolveAuthJson(*text, registry, path));
	if (entry.helper.empty())
		return std::move(entry.credential);
	return TB_TRY_CTX(runCredentialHelper(entry.helper, helperServer(registry)),
			  path + ": " + entry.helperField);
}

Result<void> writeAtomically(const std::string &path, const std::string &text)
{
	fs::path p(path);
	std::error_code ec;
	if (!p.parent_path().empty() && !fs::exists(p.parent_path(), ec)) {
		fs::create_directories(p.parent_path(), ec);
		if (ec)
			return err(Errc::Io,
				   "creating '" + p.parent_path().string() + "': " + ec.message());
		::chmod(p.parent_path().c_str(), 0700);
	}
	return support::writeFileAtomic(path, text, 0600);
}

} // namespace

Result<AuthFileEntry> resolveAuthJson(std::string_view text, const std::string &registry,
				      const std::string &where)
{
	AuthFileEntry out;
	if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
		return out; // an empty file is an empty config, as podman treats it
	auto v = support::parseJson(text);
	if (!v || !v->is_object())
		return err(Errc::InvalidArgument, "'" + where + "' is not a JSON object");
	const json::object &doc = v->as_object();
	if (const auto *helpers = doc.if_contains("credHelpers"); helpers && helpers->is_object())
		for (const auto &[k, h] : helpers->as_object())
			if (normaliseRegistryKey(k) == registry && h.is_string()) {
				out.helper = std::string(h.get_string());
				out.helperField = "credHelpers";
				return out;
			}
	if (const auto *auths = doc.if_contains("auths"); auths && auths->is_object())
		for (const auto &[k, a] : auths->as_object()) {
			if (normaliseRegistryKey(k) != registry || !a.is_object())
				continue;
			const auto &e = a.as_object();
			registry::Credential c;
			std::string at = where + ": auths.\"" + std::string(k) + "\"";
			if (auto b64 = support::stringField(e, "auth"); b64 && !b64->empty()) {
				auto up = TB_TRY(decodeAuth(*b64, at));
				c.username = up.first;
				c.password = up.second;
			}
			c.identityToken = support::stringField(e, "identitytoken").value_or("");
			c.registryToken = support::stringField(e, "registrytoken").value_or("");
			if (!c.empty()) {
				out.credential = std::move(c);
				return out;
			}
		}
	if (auto store = support::stringField(doc, "credsStore"); store && !store->empty()) {
		out.helper = *store;
		out.helperField = "credsStore";
	}
	return out;
}

std::string normaliseRegistryKey(std::string_view key)
{
	if (auto p = key.find("://"); p != std::string_view::npos)
		key = key.substr(p + 3);
	key = key.substr(0, key.find('/'));
	if (key == "index.docker.io" || key == "registry-1.docker.io" || key == "docker.io")
		return "docker.io";
	return std::string(key);
}

std::vector<std::string> authFileSearchOrder(const std::string &explicitFile)
{
	if (!explicitFile.empty())
		return {explicitFile};
	if (std::string f = env("REGISTRY_AUTH_FILE"); !f.empty())
		return {f};
	std::vector<std::string> out;
	if (std::string run = env("XDG_RUNTIME_DIR"); !run.empty())
		out.push_back(run + "/containers/auth.json");
	out.push_back(configHome() + "/containers/auth.json");
	std::string docker = env("DOCKER_CONFIG");
	out.push_back((docker.empty() ? home() + "/.docker" : docker) + "/config.json");
	return out;
}

std::string authFileForWriting(const std::string &explicitFile)
{
	if (!explicitFile.empty())
		return explicitFile;
	if (std::string f = env("REGISTRY_AUTH_FILE"); !f.empty())
		return f;
	std::error_code ec;
	if (std::string run = env("XDG_RUNTIME_DIR"); !run.empty() && fs::is_directory(run, ec))
		return run + "/containers/auth.json";
	return configHome() + "/containers/auth.json";
}

Result<std::optional<registry::Credential>> lookupCredential(const std::string &registry,
							     const std::string &explicitFile)
{
	std::string key = normaliseRegistryKey(registry);
	for (const auto &path : authFileSearchOrder(explicitFile)) {
		auto c = TB_TRY(fromFile(path, key));
		if (c)
			return c;
	}
	return std::optional<registry::Credential>();
}

Result<std::string> loginHelper(const std::string &registry, const std::string &explicitFile)
{
	if (!explicitFile.empty() || !env("REGISTRY_AUTH_FILE").empty())
		return std::string();
	std::string docker = env("DOCKER_CONFIG");
	std::string path = (docker.empty() ? home() + "/.docker" : docker) + "/config.json";
	auto doc = TB_TRY(readAuthJson(path));
	if (!doc)
		return std::string();
	std::string key = normaliseRegistryKey(registry);
	if (const auto *helpers = doc->if_contains("credHelpers"); helpers && helpers->is_object())
		for (const auto &[k, v] : helpers->as_object())
			if (normaliseRegistryKey(k) == key && v.is_string())
				return std::string(v.get_string());
	return support::stringField(*doc, "credsStore").value_or("");
}

namespace {

Result<std::string> removeFromAuthFile(const std::string &registry, const std::string &explicitFile)
{
	std::string path = authFileForWriting(explicitFile);
	auto doc = TB_TRY(readAuthJson(path));
	std::string key = normaliseRegistryKey(registry);
	bool removed = false;
	auto *auths = doc ? doc->if_contains("auths") : nullptr;
	if (auths && auths->is_object()) {
		auto &o = auths->as_object();
		for (auto it = o.begin(); it != o.end();) {
			if (normaliseRegistryKey(it->key()) == key) {
				it = o.erase(it);
				removed = true;
			} else {
				++it;
			}
		}
	}
	if (!removed)
		return err(Errc::NotFound,
			   "not logged in to " + key + " (no entry in '" + path + "')");
	TB_TRY(writeAtomically(path, json::serialize(*doc) + "\n"));
	return path;
}

// Remove \a registry's entry from the auth file, and from the login helper if \a withHelper.
Result<std::string> removeStored(const std::string &registry, const std::string &explicitFile,
				 bool withHelper)
{
	std::string helper;
	if (withHelper)
		helper = TB_TRY(loginHelper(registry, explicitFile));
	bool erased = false;
	if (!helper.empty())
		erased = TB_TRY(
			eraseWithHelper(helper, helperServer(normaliseRegistryKey(registry))));
	auto fromFile = removeFromAuthFile(registry, explicitFile);
	if (fromFile || fromFile.error().code != Errc::NotFound)
		return fromFile;
	if (erased)
		return "docker-credential-" + helper;
	if (!helper.empty())
		return err(Errc::NotFound, "not logged in to " + normaliseRegistryKey(registry) +
						   " (nothing in docker-credential-" + helper +
						   " nor in '" + authFileForWriting(explicitFile) +
						   "')");
	return fromFile;
}

} // namespace

Result<std::string> storeCredential(const std::string &registry, const std::string &user,
				    const std::string &password, const std::string &explicitFile)
{
	if (std::string helper = TB_TRY(loginHelper(registry, explicitFile)); !helper.empty()) {
		TB_TRY(storeWithHelper(helper, helperServer(normaliseRegistryKey(registry)), user,
				       password));
		// An older auth.json entry would be found before the helper: it goes.
		auto stale = removeStored(registry, explicitFile, false);
		if (!stale && stale.error().code != Errc::NotFound)
			return unexpected(std::move(stale).error());
		return "docker-credential-" + helper;
	}
	std::string path = authFileForWriting(explicitFile);
	auto doc = TB_TRY(readAuthJson(path)).value_or(json::object{});
	json::value &auths = doc["auths"];
	if (!auths.is_object())
		auths = json::object{};
	std::string key = normaliseRegistryKey(registry);
	// Drop aliases of the same registry so one entry is left.
	for (auto it = auths.as_object().begin(); it != auths.as_object().end();)
		if (normaliseRegistryKey(it->key()) == key)
			it = auths.as_object().erase(it);
		else
			++it;
	auths.as_object()[key] =
		json::object{{"auth", registry::userPasswordBase64(user, password)}};
	TB_TRY(writeAtomically(path, json::serialize(doc) + "\n"));
	return path;
}

Result<std::string> removeCredential(const std::string &registry, const std::string &explicitFile)
{
	return removeStored(registry, explicitFile, true);
}

} // namespace tb::auth
