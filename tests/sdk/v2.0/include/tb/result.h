// SPDX-License-Identifier: Apache-2.0
// tb::Result<T> and tb::Error: errors as values, shared by the core and every plugin.
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace tb {

/// \brief Stable error classes. Values never change; new ones are appended.
enum class Errc : int32_t {
	InvalidArgument = 1, ///< bad input from the caller or the user
	NotFound = 2,        ///< a file, image, blob, key or plugin does not exist
	PermissionDenied = 3,
	Unavailable = 4, ///< a peer or resource is (temporarily) not reachable
	Unsupported = 5, ///< valid, but this build or host cannot do it
	Protocol = 6,    ///< a peer answered something the protocol does not allow
	Corrupt = 7,     ///< data failed verification (digest, size, format, hostile content)
	Io = 8,          ///< the operating system refused a read or write
	Timeout = 9,
	Conflict = 10, ///< already exists, locked, or changed under us
	Internal = 11, ///< a bug in tb or a plugin (e.g. an exception escaped)
	Skip = 12,     ///< "not applicable on this host": a plugin declines, this is no failure
	NotImplemented = 13,
	LimitExceeded = 14, ///< a configured cap was hit (size, count, ratio, depth)
	Cancelled = 15,     ///< the user or the caller cancelled (host service tb.cancel)
};

/// \brief Short stable name of an error class ("not-found"), for JSON and logs.
constexpr std::string_view errcName(Errc c) noexcept
{
	switch (c) {
	case Errc::InvalidArgument:
		return "invalid-argument";
	case Errc::NotFound:
		return "not-found";
	case Errc::PermissionDenied:
		return "permission-denied";
	case Errc::Unavailable:
		return "unavailable";
	case Errc::Unsupported:
		return "unsupported";
	case Errc::Protocol:
		return "protocol";
	case Errc::Corrupt:
		return "corrupt";
	case Errc::Io:
		return "io";
	case Errc::Timeout:
		return "timeout";
	case Errc::Conflict:
		return "conflict";
	case Errc::Internal:
		return "internal";
	case Errc::Skip:
		return "skip";
	case Errc::NotImplemented:
		return "not-implemented";
	case Errc::LimitExceeded:
		return "limit-exceeded";
	case Errc::Cancelled:
		return "cancelled";
	}
	return "unknown";
}

/// \brief An error class plus a one-line message that names the failing object.
struct Error {
	Errc code = Errc::Internal;
	std::string message;

	/// \brief Prefix context ("pulling x: " + message), keeping the class.
	[[nodiscard]] Error wrap(std::string_view context) const &
	{
		return Error{code, std::string(context) + ": " + message};
	}
	[[nodiscard]] Error wrap(std::string_view context) &&
	{
		message.insert(0, std::string(context) + ": ");
		return std::move(*this);
	}
};

/// \brief Marks an Error as the failure alternative (like std::unexpected).
template<typename E>
struct Unexpected {
	E value;
};

inline Unexpected<Error> unexpected(Error e)
{
	return {std::move(e)};
}

/// \brief Build a failure: `return tb::err(Errc::NotFound, "no image " + ref);`
inline Unexpected<Error> err(Errc code, std::string message)
{
	return {Error{code, std::move(message)}};
}

/// \brief A value or an Error. Source-compatible with the std::expected subset we use.
template<typename T>
class [[nodiscard]] Result {
public:
	using value_type = T;

	template<typename U = T,
		 typename = std::enable_if_t<std::is_constructible_v<T, U &&> &&
					     !std::is_same_v<std::decay_t<U>, Result>>>
	Result(U &&v) : v_(std::in_place_index<0>, std::forward<U>(v))
	{
	}
	Result(Unexpected<Error> e) : v_(std::in_place_index<1>, std::move(e.value)) {}

	bool has_value() const noexcept { return v_.index() == 0; }
	explicit operator bool() const noexcept { return has_value(); }

	T &value() & { return std::get<0>(v_); }
	const T &value() const & { return std::get<0>(v_); }
	T &&value() && { return std::get<0>(std::move(v_)); }
	T &operator*() & { return value(); }
	const T &operator*() const & { return value(); }
	T &&operator*() && { return std::move(*this).value(); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }

	const Error &error() const & { return std::get<1>(v_); }
	Error &&error() && { return std::get<1>(std::move(v_)); }

	template<typename U>
	T value_or(U &&fallback) const &
	{
		return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
	}

	/// \brief Call f(value) when there is one, else pass the error on.
	template<typename F>
	auto and_then(F &&f) &&
	{
		using R = std::invoke_result_t<F, T &&>;
		if (!has_value())
			return R(Unexpected<Error>{std::move(*this).error()});
		return std::forward<F>(f)(std::move(*this).value());
	}

	/// \brief Add context to the error, if any.
	Result wrap(std::string_view context) &&
	{
		if (!has_value())
			return Unexpected<Error>{std::move(*this).error().wrap(context)};
		return std::move(*this);
	}

private:
	std::variant<T, Error> v_;
};

template<>
class [[nodiscard]] Result<void> {
public:
	using value_type = void;

	Result() = default;
	Result(Unexpected<Error> e) : e_(std::move(e.value)), ok_(false) {}

	bool has_value() const noexcept { return ok_; }
	explicit operator bool() const noexcept { return ok_; }
	void value() const {}
	const Error &error() const & { return e_; }
	Error &&error() && { return std::move(e_); }

	template<typename F>
	auto and_then(F &&f) &&
	{
		using R = std::invoke_result_t<F>;
		if (!ok_)
			return R(Unexpected<Error>{std::move(e_)});
		return std::forward<F>(f)();
	}

	Result wrap(std::string_view context) &&
	{
		if (!ok_)
			e_ = std::move(e_).wrap(context);
		return std::move(*this);
	}

private:
	Error e_;
	bool ok_ = true;
};

namespace detail {

// Names the exception being handled; call only inside a catch block. `nonStandard` is the whole
// message for anything not derived from std::exception (it has no what() to quote).
inline std::string describeCurrentException(std::string_view who, std::string_view nonStandard)
{
	try {
		throw;
	} catch (const std::bad_alloc &) {
		return std::string(who) + ": out of memory";
	} catch (const std::exception &e) {
		return std::string(who) + ": " + e.what();
	} catch (...) {
		return std::string(nonStandard);
	}
}

} // namespace detail

/// \brief Run fn() and turn any exception into Errc::Internal "who: what", so that nothing
/// escapes a noexcept plugin method: `return tb::guarded("cache.plain", [&] { return run(); });`
template<typename Fn>
auto guarded(std::string_view who, Fn &&fn) noexcept -> decltype(std::forward<Fn>(fn)())
{
	try {
		return std::forward<Fn>(fn)();
	} catch (...) {
		return err(Errc::Internal,
			   detail::describeCurrentException(
				   who, std::string(who) + ": non-standard exception"));
	}
}

} // namespace tb

/// \brief Evaluate a Result expression; on error return it (GNU statement expression).
#define TB_TRY(expr)                                                                               \
	({                                                                                         \
		auto &&tbTryResult_ = (expr);                                                      \
		if (!tbTryResult_)                                                                 \
			return ::tb::unexpected(std::move(tbTryResult_).error());                  \
		std::move(tbTryResult_).value();                                                   \
	})

/// \brief Like TB_TRY, adding context to the error on the way up.
#define TB_TRY_CTX(expr, ctx)                                                                      \
	({                                                                                         \
		auto &&tbTryResult_ = (expr);                                                      \
		if (!tbTryResult_)                                                                 \
			return ::tb::unexpected(std::move(tbTryResult_).error().wrap(ctx));        \
		std::move(tbTryResult_).value();                                                   \
	})
