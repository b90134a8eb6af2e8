// SPDX-License-Identifier: Apache-2.0
// The core's key table drives parsing, `tb config show`, `tb config init` and docs/config.md:
// every entry (and so a newly added one) is read from a file, shown, written by init with its
// default, validated (wrong type, bad value, unknown neighbour) and documented.
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "internal/config.h"
#include "internal/config_keys.h"

namespace tb {
namespace {

using config::Key;
using config::KeyValue;

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

std::string sourceRoot()
{
	const char *root = std::getenv("TB_SOURCE_ROOT");
	return root ? root : "";
}

// A valid value for a key with a grammar, other than the usual default.
std::optional<std::string> sample(config::Check check)
{
	const std::pair<config::Check, const char *> samples[] = {
		{config::checkPluginUri, "probe.nvidia"},
		{config::checkLogLevels, "*:info"},
		{config::checkGpuSelection, "first"},
		{config::checkProfileGpus, "0"},
		{config::checkSize, "16GB"},
		{config::checkSizeOrNone, "16GB"},
		{config::checkRuntimeName, "docker"},
	};
	for (const auto &[c, v] : samples)
		if (c == check)
			return v;
	return std::nullopt;
}

// A value of the key's type that differs from \a def and that the key accepts.
template<typename Rec>
KeyValue otherValue(const Key<Rec> &k, const KeyValue &def)
{
	return std::visit(
		[&](const auto &d) -> KeyValue {
			using T = std::decay_t<decltype(d)>;
			if constexpr (std::is_same_v<T, bool>)
				return !d;
			else if constexpr (std::is_same_v<T, int64_t>)
				// version: the only value this tb reads is its default
				return std::string_view(k.key) == "version" ? d : d + 1;
			else if constexpr (std::is_same_v<T, std::string>) {
				if (k.choices) {
					for (const char *const *c = k.choices; *c; ++c)
						if (d != *c)
							return std::string(*c);
				}
				if (k.check) {
					auto s = sample(k.check);
					EXPECT_TRUE(s) << k.key << ": add a sample for its grammar";
					return s.value_or("");
				}
				return std::string("/some/value");
			} else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
				std::string item = "/dev/x";
				if (k.check)
					item = sample(k.check).value_or("");
				return std::vector<std::string>{item, item};
			} else
				return config::StringMap{{"K", "v"}, {"L", "w w"}};
		},
		def);
}

// Where a key's value goes in a file: "[section]\n" (or nothing) for a core key.
template<typename Rec>
std::string tableHeader(const Key<Rec> &k);
template<>
std::string tableHeader(const Key<Config> &k)
{
	return *k.section ? "[" + std::string(k.section) + "]\n" : "";
}
template<>
std::string tableHeader(const Key<Profile> &)
{
	return "[profiles.p]\n";
}

template<typename Rec>
std::string shownName(const Key<Rec> &k)
{
	if constexpr (std::is_same_v<Rec, Profile>)
		return std::string("profiles.p.") + k.key;
	else
		return *k.section ? std::string(k.section) + "." + k.key : k.key;
}

Profile &recordOf(Config &c, const Key<Profile> &)
{
	return c.profiles["p"];
}
Config &recordOf(Config &c, const Key<Config> &)
{
	return c;
}

template<typename Rec>
void checkKey(const Key<Rec> &k)
{
	SCOPED_TRACE(shownName(k));
	const Rec defaults{};
	KeyValue def = config::keyValue(k, defaults);
	KeyValue value = otherValue(k, def);
	std::string head = tableHeader(k);

	// Parsed into its field, every other key keeps its default.
	std::string file = head + k.key + " = " + config::keyValueToml(value) + "\n";
	auto c = parseConfig(file, "f.toml");
	ASSERT_TRUE(c) << file << c.error().message;
	Config want;
	config::setKeyValue(k, recordOf(want, k), value);
	EXPECT_EQ(*c, want) << file;

	// Shown, and what is shown reads back as the same configuration.
	std::string shown = configToToml(*c);
	auto again = parseConfig(shown, "shown.toml");
	ASSERT_TRUE(again) << shown << again.error().message;
	EXPECT_EQ(*again, *c);
	toml::table shownTable = toml::parse(shown);
	EXPECT_TRUE(shownTable.at_path(shownName(k))) << shown;

	// Written by init with its default (profiles: as a commented example).
	std::string init(defaultConfigText());
	std::string line = std::string(k.key) + " = " + config::keyValueToml(def) + "\n";
	if constexpr (std::is_same_v<Rec, Config>) {
		toml::table initTable = toml::parse(init);
		EXPECT_TRUE(initTable.at_path(shownName(k))) << init;
		EXPECT_NE(init.find(line), std::string::npos) << line;
	} else
		EXPECT_NE(init.find("# " + line.substr(0, line.size() - 1) + "    # "),
			  std::string::npos)
			<< line;

	// Validated: the wrong type, a value outside its set, an unknown neighbour.
	auto fails = [&](const std::string &v, const std::string &what) {
		std::string bad = head + k.key + " = " + v + "\n";
		auto r = parseConfig(bad, "f.toml");
		ASSERT_FALSE(r) << bad;
		std::string msg = "key '" + shownName(k) + "': " + what;
		EXPECT_NE(r.error().message.find(msg), std::string::npos)
			<< r.error().message << " lacks " << msg;
		EXPECT_EQ(r.error().message.rfind(
				  "f.toml:" + std::to_string(head.empty() ? 1 : 2) + ":", 0),
			  0u)
			<< r.error().message;
	};
	const char *wrongType[] = {"\"x\"", "\"x\"", "1", "1", "1"};
	const char *expected[] = {"expected true or false", "expected an integer",
				  "expected a string", "expected an array of strings",
				  "expected a table of strings"};
	fails(wrongType[def.index()], expected[def.index()]);
	if (k.choices || k.check)
		fails(std::holds_alternative<std::string>(def) ? "\"!!bad\"" : "[\"!!bad\"]",
		      "invalid value '!!bad'");
	if (std::holds_alternative<int64_t>(def) && k.min > INT64_MIN)
		fails(std::to_string(k.min - 1), "must be at least " + std::to_string(k.min));
	std::string unknown = head + k.key + "_x = 1\n";
	auto u = parseConfig(unknown, "f.toml");
	ASSERT_FALSE(u);
	EXPECT_NE(u.error().message.find("key '" + shownName(k) + "_x': unknown key"),
		  std::string::npos)
		<< u.error().message;
}

TEST(ConfigKeys, EveryKeyIsParsedShownInitedAndValidated)
{
	ASSERT_FALSE(config::coreKeys().empty());
	for (const auto &k : config::coreKeys())
		checkKey(k);
	for (const auto &k : config::profileKeys())
		checkKey(k);
}

TEST(ConfigKeys, KeysAreUniqueAndDocumented)
{
	std::set<std::string> names;
	for (const auto &k : config::coreKeys()) {
		EXPECT_TRUE(names.insert(shownName(k)).second) << shownName(k) << " twice";
		EXPECT_TRUE(k.doc && *k.doc) << shownName(k);
		bool inSection = false;
		for (const auto &s : config::sections())
			inSection = inSection || (s.kind == config::SectionKind::Keys &&
						  std::string_view(s.name) == k.section);
		EXPECT_TRUE(inSection) << shownName(k) << ": section not in config::sections()";
	}
}

// configs/nvbind.toml is what `tb config init` writes (without plugin sections).
// After changing the key table: TB_REGENERATE_CONFIG=1 build/tests/unit/config-keys-test
TEST(ConfigKeys, CommittedDefaultFileIsTheGeneratedOne)
{
	ASSERT_FALSE(sourceRoot().empty()) << "TB_SOURCE_ROOT not set";
	std::string path = sourceRoot() + "/configs/nvbind.toml";
	if (std::getenv("TB_REGENERATE_CONFIG"))
		std::ofstream(path) << defaultConfigText();
	EXPECT_EQ(slurp(path), defaultConfigText())
		<< path << " differs from tb config init; regenerate it with "
		<< "TB_REGENERATE_CONFIG=1 tests/unit/config-keys-test";
}

// A row of the key table of docs/config.md that belongs to a core key (not a plugin's).
bool coreKeyRow(const std::string &row)
{
	if (row.rfind("| `", 0) != 0 || row.find("` | ") == std::string::npos)
		return false;
	std::string key = row.substr(3, row.find('`', 3) - 3);
	if (key.rfind("plugins.", 0) == 0 || key.rfind("registries.", 0) == 0)
		return false;
	return key.find('.') != std::string::npos || key == "version";
}

// docs/config.md has the row of every key as the table renders it, and no row of a core key
// the table does not have. TB_REGENERATE_CONFIG=1 rewrites those rows in place.
TEST(ConfigKeys, DocsTableIsTheGeneratedOne)
{
	ASSERT_FALSE(sourceRoot().empty()) << "TB_SOURCE_ROOT not set";
	std::string path = sourceRoot() + "/docs/config.md";
	std::string md = slurp(path);
	ASSERT_FALSE(md.empty());
	std::string rows = config::keysMarkdown();
	if (std::getenv("TB_REGENERATE_CONFIG")) {
		std::istringstream doc(md);
		std::string out;
		bool placed = false;
		for (std::string row; std::getline(doc, row);) {
			if (!coreKeyRow(row)) {
				out += row + "\n";
			} else if (!placed) {
				out += rows;
				placed = true;
			}
		}
		std::ofstream(path) << out;
		md = out;
	}
	std::set<std::string> generated;
	std::istringstream in(rows);
	for (std::string row; std::getline(in, row);) {
		generated.insert(row);
		EXPECT_NE(md.find("\n" + row + "\n"), std::string::npos)
			<< "docs/config.md lacks (or has another) row:\n"
			<< row;
	}
	std::istringstream doc(md);
	for (std::string row; std::getline(doc, row);)
		EXPECT_TRUE(!coreKeyRow(row) || generated.count(row))
			<< "docs/config.md row of no key: " << row;
}

} // namespace
} // namespace tb
