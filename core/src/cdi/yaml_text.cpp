// SPDX-License-Identifier: Apache-2.0
// YAML through tb-yaml.so (yaml_module.cpp), opened on the first YAML spec and kept: it sits
// next to libtb (the build tree), in libtb's directory's tb/ (installed), or in the configured
// libdir's tb/ (a static libtb).
#include "yaml_text.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <dlfcn.h>

namespace tb::cdi {

namespace {

using ToJson = int (*)(const char *, size_t, char **);

std::vector<std::string> candidates()
{
	std::vector<std::string> out;
	Dl_info info{};
	if (::dladdr(reinterpret_cast<void *>(&yamlToJson), &info) && info.dli_fname) {
		std::string self = info.dli_fname;
		std::string dir = self.substr(0, self.find_last_of('/') + 1);
		out.push_back(dir + "tb/tb-yaml.so");
		out.push_back(dir + "tb-yaml.so");
	}
	out.push_back(TB_LIB_DIR "/tb/tb-yaml.so");
	return out;
}

Result<ToJson> open()
{
	std::string tried;
	for (const auto &path : candidates()) {
		if (void *lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
			if (auto f = reinterpret_cast<ToJson>(::dlsym(lib, "tb_yaml_to_json")))
				return f;
			return err(Errc::Internal, path + " has no tb_yaml_to_json");
		}
		const char *why = ::dlerror();
		tried += (tried.empty() ? "" : "; ") + std::string(why ? why : path);
	}
	return err(Errc::Unsupported,
		   "reading YAML needs tb-yaml.so, which did not load: " + tried);
}

} // namespace

Result<std::string> yamlToJson(std::string_view text)
{
	static const Result<ToJson> toJson = open();
	if (!toJson)
		return unexpected(toJson.error());
	char *out = nullptr;
	int rc = (*toJson)(text.data(), text.size(), &out);
	std::unique_ptr<char, decltype(&std::free)> owned(out, &std::free);
	if (!out)
		return err(Errc::Internal, "tb-yaml.so: out of memory");
	if (rc != 0)
		return err(Errc::Corrupt, std::string("not valid YAML: ") + out);
	return std::string(out);
}

} // namespace tb::cdi
