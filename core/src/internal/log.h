// SPDX-License-Identifier: Apache-2.0
// Categorised logging to stderr; levels per category from TB_LOG_LEVELS ("loader:debug,*:warn").
#pragma once

#include <sstream>
#include <string>
#include <string_view>

#include <tb/host.h>
#include <tb/result.h>

namespace tb::log {

/// \brief Parse and install a level spec. Later calls replace earlier ones.
/// \return Errc::InvalidArgument naming the bad item
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
	for (bool tbLogOn_ = ::tb::log::enabled(category, ::tb::LogLevel::level); tbLogOn_;         \
	     tbLogOn_ = false)                                                                     \
	::tb::log::Line(category, ::tb::LogLevel::level)
