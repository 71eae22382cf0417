// A warm EventDocument evaluates filters without allocating (hot path: once per event with a
// filtered candidate). This binary counts allocations (support/allocation_counter.h); the
// count is only read around the measured loop, so the other tests in the binary are unaffected.
#include <gtest/gtest.h>

#include "support/allocation_counter.h"

#include <string>
#include <vector>

#include "filter_cases.h"

namespace hookd::subscriptions {
namespace {

TEST(FilterAllocations, NoneOnceWarm) {
  std::vector<std::shared_ptr<const Filter>> filters;
  for (const char* text : {R"({"currentValue.done": true, "previousValue.done": false})",
                           R"({"currentValue.todoTags.title": {"$in": ["urgent", "x"]}, "user.id": {"$neq": "u9"}})",
                           R"({"$or": [{"currentValue.note": "café"}, {"currentValue.title": {"$regex": "login"}}]})",
                           R"({"currentValue.big": {"$gt": 1}, "currentValue.missing": {"$exist": false},
                               "currentValue.titled": "escaped key", "currentValue.escaped": "a\"b"})"}) {
    filters.push_back(testing::compiled(text));
    ASSERT_NE(filters.back(), nullptr);
  }
  events::EventParser parser(1 << 20);
  events::Event event;
  ASSERT_FALSE(parser.parse(testing::kTodoUpdated, event).has_value());
  EventDocument document;
  auto run = [&] {
    int held = 0;
    document.reset(event);
    for (const auto& filter : filters) held += filter->matches(document) ? 1 : 0;
    return held;
  };
  const int expected = run();  // warms every buffer
  EXPECT_EQ(expected, 4);
  const long before = test_support::allocations();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(run(), expected);
  EXPECT_EQ(test_support::allocations() - before, 0);
}

}  // namespace
}  // namespace hookd::subscriptions
