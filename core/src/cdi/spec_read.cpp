// SPDX-License-Identifier: Apache-2.0
// Spec files as a JSON tree: JSON by Boost.JSON, YAML converted to the same tree by the YAML
// module (runtimes read both with one YAML-superset decoder, so the checks run on one model).
#include "cdi_internal.h"

#include <boost/json.hpp>

#include "yaml_text.h"

namespace tb::cdi {

namespace json = boost::json;

Result<boost::json::value> parseSpecText(std::string_view text)
{
	size_t first = text.find_first_not_of(" \t\r\n");
	bool isJson = first != std::string_view::npos && text[first] == '{';
	std::string converted;
	if (!isJson) {
		auto j = yamlToJson(text);
		if (!j)
			return unexpected(j.error());
		converted = std::move(*j);
		text = converted;
	}
	boost::system::error_code ec;
	json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
	if (ec)
		return err(Errc::Corrupt,
			   (isJson ? "not valid JSON: " : "YAML module output: ") + ec.message());
	return v;
}

} // namespace tb::cdi
