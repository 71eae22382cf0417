// The retry loop's held records, on a clock passed in: what is processed at once, what is
// held, in which order it is released and when its partition resumes.
#include "retry/due_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hookd::retry {
namespace {

struct Released {
  std::vector<std::string> records;
  std::vector<int> resumed;
};

void release(DueQueue<int, std::string>& queue, std::int64_t now, Released& out) {
  queue.release_due(
      now, [&](int, const std::string& record, std::int64_t) { out.records.push_back(record); },
      [&](int partition) { out.resumed.push_back(partition); });
}

TEST(DueQueue, ADueRecordOnAnIdlePartitionIsProcessedAtOnce) {
  DueQueue<int, std::string> queue;
  EXPECT_FALSE(queue.must_wait(0, 1000, 1000));
  EXPECT_TRUE(queue.must_wait(0, 1001, 1000));
}

TEST(DueQueue, ADueRecordBehindAHeldOneWaitsItsTurn) {
  DueQueue<int, std::string> queue;
  EXPECT_TRUE(queue.hold(0, "later", 5000));   // first held: pause the partition
  EXPECT_TRUE(queue.must_wait(0, 100, 1000));  // due, but behind "later"
  EXPECT_FALSE(queue.hold(0, "due-behind", 100));
  EXPECT_FALSE(queue.must_wait(1, 100, 1000));  // other partitions flow
}

TEST(DueQueue, ReleasesInOffsetOrderAndResumesOnlyEmptiedPartitions) {
  DueQueue<int, std::string> queue;
  queue.hold(0, "p0-a", 2000);
  queue.hold(0, "p0-b", 1500);  // due earlier, but read later: keeps its place
  queue.hold(0, "p0-c", 9000);
  queue.hold(1, "p1-a", 3000);
  Released out;
  release(queue, 1999, out);
  EXPECT_TRUE(out.records.empty());
  release(queue, 2000, out);
  EXPECT_EQ(out.records, (std::vector<std::string>{"p0-a", "p0-b"}));
  EXPECT_TRUE(out.resumed.empty());
  release(queue, 3000, out);
  EXPECT_EQ(out.records.back(), "p1-a");
  EXPECT_EQ(out.resumed, (std::vector<int>{1}));
  EXPECT_TRUE(queue.holds(0));
  EXPECT_FALSE(queue.holds(1));
  release(queue, 9000, out);
  EXPECT_EQ(out.records.back(), "p0-c");
  EXPECT_EQ(out.resumed, (std::vector<int>{1, 0}));
  EXPECT_EQ(queue.size(), 0u);
}

TEST(DueQueue, ClearForgetsEverythingHeld) {
  DueQueue<int, std::string> queue;
  queue.hold(0, "a", 5000);
  queue.clear();
  EXPECT_FALSE(queue.holds(0));
  EXPECT_FALSE(queue.must_wait(0, 100, 1000));
}

}  // namespace
}  // namespace hookd::retry
