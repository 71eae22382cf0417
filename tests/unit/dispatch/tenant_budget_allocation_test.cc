// Taking and giving back a share of a known tenant's budget is on the path of every delivery:
// it must not allocate. The binary counts allocations (support/allocation_counter.h); the
// count is only read around the measured loop.
#include <gtest/gtest.h>

#include "support/allocation_counter.h"

#include <string>

#include "dispatch/tenant_budget.h"

namespace hookd::dispatch {
namespace {

TEST(TenantBudgetAllocations, NoneForATenantSeenBefore) {
  TenantBudget budget({.max_in_flight = 4, .max_in_flight_bytes = 1 << 20});
  const std::string tenants[] = {"company-a", "company-with-a-name-longer-than-sso-buffers", "c"};
  const long cold = test_support::allocations();
  for (const auto& tenant : tenants) (void)budget.acquire(tenant, 100);  // warm: one entry each
  ASSERT_GT(test_support::allocations(), cold);  // the counter does see this code's allocations

  const long before = test_support::allocations();
  int granted = 0;
  for (int round = 0; round < 1000; ++round) {
    for (const auto& tenant : tenants) {
      auto ticket = budget.acquire(tenant, 100);
      granted += ticket ? 1 : 0;
    }
  }
  EXPECT_EQ(test_support::allocations() - before, 0);
  EXPECT_EQ(granted, 3000);
}

}  // namespace
}  // namespace hookd::dispatch
