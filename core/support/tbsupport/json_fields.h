// SPDX-License-Identifier: Apache-2.0
// Small non-throwing Boost.JSON accessors (internal: never in the SDK headers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include <tb/result.h>

namespace tb::support {

/// \brief Parse JSON without exceptions; Errc::Corrupt on malformed text.
inline Result<boost::json::value> parseJson(std::string_view text)
{
	boost::system::error_code ec;
	boost::json::value v = boost::json::parse(text, ec);
	if (ec)
		return err(Errc::Corrupt, "malformed JSON: " + ec.message());
	return v;
}

inline std::optional<std::string> stringField(const boost::json::object &o, std::string_view key)
{
	const boost::json::value *v = o.if_contains(key);
	if (!v || !v->is_string())
		return std::nullopt;
	return std::string(v->get_string());
}

inline std::optional<int64_t> intField(const boost::json::object &o, std::string_view key)
{
	const boost::json::value *v = o.if_contains(key);
	if (!v)
		return std::nullopt;
	if (v->is_int64())
		return v->get_int64();
	if (v->is_uint64() && v->get_uint64() <= INT64_MAX)
		return static_cast<int64_t>(v->get_uint64());
	if (v->is_string()) { // labels and old tools write numbers as strings
		try {
			size_t used = 0;
			int64_t n = std::stoll(std::string(v->get_string()), &used);
			if (used == v->get_string().size())
				return n;
		} catch (...) {
		}
	}
	return std::nullopt;
}

/// \brief A string, or an integer rendered in decimal (Triton's CUDA arch is an int).
inline std::optional<std::string> scalarString(const boost::json::value *v)
{
	if (!v)
		return std::nullopt;
	if (v->is_string())
		return std::string(v->get_string());
	if (v->is_int64())
		return std::to_string(v->get_int64());
	if (v->is_uint64())
		return std::to_string(v->get_uint64());
	return std::nullopt;
}

} // namespace tb::support
