#include "common/units.h"

#include <gtest/gtest.h>

namespace hookd {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("7s"), milliseconds(7000));
  EXPECT_EQ(parse_duration("5m"), milliseconds(300000));
  EXPECT_EQ(parse_duration("2h"), milliseconds(7200000));
}

TEST(ParseDuration, RefusesMalformed) {
  for (auto bad : {"", "s", "7", "7 s", "-1s", "1.5s", "7sec", "7S", "s7", "99999999999999999999s"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(ParseSize, AcceptsUnits) {
  EXPECT_EQ(parse_size("64KiB"), 65536u);
  EXPECT_EQ(parse_size("1MiB"), 1048576u);
  EXPECT_EQ(parse_size("100"), 100u);
  EXPECT_EQ(parse_size("100B"), 100u);
}

TEST(ParseSize, RefusesMalformed) {
  for (auto bad : {"", "KiB", "1KB", "1 KiB", "-1", "1.5MiB", "1kib"}) {
    EXPECT_FALSE(parse_size(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace hookd
