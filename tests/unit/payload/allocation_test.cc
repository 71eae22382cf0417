// build_body into a recycled string must not allocate (one body per matched webhook).
#include <gtest/gtest.h>

#include "support/allocation_counter.h"

#include <string>

#include "../events/sample_event.h"
#include "events/parser.h"
#include "payload/body.h"

namespace hookd::payload {
namespace {

TEST(BuildBodyAllocations, NoneIntoARecycledString) {
  events::EventParser parser(1024 * 1024);
  events::Event event;
  ASSERT_EQ(parser.parse(events::testing::kTodoCreated, event), std::nullopt);
  std::string body;
  const long cold = test_support::allocations();
  build_body(event, R"({"id":"w","url":"https://hooks.example.com/blue"})", body);
  ASSERT_EQ(test_support::allocations() - cold, 1);  // the single reserve

  const long before = test_support::allocations();
  for (int i = 0; i < 100; ++i) build_body(event, R"({"id":"w","url":"https://hooks.example.com/x"})", body);
  EXPECT_EQ(test_support::allocations() - before, 0);
}

}  // namespace
}  // namespace hookd::payload
