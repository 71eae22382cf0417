// Cross-checks EventParser's "is this JSON" verdict against an independent reader
// (Boost.JSON, header-only) on thousands of deterministic mutations of the seed event.
#include <boost/json/src.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "events/parser.h"
#include "sample_event.h"

namespace hookd::events {
namespace {

TEST(EventParserMutations, AgreesWithAnIndependentJsonReader) {
  EventParser parser(1024 * 1024);
  Event event;
  std::uint64_t state = 0x9e3779b97f4a7c15ull;  // fixed seed: the test is deterministic
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  constexpr std::string_view kReplacements = "{}[],:\"\\ tfnu0-.eE+1";
  int accepted = 0, not_json = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string input(testing::kTodoCreated);
    for (int edits = 1 + static_cast<int>(next() % 2); edits > 0; --edits) {
      const std::size_t at = next() % input.size();
      if (next() % 3 == 0) input.erase(at, 1);
      else input[at] = kReplacements[next() % kReplacements.size()];
    }
    const auto reason = parser.parse(input, event);
    if (reason == InvalidReason::invalid_utf8) continue;
    boost::system::error_code ec;
    const boost::json::value reference = boost::json::parse(input, ec);
    if (reason == InvalidReason::not_json) {
      ++not_json;
      EXPECT_TRUE(ec) << "hookd refused valid JSON: " << input;
    } else {
      ++accepted;
      EXPECT_FALSE(ec) << "hookd accepted invalid JSON (" << (reason ? to_string(*reason) : "valid") << "): " << input;
      if (!reason) {
        EXPECT_TRUE(reference.is_object());
      }
    }
  }
  // Both verdicts must actually occur, or the test proves nothing.
  EXPECT_GT(accepted, 500);
  EXPECT_GT(not_json, 500);
}

}  // namespace
}  // namespace hookd::events
