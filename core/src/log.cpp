// SPDX-License-Identifier: Apache-2.0
// Categorised logging to stderr with per-category levels.
#include "internal/log.h"

#include <cstdio>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tb::log {

namespace {

struct Rules {
	std::mutex mutex;
	LevelRules levels;
};

Rules &rules()
{
	static Rules r;
	return r;
}

const char *levelName(LogLevel l)
{
	switch (l) {
	case LogLevel::Debug:
		return "debug";
	case LogLevel::Info:
		return "info";
	case LogLevel::Warn:
		return "warn";
	case LogLevel::Error:
		return "error";
	}
	return "?";
}

bool matches(std::string_view pattern, std::string_view category)
{
	if (!pattern.empty() && pattern.back() == '*')
		return category.substr(0, pattern.size() - 1) ==
		       pattern.substr(0, pattern.size() - 1);
	return pattern == category;
}

// Category names are plugin URIs or core names; anything else is a typo that would match nothing.
bool validCategory(std::string_view cat)
{
	if (cat.empty())
		return false;
	if (cat.back() == '*')
		cat.remove_suffix(1);
	for (char c : cat)
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_'))
			return false;
	return true;
}

} // namespace

Result<LogLevel> parseLevel(std::string_view name)
{
	if (name == "debug")
		return LogLevel::Debug;
	if (name == "info")
		return LogLevel::Info;
	if (name == "warn" || name == "warning")
		return LogLevel::Warn;
	if (name == "error")
		return LogLevel::Error;
	return err(Errc::InvalidArgument, "unknown log level '" + std::string(name) +
						  "' (expected debug, info, warn or error)");
}

Result<LevelRules> parseLevels(std::string_view spec)
{
	LevelRules out;
	size_t pos = 0;
	while (pos <= spec.size()) {
		size_t comma = spec.find(',', pos);
		std::string_view item =
			spec.substr(pos, comma == std::string_view::npos ? spec.npos : comma - pos);
		pos = comma == std::string_view::npos ? spec.size() + 1 : comma + 1;
		if (item.empty())
			continue;
		size_t colon = item.rfind(':');
		std::string_view cat =
			colon == std::string_view::npos ? "*" : item.substr(0, colon);
		std::string_view lvl =
			colon == std::string_view::npos ? item : item.substr(colon + 1);
		if (!validCategory(cat))
			return err(Errc::InvalidArgument,
				   "invalid log category '" + std::string(cat) +
					   "' (expected *, loader, kind.name or a prefix ending in "
					   "'*')");
		LogLevel level = TB_TRY(parseLevel(lvl));
		if (cat == "*")
			out.fallback = level;
		else
			out.perCategory.emplace_back(std::string(cat), level);
	}
	return out;
}

void applyLevels(LevelRules parsed) noexcept
{
	auto &r = rules();
	std::lock_guard lock(r.mutex);
	r.levels = std::move(parsed);
}

Result<void> setLevels(std::string_view spec)
{
	applyLevels(TB_TRY(parseLevels(spec)));
	return {};
}

bool enabled(std::string_view category, LogLevel level) noexcept
{
	auto &r = rules();
	std::lock_guard lock(r.mutex);
	LogLevel min = r.levels.fallback;
	for (const auto &[pattern, l] : r.levels.perCategory)
		if (matches(pattern, category))
			min = l;
	return level >= min;
}

void write(std::string_view category, LogLevel level, std::string_view message) noexcept
{
	std::string line = "tb[" + std::string(category) + "] " + levelName(level) + ": " +
			   std::string(message) + "\n";
	std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace tb::log
