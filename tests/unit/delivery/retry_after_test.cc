// parse_retry_after: both forms of RFC 9110's Retry-After, the obsolete date forms, and
// everything an untrusted server might send instead.
#include "delivery/retry_after.h"

#include <gtest/gtest.h>

namespace hookd::delivery {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// Sun, 06 Nov 1994 08:49:37 GMT, the RFC's own example date.
const system_clock::time_point example_date = sys_days{1994y / November / 6} + 8h + 49min + 37s;
// A fixed "now" an hour and a half before it.
const system_clock::time_point now = example_date - 90min;

std::optional<seconds> parse(std::string_view value, system_clock::time_point at = now) {
  return parse_retry_after(value, at);
}

TEST(RetryAfter, DeltaSeconds) {
  EXPECT_EQ(parse("0"), 0s);
  EXPECT_EQ(parse("1"), 1s);
  EXPECT_EQ(parse("120"), 120s);
  EXPECT_EQ(parse("007"), 7s);
  EXPECT_EQ(parse("  120\t"), 120s) << "surrounding whitespace is allowed";
}

TEST(RetryAfter, DeltaSecondsAreCappedAtOneDay) {
  EXPECT_EQ(parse("86400"), max_retry_after);
  EXPECT_EQ(parse("86401"), max_retry_after);
  EXPECT_EQ(parse("99999999999999999999999999999999"), max_retry_after) << "no overflow";
  EXPECT_EQ(max_retry_after, 24h);
}

TEST(RetryAfter, ImfFixdate) {
  EXPECT_EQ(parse("Sun, 06 Nov 1994 08:49:37 GMT"), 90min);
  EXPECT_EQ(parse("Sun, 06 Nov 1994 08:49:37 GMT", example_date - 1s), 1s);
  EXPECT_EQ(parse("Mon, 07 Nov 1994 07:19:36 GMT"), 24h - 1s) << "just under the cap";
  EXPECT_EQ(parse("Mon, 07 Nov 1994 08:49:36 GMT"), max_retry_after);
  EXPECT_EQ(parse("Wed, 01 Jan 2025 00:00:00 GMT", sys_days{2024y / December / 31} + 23h + 59min), 60s);
  EXPECT_EQ(parse("Thu, 29 Feb 2024 12:00:00 GMT", sys_days{2024y / February / 29} + 11h), 1h) << "leap day";
}

TEST(RetryAfter, DatesRoundUpToAWholeSecond) {
  EXPECT_EQ(parse("Sun, 06 Nov 1994 08:49:37 GMT", example_date - 1500ms), 2s);
  EXPECT_EQ(parse("Sun, 06 Nov 1994 08:49:37 GMT", example_date - 1ms), 1s);
}

TEST(RetryAfter, DateInThePastOrNowIsZero) {
  EXPECT_EQ(parse("Sun, 06 Nov 1994 08:49:37 GMT", example_date), 0s);
  EXPECT_EQ(parse("Sun, 06 Nov 1994 08:49:37 GMT", example_date + 1ms), 0s);
  EXPECT_EQ(parse("Thu, 01 Jan 1970 00:00:00 GMT", example_date), 0s);
}

TEST(RetryAfter, DateFarInTheFutureIsCapped) {
  EXPECT_EQ(parse("Fri, 31 Dec 9999 23:59:59 GMT"), max_retry_after) << "beyond system_clock's range";
}

TEST(RetryAfter, DateCenturiesAgoIsZero) {
  EXPECT_EQ(parse("Mon, 01 Jan 0001 00:00:00 GMT"), 0s) << "beyond system_clock's range";
}

TEST(RetryAfter, ObsoleteRfc850Date) {
  EXPECT_EQ(parse("Sunday, 06-Nov-94 08:49:37 GMT"), 90min);
  // Two-digit years more than 50 years ahead are in the past century (RFC 9110 5.6.7).
  const auto in_2024 = sys_days{2024y / June / 1} + 0h;
  EXPECT_EQ(parse("Saturday, 01-Jun-24 00:00:30 GMT", in_2024), 30s) << "24 is 2024";
  EXPECT_EQ(parse("Monday, 01-Jun-70 00:00:00 GMT", in_2024), 24h) << "70 is 2070: within 50 years, capped";
  EXPECT_EQ(parse("Sunday, 01-Jun-80 00:00:00 GMT", in_2024), 0s) << "80 is 1980, not 2080";
}

TEST(RetryAfter, ObsoleteAsctimeDate) {
  EXPECT_EQ(parse("Sun Nov  6 08:49:37 1994"), 90min);
  EXPECT_EQ(parse("Sun Nov 06 08:49:37 1994"), 90min) << "two-digit day tolerated";
  EXPECT_EQ(parse("Tue Nov 15 08:49:37 1994", example_date + 9 * 24h - 1min), 1min);
}

TEST(RetryAfter, NamesAreAcceptedInAnyCase) {
  EXPECT_EQ(parse("sun, 06 nov 1994 08:49:37 gmt"), 90min);
}

TEST(RetryAfter, LeapSecondIsAccepted) {
  EXPECT_EQ(parse("Sat, 31 Dec 2016 23:59:60 GMT", sys_days{2016y / December / 31} + 23h + 59min), 60s);
}

TEST(RetryAfter, AnythingElseIsIgnored) {
  for (const std::string_view value : {
           "",
           "   ",
           "-1",
           "+5",
           "1.5",
           "12s",
           "120, 60",
           "1 20",
           "0x10",
           "soon",
           "Sun, 06 Nov 1994 08:49:37",            // no zone
           "Sun, 06 Nov 1994 08:49:37 UTC",        // not GMT
           "Sun, 06 Nov 1994 08:49:37 GMT+1",      // trailing bytes
           "Sun, 6 Nov 1994 08:49:37 GMT",         // one-digit day in IMF-fixdate
           "Sun, 06 Nov 94 08:49:37 GMT",          // two-digit year in IMF-fixdate
           "Sun, 31 Feb 1994 08:49:37 GMT",        // no such day
           "Sun, 00 Nov 1994 08:49:37 GMT",
           "Sun, 06 Foo 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 24:00:00 GMT",
           "Sun, 06 Nov 1994 08:60:00 GMT",
           "Sun, 06 Nov 1994 08:49:61 GMT",
           "Sun, 06 Nov 1994 8:49:37 GMT",
           "Sun 06 Nov 1994 08:49:37 GMT",         // missing comma
           "Sunday, 06-Nov-1994 08:49:37 GMT",     // four-digit year in RFC 850
           "Sunday, 06 Nov 94 08:49:37 GMT",
           "Sun Nov 6 08:49:37 1994",              // asctime needs two columns for the day
           "Sun Nov  6 08:49:37 94",
           "Xyz, 06 Nov 1994 08:49:37 GMT",
           "2024-06-01T00:00:00Z",
       }) {
    EXPECT_EQ(parse(value), std::nullopt) << '"' << value << '"';
  }
}

TEST(RetryAfter, NonAsciiBytesAreIgnored) {
  const std::string value = "\xff\xfe" "120";
  EXPECT_EQ(parse(value), std::nullopt);
  EXPECT_EQ(parse(std::string_view("12\0" "0", 4)), std::nullopt);
}

}  // namespace
}  // namespace hookd::delivery
