// Result<T> and TRY: values and errors travel as declared; misuse panics with a message.
#include "kernel/lib/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace glass {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error::kInvalidArgument;
  return c - '0';
}

Result<int> sum_two(char a, char b) {
  int x = TRY(parse_digit(a));
  int y = TRY(parse_digit(b));
  return x + y;
}

Result<void> check_positive(int v) {
  if (v <= 0) return Error::kInvalidArgument;
  return {};
}

Result<int> doubled_if_positive(int v) {
  TRY(check_positive(v));
  return 2 * v;
}

TEST(Result, CarriesValueOrError) {
  auto ok = parse_digit('7');
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(ok.value(), 7);
  auto bad = parse_digit('x');
  ASSERT_TRUE(bad.is_error());
  EXPECT_EQ(bad.error(), Error::kInvalidArgument);
}

TEST(Result, TryPropagatesFirstError) {
  EXPECT_EQ(sum_two('3', '4').value(), 7);
  EXPECT_EQ(sum_two('3', 'z').error(), Error::kInvalidArgument);
  EXPECT_EQ(sum_two('q', '4').error(), Error::kInvalidArgument);
}

TEST(Result, VoidResultWorksWithTry) {
  EXPECT_EQ(doubled_if_positive(5).value(), 10);
  EXPECT_EQ(doubled_if_positive(-1).error(), Error::kInvalidArgument);
}

TEST(Result, HoldsMoveOnlyValues) {
  auto make = []() -> Result<std::unique_ptr<int>> { return std::make_unique<int>(42); };
  auto r = make();
  std::unique_ptr<int> p = r.release_value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 42);
}

TEST(Result, DestroysHeldValueExactlyOnce) {
  static int destroyed = 0;
  struct Counted {
    Counted() = default;
    Counted(Counted&&) noexcept {}
    ~Counted() { ++destroyed; }
  };
  destroyed = 0;
  {
    Result<Counted> r{Counted{}};  // temporary destroyed: 1
    EXPECT_EQ(destroyed, 1);
  }
  EXPECT_EQ(destroyed, 2);
  { Result<Counted> e{Error::kNotFound}; }
  EXPECT_EQ(destroyed, 2);
}

TEST(ResultDeathTest, ValueOnErrorPanicsWithMessage) {
  auto bad = parse_digit('x');
  EXPECT_DEATH((void)bad.value(), "PANIC: Result::value\\(\\) on an error");
}

TEST(ResultDeathTest, ErrorOnValuePanics) {
  auto ok = parse_digit('1');
  EXPECT_DEATH((void)ok.error(), "PANIC: Result::error\\(\\) on a value");
}

TEST(Result, ErrorNamesAreDistinct) {
  EXPECT_STREQ(error_name(Error::kOutOfMemory), "out of memory");
  EXPECT_STRNE(error_name(Error::kNotFound), error_name(Error::kBusy));
}

}  // namespace
}  // namespace glass
