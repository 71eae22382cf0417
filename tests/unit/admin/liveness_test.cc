// The probes' decisions on the manual clock: healthy while the loops beat, ready only with a
// snapshot, a consumer that joined its group, and Kafka not unreachable for too long.
#include "admin/liveness.h"

#include <gtest/gtest.h>

namespace hookd::admin {
namespace {

using namespace std::chrono_literals;

TEST(Liveness, HealthyUntilTheLoopsStopBeating) {
  common::ManualClock clock;
  Liveness liveness(clock, {30s, 60s});
  clock.advance(29s);
  EXPECT_TRUE(liveness.healthy());
  clock.advance(1s);
  EXPECT_FALSE(liveness.healthy());
  liveness.beat();
  EXPECT_TRUE(liveness.healthy());
}

TEST(Liveness, AFailedWorkerIsUnhealthyWhileItsLoopsStillBeat) {
  common::ManualClock clock;
  Liveness liveness(clock, {30s, 60s});
  liveness.set_failed(true);
  liveness.beat();
  EXPECT_FALSE(liveness.healthy());
  liveness.set_failed(false);
  EXPECT_TRUE(liveness.healthy());
}

TEST(Liveness, ReadyNeedsSnapshotConsumingAndJoined) {
  common::ManualClock clock;
  Liveness liveness(clock, {30s, 60s});
  EXPECT_FALSE(liveness.ready());
  liveness.set_snapshot_ready(true);
  liveness.set_consuming(true);
  EXPECT_FALSE(liveness.ready());
  liveness.set_joined(true);
  EXPECT_TRUE(liveness.ready());
}

TEST(Liveness, KafkaDownTurnsUnreadyOnlyAfterTheGracePeriodAndUpRestoresIt) {
  common::ManualClock clock;
  Liveness liveness(clock, {30s, 60s});
  liveness.set_snapshot_ready(true);
  liveness.set_consuming(true);
  liveness.set_joined(true);
  liveness.kafka_down();
  clock.advance(59s);
  liveness.kafka_down();  // a later report does not restart the period
  EXPECT_TRUE(liveness.ready());
  clock.advance(1s);
  EXPECT_FALSE(liveness.ready());
  liveness.kafka_up();
  EXPECT_TRUE(liveness.ready());
}

TEST(Liveness, KafkaDownAtTheClocksEpochStillCounts) {
  common::ManualClock clock;  // steady time 0: must not read as "up"
  Liveness liveness(clock, {30s, 1s});
  liveness.set_snapshot_ready(true);
  liveness.set_consuming(true);
  liveness.set_joined(true);
  liveness.kafka_down();
  clock.advance(2s);
  EXPECT_FALSE(liveness.ready());
}

}  // namespace
}  // namespace hookd::admin
