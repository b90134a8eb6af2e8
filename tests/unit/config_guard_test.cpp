// SPDX-License-Identifier: Apache-2.0
// Config text that would make the TOML parser recurse too deep is refused before parsing,
// with file:line:column; ordinary files (quoted dots, floats, brackets in strings) pass.
#include <gtest/gtest.h>

#include "internal/config.h"
#include "internal/config_guard.h"

namespace tb {
namespace {

std::string dotted(int parts)
{
	std::string s = "a";
	for (int i = 1; i < parts; ++i)
		s += ".a";
	return s;
}

std::string guardError(const std::string &text)
{
	auto r = parseConfig(text, "f.toml");
	EXPECT_FALSE(r);
	return r ? "" : r.error().message;
}

TEST(ConfigGuard, HugeDottedTableHeaderIsRefusedNotACrash)
{
	EXPECT_EQ(guardError("version = 1\n[" + dotted(50000) + "]\n"),
		  "f.toml:2:2: table header has more than 64 dotted parts");
	EXPECT_EQ(guardError("[[" + dotted(50000) + "]]\n"),
		  "f.toml:1:3: table header has more than 64 dotted parts");
}

TEST(ConfigGuard, HugeDottedKeyIsRefused)
{
	EXPECT_EQ(guardError("[runtime]\n  " + dotted(50000) + " = 1\n"),
		  "f.toml:2:3: key has more than 64 dotted parts");
	EXPECT_EQ(guardError("x = { " + dotted(50000) + " = 1 }\n"),
		  "f.toml:1:7: key has more than 64 dotted parts");
	EXPECT_EQ(guardError("x = [1, { y = 2, " + dotted(65) + " = 1 }]\n"),
		  "f.toml:1:18: key has more than 64 dotted parts");
}

TEST(ConfigGuard, DeepNestingIsRefused)
{
	EXPECT_EQ(guardError("x = " + std::string(100000, '[') + std::string(100000, ']') + "\n"),
		  "f.toml:1:69: arrays and inline tables nest deeper than 64 levels");
	std::string inl;
	for (int i = 0; i < 1000; ++i)
		inl += "{a=";
	EXPECT_EQ(guardError("\n\nx = " + inl + "1\n"),
		  "f.toml:3:197: arrays and inline tables nest deeper than 64 levels");
	EXPECT_EQ(guardError("x = [\n" + std::string(65, '[') + "\n]\n"),
		  "f.toml:2:64: arrays and inline tables nest deeper than 64 levels");
}

TEST(ConfigGuard, OrdinaryShapesPass)
{
	auto ok = [](const std::string &text) {
		auto r = checkConfigShape(text, "f.toml");
		EXPECT_TRUE(r) << text.substr(0, 200) << "\n" << (r ? "" : r.error().message);
	};
	ok("[" + dotted(64) + "]\n" + dotted(64) + " = 1\n");
	ok("[registries.\"" + dotted(500) + "\"]\n'" + dotted(500) + "' = 1\n");
	std::string floats = "x = [";
	for (int i = 0; i < 500; ++i)
		floats += "1.5, ";
	ok(floats + "2.5]\n");
	ok("x = \"\"\"" + std::string(500, '[') + "\n" + dotted(500) + "\"\"\"\n");
	ok("x = '''" + std::string(500, '{') + "'''\n");
	ok("# " + dotted(500) + " [[[[[[\n");
	ok("x = \"a\\\"" + std::string(500, '[') + "\"\n");
	ok("x = " + std::string(64, '[') + std::string(64, ']') + "\n");
	ok(std::string(defaultConfigText()));
	// Nesting is per value: many shallow arrays are fine.
	std::string many;
	for (int i = 0; i < 1000; ++i)
		many += "k" + std::to_string(i) + " = [[1], [2]]\n";
	ok(many);
}

TEST(ConfigGuard, TheDefaultConfigStillParses)
{
	auto r = parseConfig(defaultConfigText(), "nvbind.toml");
	EXPECT_TRUE(r) << r.error().message;
}

} // namespace
} // namespace tb
