// build_body into a recycled string must not allocate (one body per matched webhook).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "../events/sample_event.h"
#include "events/parser.h"
#include "payload/body.h"

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

namespace hookd::payload {
namespace {

TEST(BuildBodyAllocations, NoneIntoARecycledString) {
  events::EventParser parser(1024 * 1024);
  events::Event event;
  ASSERT_EQ(parser.parse(events::testing::kTodoCreated, event), std::nullopt);
  std::string body;
  const long cold = g_allocations.load();
  build_body(event, R"({"id":"w","url":"https://hooks.example.com/blue"})", body);
  ASSERT_EQ(g_allocations.load() - cold, 1);  // the single reserve

  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i) build_body(event, R"({"id":"w","url":"https://hooks.example.com/x"})", body);
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace hookd::payload
