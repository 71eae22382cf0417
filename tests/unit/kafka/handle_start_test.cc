// librdkafka handles started and destroyed, four at a time, with nothing to connect to.
//
// What this holds in every build: a consumer handle of a group starts and is destroyed again
// without a broker. What it is for: the ThreadSanitizer build, where every start used to risk a
// false report. rd_kafka_new adds the bootstrap brokers under the handle's read-write lock, and
// librdkafka's main thread finds them under it and takes each broker's mutex; until
// cmake/tsan_rwlocks.cc made that lock visible, a start could read as a race on the broker's
// mutex (docs/architecture.md, "Sanitizers and fuzzing"). Without that file this test reported
// it in 7 of 8 runs; with it, in none of 20.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "kafka/config.h"

namespace hookd::kafka {
namespace {

TEST(HandleStart, GroupConsumersStartAndStopFourAtATime) {
  // Ports on loopback that refuse at once, so no start waits for a connection. Each bootstrap
  // broker is one more broker the main thread may find before anything else orders it.
  const ClientSettings settings{
      "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3,127.0.0.1:4,127.0.0.1:5,127.0.0.1:6,127.0.0.1:7,127.0.0.1:8", {}};
  // Four starting at once: their threads compete for the cores, which varies who gets where
  // first far more than starts in a row on an idle machine.
  std::atomic<int> started{0};
  std::vector<std::thread> starters;
  for (int t = 0; t < 4; ++t) {
    starters.emplace_back([&] {
      for (int i = 0; i < 80; ++i) {
        HandlePtr handle =
            make_handle(RD_KAFKA_CONSUMER, make_conf_or_throw(settings, {}, {{"group.id", "handle-start"}}));
        if (rd_kafka_type(handle.get()) == RD_KAFKA_CONSUMER) started.fetch_add(1);
      }
    });
  }
  for (auto& starter : starters) starter.join();
  EXPECT_EQ(started.load(), 4 * 80);
}

}  // namespace
}  // namespace hookd::kafka
