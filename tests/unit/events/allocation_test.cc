// A warm EventParser must not allocate per event (hot path: one parse per consumed record).
// The binary counts allocations (support/allocation_counter.h); the count is only read
// around the measured loop, so the other tests in the binary are unaffected.
#include <gtest/gtest.h>

#include "support/allocation_counter.h"

#include <string>
#include <vector>

#include "events/parser.h"
#include "sample_event.h"

namespace hookd::events {
namespace {

TEST(EventParserAllocations, NoneOnceWarm) {
  std::vector<std::string> inputs = {std::string(testing::kTodoCreated),
                                     R"({"id":"e","event":"E","occurredAt":"2022-12-01T11:23:09Z","company":{"id":"c"}})",
                                     "{\"broken\":", "[1,2,3]"};
  std::string many_keys = R"({"id":"e","event":"E","occurredAt":"2022-12-01T11:23:09Z","company":{"id":"c"})";
  for (int i = 0; i < 100; ++i) many_keys += ",\"k" + std::to_string(i) + "\":[" + std::to_string(i) + "]";
  inputs.push_back(many_keys + "}");

  const long cold = test_support::allocations();
  EventParser parser(1024 * 1024);
  Event event;
  for (const auto& input : inputs) (void)parser.parse(input, event);  // warm up: buffers grow here
  ASSERT_GT(test_support::allocations(), cold);  // the counter does see this code's allocations

  const long before = test_support::allocations();
  int valid = 0;
  for (int round = 0; round < 100; ++round) {
    for (const auto& input : inputs) valid += parser.parse(input, event) ? 0 : 1;
  }
  EXPECT_EQ(test_support::allocations() - before, 0);
  EXPECT_EQ(valid, 300);
}

}  // namespace
}  // namespace hookd::events
