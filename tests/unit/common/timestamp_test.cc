#include "common/timestamp.h"

#include <gtest/gtest.h>

#include <ctime>
#include <random>

namespace hookd {
namespace {

// What the C library says, for comparison.
std::string reference(std::int64_t unix_ms) {
  const auto secs = static_cast<std::time_t>(unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000);
  const auto ms = static_cast<int>(unix_ms - static_cast<std::int64_t>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(n), buf, ms);
  return out;
}

TEST(Rfc3339Ms, WritesKnownMoments) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(1'700'000'000'250), "2023-11-14T22:13:20.250Z");
  EXPECT_EQ(format_rfc3339_ms(1'709'164'800'007), "2024-02-29T00:00:00.007Z");  // a leap day
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");  // before the epoch: floored
}

TEST(Rfc3339Ms, AgreesWithTheCLibraryOverFourCenturies) {
  std::mt19937_64 random(42);
  std::uniform_int_distribution<std::int64_t> moment(-2'208'988'800'000, 10'413'792'000'000);  // 1900 to 2300
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t at = moment(random);
    ASSERT_EQ(format_rfc3339_ms(at), reference(at)) << at;
  }
}

TEST(Rfc3339Ms, ATimeOutsideYearsZeroTo9999IsWrittenAsTheNearestEndOfThatRange) {
  EXPECT_EQ(format_rfc3339_ms(INT64_MIN), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(INT64_MAX), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace hookd
