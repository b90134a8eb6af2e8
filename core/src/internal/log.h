// SPDX-License-Identifier: Apache-2.0
// Categorised logging to stderr; levels per category from TB_LOG_LEVELS ("loader:debug,*:warn").
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tb/host.h>
#include <tb/result.h>

namespace tb::log {

/// \brief A parsed level spec: the level for "*" and per-category overrides (last match wins).
struct LevelRules {
	LogLevel fallback = LogLevel::Warn;
	std::vector<std::pair<std::string, LogLevel>> perCategory; ///< exact or prefix ("probe.*")
};

/// \brief Parse "category:level,..." without installing it (config validation uses this).
/// Categories: "*", "loader", "kind.name", or a prefix ending in '*' ("probe.*").
/// \return Errc::InvalidArgument naming the bad item, without the spec or its source
Result<LevelRules> parseLevels(std::string_view spec);
/// \brief Install parsed rules. Later calls replace earlier ones.
void applyLevels(LevelRules rules) noexcept;
/// \brief Parse and install; errors are those of parseLevels.
Result<void> setLevels(std::string_view spec);
bool enabled(std::string_view category, LogLevel level) noexcept;
void write(std::string_view category, LogLevel level, std::string_view message) noexcept;
/// \brief Parse "debug|info|warn|error".
Result<LogLevel> parseLevel(std::string_view name);

/// \brief Collects one message and writes it on destruction.
class Line {
public:
	Line(std::string_view category, LogLevel level) : category_(category), level_(level) {}
	~Line() { write(category_, level_, stream_.str()); }
	template<typename T>
	Line &operator<<(const T &v)
	{
		stream_ << v;
		return *this;
	}

private:
	std::string_view category_;
	LogLevel level_;
	std::ostringstream stream_;
};

} // namespace tb::log

/// TB_LOG("loader", Warn) << "message";  (formatting only runs when the level is enabled;
/// a for-statement, unlike an if, is safe inside an unbraced if/else)
#define TB_LOG(category, level)                                                                    \
	for (bool tbLogOn_ = ::tb::log::enabled(category, ::tb::LogLevel::level); tbLogOn_;        \
	     tbLogOn_ = false)                                                                     \
	::tb::log::Line(category, ::tb::LogLevel::level)
