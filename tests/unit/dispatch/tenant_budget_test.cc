// The tenant budget on its own: the count and byte limits, the bound on remembered tenants,
// a ticket that outlives its budget (a job released after the deliverer is gone), and the wait
// queue: first come, first served, and dropped with the budget.
#include "dispatch/tenant_budget.h"

#include "dispatch/delivery_job.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace hookd::dispatch {
namespace {

TEST(TenantBudget, EachTenantHasItsOwnCountAndAReleasedTicketFreesItsSlot) {
  TenantBudget budget({.max_in_flight = 2, .max_in_flight_bytes = 1 << 20});
  auto a1 = budget.acquire("a", 100);
  auto a2 = budget.acquire("a", 100);
  ASSERT_TRUE(a1);
  ASSERT_TRUE(a2);
  EXPECT_FALSE(budget.acquire("a", 100)) << "a is at its budget";
  EXPECT_TRUE(budget.acquire("b", 100)) << "b is not";
  a1.release();
  a1.release();  // twice is once
  EXPECT_EQ(budget.in_flight("a"), 1);
  TenantBudget::Ticket moved = std::move(a2);
  EXPECT_EQ(budget.in_flight("a"), 1) << "moving a ticket keeps one share";
  EXPECT_TRUE(budget.acquire("a", 100));
}

TEST(TenantBudget, ALimitEqualToItsGlobalCapIsNoLimit) {
  const TenantBudget::Limits configured{.max_in_flight = 512, .max_in_flight_bytes = 1000};
  const auto count_off = TenantBudget::within_global_caps(configured, 512, 4000);
  EXPECT_EQ(count_off.max_in_flight, TenantBudget::unlimited);
  EXPECT_EQ(count_off.max_in_flight_bytes, 1000) << "under its global cap: kept";
  EXPECT_TRUE(TenantBudget(count_off).enforced());

  const auto both_off = TenantBudget::within_global_caps(configured, 512, 1000);
  TenantBudget off(both_off);
  EXPECT_FALSE(off.enforced());
  std::vector<TenantBudget::Ticket> held;
  for (int i = 0; i < 600; ++i) held.push_back(off.acquire("a", 100));
  EXPECT_TRUE(held.back()) << "no limit, even past the global cap";

  const auto kept = TenantBudget::within_global_caps(configured, 2048, 4000);
  EXPECT_EQ(kept.max_in_flight, 512);
  EXPECT_TRUE(TenantBudget(kept).enforced());
}

TEST(TenantBudget, BytesLimitATenantButNeverStarveItsOnlyDelivery) {
  TenantBudget budget({.max_in_flight = 100, .max_in_flight_bytes = 1000});
  auto big = budget.acquire("a", 5000);
  EXPECT_TRUE(big) << "alone, a delivery over the byte budget still goes";
  EXPECT_FALSE(budget.acquire("a", 1));
  big.release();
  auto first = budget.acquire("a", 600);
  EXPECT_TRUE(first);
  EXPECT_FALSE(budget.acquire("a", 600));
  EXPECT_TRUE(budget.acquire("a", 400));
}

TEST(TenantBudget, ForgetsIdleTenantsButNeverOneWithDeliveriesInFlight) {
  TenantBudget budget({.max_in_flight = 1, .max_in_flight_bytes = 1 << 20, .max_tracked = 16});
  std::vector<TenantBudget::Ticket> busy;
  for (int i = 0; i < 4; ++i) busy.push_back(budget.acquire("busy-" + std::to_string(i), 10));
  for (int i = 0; i < 10'000; ++i) (void)budget.acquire("company-" + std::to_string(i), 10);
  EXPECT_LE(budget.tracked(), 16u + 4u) << "idle tenants are forgotten";
  for (int i = 0; i < 4; ++i) {
    const std::string tenant = "busy-" + std::to_string(i);
    EXPECT_EQ(budget.in_flight(tenant), 1) << tenant;
    EXPECT_FALSE(budget.acquire(tenant, 10)) << tenant << " is still at its budget";
  }
  busy.clear();
  EXPECT_EQ(budget.in_flight("busy-0"), 0);
}

TEST(TenantBudget, ATicketMayOutliveItsBudget) {
  auto budget = std::make_unique<TenantBudget>(TenantBudget::Limits{.max_in_flight = 1, .max_in_flight_bytes = 1000});
  auto ticket = budget->acquire("a", 10);
  ASSERT_TRUE(ticket);
  budget.reset();
  ticket.release();  // the counters it points into are still alive (checked under ASan)
  EXPECT_FALSE(ticket);
}


TEST(TenantBudget, AQueuedJobTakesTheNextFreedShareFirstComeFirstServed) {
  using namespace std::chrono_literals;
  auto budget = std::make_unique<TenantBudget>(TenantBudget::Limits{
      .max_in_flight = 1, .max_in_flight_bytes = 1 << 20, .max_queued = 2, .max_queued_bytes = 1 << 20,
      .max_queue_wait = 1s});
  const TenantBudget::Clock::time_point t0{};
  auto warm = budget->acquire("a", 10, t0, std::make_shared<DeliveryJob>());
  EXPECT_TRUE(budget->release(warm.ticket, t0 + 5ms).empty()) << "nothing queued to hand on";
  auto first = budget->acquire("a", 10, t0, std::make_shared<DeliveryJob>());
  ASSERT_TRUE(first.ticket);
  const auto second = std::make_shared<DeliveryJob>();
  const auto third = std::make_shared<DeliveryJob>();
  EXPECT_TRUE(budget->acquire("a", 10, t0, second).queued);
  EXPECT_TRUE(budget->acquire("a", 10, t0, third).queued);
  const auto fourth = budget->acquire("a", 10, t0, std::make_shared<DeliveryJob>());
  EXPECT_FALSE(fourth.ticket);
  EXPECT_FALSE(fourth.queued) << "the queue holds two";
  EXPECT_FALSE(budget->acquire("a", 10)) << "no newcomer jumps the queue";

  auto handed = budget->release(first.ticket, t0 + 5ms);
  EXPECT_FALSE(first.ticket);
  ASSERT_EQ(handed.size(), 1u);
  EXPECT_EQ(handed[0].job, second);
  EXPECT_TRUE(handed[0].ticket);
  EXPECT_EQ(budget->in_flight("a"), 1);
  EXPECT_EQ(budget->queued("a"), 1);

  // Shutdown: what still waits is dropped with the budget (its event stays uncommitted).
  EXPECT_EQ(third.use_count(), 2);
  budget.reset();
  EXPECT_EQ(third.use_count(), 1);
  handed.clear();  // the handed share outlives its budget, as any ticket may
}

}  // namespace
}  // namespace hookd::dispatch
