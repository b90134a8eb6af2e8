// SPDX-License-Identifier: Apache-2.0
// tb::Result / tb::Error: values, errors, context wrapping, TB_TRY.
#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

#include <tb/oci.h>
#include <tb/result.h>

namespace tb {
namespace {

Result<int> parsePositive(int v)
{
	if (v <= 0)
		return err(Errc::InvalidArgument,
			   "value " + std::to_string(v) + " is not positive");
	return v;
}

Result<int> doubled(int v)
{
	int x = TB_TRY(parsePositive(v));
	return 2 * x;
}

Result<int> doubledWithContext(int v)
{
	int x = TB_TRY_CTX(parsePositive(v), "doubling");
	return 2 * x;
}

Result<void> check(bool ok)
{
	if (!ok)
		return err(Errc::Conflict, "locked");
	return {};
}

TEST(Result, HoldsAValue)
{
	Result<std::string> r = std::string("x");
	ASSERT_TRUE(r);
	EXPECT_TRUE(r.has_value());
	EXPECT_EQ(*r, "x");
	EXPECT_EQ(r->size(), 1u);
	EXPECT_EQ(r.value_or("y"), "x");
}

TEST(Result, HoldsAnError)
{
	Result<int> r = err(Errc::NotFound, "image foo:1: not found");
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::NotFound);
	EXPECT_EQ(r.error().message, "image foo:1: not found");
	EXPECT_EQ(r.value_or(7), 7);
}

TEST(Result, TryPropagatesAndKeepsTheClass)
{
	EXPECT_EQ(*doubled(4), 8);
	auto e = doubled(-1);
	ASSERT_FALSE(e);
	EXPECT_EQ(e.error().code, Errc::InvalidArgument);
	EXPECT_EQ(e.error().message, "value -1 is not positive");
	auto c = doubledWithContext(0);
	EXPECT_EQ(c.error().message, "doubling: value 0 is not positive");
	EXPECT_EQ(c.error().code, Errc::InvalidArgument);
}

TEST(Result, WrapAddsContextOnTheWayUp)
{
	auto r = std::move(doubled(-2)).wrap("pulling x:1");
	EXPECT_EQ(r.error().message, "pulling x:1: value -2 is not positive");
	auto ok = std::move(doubled(2)).wrap("unused");
	EXPECT_EQ(*ok, 4);
	Error e{Errc::Io, "disk full"};
	EXPECT_EQ(e.wrap("writing /a").message, "writing /a: disk full");
	EXPECT_EQ(e.message, "disk full"); // const& wrap copies
}

TEST(Result, AndThenChains)
{
	auto r =
		doubled(3).and_then([](int v) -> Result<std::string> { return std::to_string(v); });
	EXPECT_EQ(*r, "6");
	auto e = doubled(-3).and_then(
		[](int v) -> Result<std::string> { return std::to_string(v); });
	EXPECT_EQ(e.error().code, Errc::InvalidArgument);
}

TEST(Result, VoidResult)
{
	EXPECT_TRUE(check(true));
	auto r = std::move(check(false)).wrap("extracting into /c");
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::Conflict);
	EXPECT_EQ(r.error().message, "extracting into /c: locked");
}

TEST(Result, ErrcNamesAreStable)
{
	EXPECT_EQ(static_cast<int>(Errc::Skip), 12);
	EXPECT_EQ(errcName(Errc::Skip), "skip");
	EXPECT_EQ(errcName(Errc::LimitExceeded), "limit-exceeded");
	EXPECT_EQ(errcName(static_cast<Errc>(999)), "unknown");
}

TEST(Guarded, PassesAValueThrough)
{
	auto r = guarded("who", [] { return Result<int>(7); });
	ASSERT_TRUE(r);
	EXPECT_EQ(*r, 7);
	auto e = guarded("who", [] { return parsePositive(-1); });
	ASSERT_FALSE(e);
	EXPECT_EQ(e.error().code, Errc::InvalidArgument);
	EXPECT_EQ(e.error().message, "value -1 is not positive");
}

TEST(Guarded, ExceptionBecomesInternal)
{
	auto r = guarded("cache.x", []() -> Result<int> { throw std::runtime_error("boom"); });
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::Internal);
	EXPECT_EQ(r.error().message, "cache.x: boom");
}

TEST(Guarded, BadAllocIsOutOfMemory)
{
	auto r = guarded("probe", []() -> Result<void> { throw std::bad_alloc(); });
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::Internal);
	EXPECT_EQ(r.error().message, "probe: out of memory");
}

TEST(Guarded, NonStandardException)
{
	auto r = guarded("probe", []() -> Result<int> { throw 42; });
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, Errc::Internal);
	EXPECT_EQ(r.error().message, "probe: non-standard exception");
}

TEST(Digest, ParsesAndRejects)
{
	auto d = Digest::parse("sha256:" + std::string(64, 'a'));
	ASSERT_TRUE(d);
	EXPECT_EQ(d->algorithm, "sha256");
	EXPECT_EQ(d->str(), "sha256:" + std::string(64, 'a'));
	EXPECT_EQ(Digest::parse("sha256:abc").error().message, "digest 'sha256:abc': wrong length");
	EXPECT_EQ(Digest::parse("nocolon").error().code, Errc::InvalidArgument);
	EXPECT_EQ(Digest::parse("md5:00").error().code, Errc::Unsupported);
	EXPECT_EQ(Digest::parse("sha256:" + std::string(64, 'A')).error().message,
		  "digest 'sha256:" + std::string(64, 'A') + "': not lower-case hex");
}

} // namespace
} // namespace tb
