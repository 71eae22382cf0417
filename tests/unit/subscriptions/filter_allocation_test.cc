// A warm EventDocument evaluates filters without allocating (hot path: once per event with a
// filtered candidate). This binary replaces the global operator new to count allocations; the
// count is only read around the measured loop, so the other tests in the binary are unaffected.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "filter_cases.h"

// g++ 12 flags free() of memory from the replaced operator new as mismatched once it inlines
// these replacements into the standard allocator; they are a matched malloc/free pair.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

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
  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(run(), expected);
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace hookd::subscriptions
