// A warm EventParser must not allocate per event (hot path: one parse per consumed record).
// This binary replaces the global operator new to count allocations; the count is only read
// around the measured loop, so the other tests in the binary are unaffected.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "events/parser.h"
#include "sample_event.h"

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

namespace hookd::events {
namespace {

TEST(EventParserAllocations, NoneOnceWarm) {
  std::vector<std::string> inputs = {std::string(testing::kTodoCreated),
                                     R"({"id":"e","event":"E","occurredAt":"2022-12-01T11:23:09Z","company":{"id":"c"}})",
                                     "{\"broken\":", "[1,2,3]"};
  std::string many_keys = R"({"id":"e","event":"E","occurredAt":"2022-12-01T11:23:09Z","company":{"id":"c"})";
  for (int i = 0; i < 100; ++i) many_keys += ",\"k" + std::to_string(i) + "\":[" + std::to_string(i) + "]";
  inputs.push_back(many_keys + "}");

  const long cold = g_allocations.load();
  EventParser parser(1024 * 1024);
  Event event;
  for (const auto& input : inputs) (void)parser.parse(input, event);  // warm up: buffers grow here
  ASSERT_GT(g_allocations.load(), cold);  // the counter does see this code's allocations

  const long before = g_allocations.load();
  int valid = 0;
  for (int round = 0; round < 100; ++round) {
    for (const auto& input : inputs) valid += parser.parse(input, event) ? 0 : 1;
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(valid, 300);
}

}  // namespace
}  // namespace hookd::events
