// The commit gate: offsets move only behind every earlier record of their partition, and
// completions from an older assignment are ignored; the completion queue wakes a waiting poll
// loop only when that is worth it.
#include "kafka/commit_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

namespace hookd::kafka {
namespace {

std::vector<std::int64_t> offsets_of(const std::vector<CommitOffset>& stored) {
  std::vector<std::int64_t> out;
  for (const auto& s : stored) out.push_back(s.offset);
  return out;
}

TEST(CommitGate, OutOfOrderCompletionsStoreOnlyBehindTheOldestOutstanding) {
  CommitGate gate({"events"});
  const auto a = gate.dispatched("events", 0, 10, 1);
  const auto b = gate.dispatched("events", 0, 11, 1);
  const auto c = gate.dispatched("events", 0, 12, 1);
  gate.completions().push(c);
  gate.completions().push(b);
  EXPECT_TRUE(gate.apply(1).empty());  // 10 still outstanding
  gate.completions().push(a);
  const auto& stored = gate.apply(1);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].topic, "events");
  EXPECT_EQ(stored[0].partition, 0);
  EXPECT_EQ(stored[0].offset, 13);
}

TEST(CommitGate, PartitionsMoveIndependently) {
  CommitGate gate({"events"});
  gate.dispatched("events", 0, 5, 1);
  const auto p1 = gate.dispatched("events", 1, 7, 1);
  gate.completions().push(p1);
  EXPECT_EQ(offsets_of(gate.apply(1)), (std::vector<std::int64_t>{8}));
}

TEST(CommitGate, CompletionsOfAStaleGenerationAreIgnored) {
  CommitGate gate({"events"});
  const auto old = gate.dispatched("events", 0, 10, 1);
  gate.reset();  // revoked: the new owner redelivers offset 10
  const auto fresh = gate.dispatched("events", 0, 10, 2);
  gate.completions().push(old);
  EXPECT_TRUE(gate.apply(2).empty());
  gate.completions().push(fresh);
  EXPECT_EQ(offsets_of(gate.apply(2)), (std::vector<std::int64_t>{11}));
}

TEST(CommitGate, APendingRecordCompletesWhenItsLastPieceFinishes) {
  CommitGate gate({"events"});
  PendingRecord record(gate.dispatched("events", 0, 3, 1), 3, gate.completions());
  record.finish_one();
  record.finish_one();
  EXPECT_TRUE(gate.apply(1).empty());
  record.finish_one();
  EXPECT_EQ(offsets_of(gate.apply(1)), (std::vector<std::int64_t>{4}));
}

TEST(CommitGate, TopicsNotNamedUpFrontAreTrackedToo) {
  CommitGate gate({});
  const auto p = gate.dispatched("hookd.retry.5s", 2, 0, 1);
  gate.completions().push(p);
  const auto& stored = gate.apply(1);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].topic, "hookd.retry.5s");
}

// What a crash redelivers on a partition: every offset read at or past the committable one,
// finished or not. One slow record at the front holds back every finished one behind it.
TEST(CommitGate, WindowCountsEveryOffsetPastTheCommittableOneFinishedOrNot) {
  CommitGate gate({"events"}, 4);
  const auto slow = gate.dispatched("events", 0, 10, 1);
  for (std::int64_t o = 11; o < 13; ++o) gate.completions().push(gate.dispatched("events", 0, o, 1));
  gate.dispatched("events", 1, 3, 1);
  EXPECT_TRUE(gate.apply(1).empty());
  EXPECT_EQ(gate.window("events", 0), 3u);     // 10 in flight, 11 and 12 finished behind it
  EXPECT_EQ(gate.outstanding("events", 0), 1u);
  EXPECT_EQ(gate.window("events", 1), 1u);     // partitions are counted apart
  EXPECT_EQ(gate.window("other", 0), 0u);
  gate.completions().push(slow);
  EXPECT_EQ(offsets_of(gate.apply(1)), (std::vector<std::int64_t>{13}));
  EXPECT_EQ(gate.window("events", 0), 0u);
  EXPECT_EQ(gate.outstanding("events", 0), 0u);
}

// The pause decision at the bound and the resume decision a quarter below it, per partition.
TEST(CommitGate, PartitionPausesAtTheWindowBoundAndResumesAQuarterBelow) {
  CommitGate gate({"events"}, 8);
  std::vector<RecordPosition> positions;
  for (std::int64_t o = 0; o < 7; ++o) positions.push_back(gate.dispatched("events", 0, o, 1));
  EXPECT_FALSE(gate.window_full("events", 0));
  positions.push_back(gate.dispatched("events", 0, 7, 1));
  EXPECT_TRUE(gate.window_full("events", 0));
  EXPECT_FALSE(gate.window_full("events", 1));
  EXPECT_FALSE(gate.window_reopened("events", 0));
  gate.completions().push(positions[0]);
  gate.apply(1);
  EXPECT_EQ(gate.window("events", 0), 7u);
  EXPECT_FALSE(gate.window_full("events", 0));
  EXPECT_FALSE(gate.window_reopened("events", 0));  // one below the bound: would flap
  gate.completions().push(positions[1]);
  gate.apply(1);
  EXPECT_TRUE(gate.window_reopened("events", 0));   // 6 = 8 - 8/4
}

// Finished records behind a slow one do not shrink the window: only the slow one does.
TEST(CommitGate, WindowStaysFullWhileTheOldestRecordIsInFlight) {
  CommitGate gate({"events"}, 3);
  const auto slow = gate.dispatched("events", 0, 0, 1);
  const auto b = gate.dispatched("events", 0, 1, 1);
  const auto c = gate.dispatched("events", 0, 2, 1);
  gate.completions().push(b);
  gate.completions().push(c);
  gate.apply(1);
  EXPECT_TRUE(gate.window_full("events", 0));
  gate.completions().push(slow);
  gate.apply(1);
  EXPECT_FALSE(gate.window_full("events", 0));
  EXPECT_TRUE(gate.window_reopened("events", 0));
}

TEST(CommitGate, ABoundOfOneResumesOnlyWhenNothingIsLeft) {
  CommitGate gate({"events"}, 1);
  const auto a = gate.dispatched("events", 0, 0, 1);
  EXPECT_TRUE(gate.window_full("events", 0));
  EXPECT_FALSE(gate.window_reopened("events", 0));
  gate.completions().push(a);
  gate.apply(1);
  EXPECT_TRUE(gate.window_reopened("events", 0));
}

TEST(CommitGate, NoBoundNeverPauses) {
  CommitGate gate({"events"});
  for (std::int64_t o = 0; o < 10'000; ++o) gate.dispatched("events", 0, o, 1);
  EXPECT_EQ(gate.window("events", 0), 10'000u);
  EXPECT_FALSE(gate.window_full("events", 0));
  EXPECT_TRUE(gate.window_reopened("events", 0));
}

// A revoke waits for the revoked partitions' records still in flight, applying completions as
// they arrive; the offsets stored then cover them, so the next owner does not send them again.
TEST(CommitGate, OutstandingPerPartitionDrainsAsCompletionsAreApplied) {
  CommitGate gate({"events", "more"});
  const auto a = gate.dispatched("events", 0, 5, 7);
  const auto b = gate.dispatched("events", 0, 6, 7);
  const auto c = gate.dispatched("more", 2, 9, 7);
  EXPECT_EQ(gate.outstanding("events", 0), 2u);
  EXPECT_EQ(gate.outstanding("more", 2), 1u);
  EXPECT_EQ(gate.outstanding("events", 3), 0u);
  gate.completions().push(b);
  gate.completions().push(c);
  EXPECT_EQ(offsets_of(gate.apply(7)), (std::vector<std::int64_t>{10}));
  EXPECT_EQ(gate.outstanding("events", 0), 1u);
  EXPECT_EQ(gate.outstanding("more", 2), 0u);
  gate.completions().push(a);
  EXPECT_EQ(offsets_of(gate.apply(7)), (std::vector<std::int64_t>{7}));
  EXPECT_EQ(gate.outstanding("events", 0), 0u);
  gate.reset();
  EXPECT_EQ(gate.window("events", 0), 0u);
}

// A loop held at the global cap is woken by the completion that leaves room, not by every one
// before it (each of those would cost it a context switch to look and sleep again).
TEST(CompletionQueue, AWaiterIsWokenOnlyByAPushThatFindsItWorthWaking) {
  CompletionQueue queue;
  std::atomic<bool> room{false};
  const std::function<bool()> has_room = [&room] { return room.load(); };
  std::thread waiter([&] { queue.wait_for(std::chrono::hours(1), has_room); });
  while (!queue.waiting()) std::this_thread::yield();

  const RecordPosition position{1, "events", 0, 7};
  for (int i = 0; i < 3; ++i) queue.push(position);
  EXPECT_EQ(queue.wakeups(), 0u) << "no room yet: the waiter sleeps on";
  EXPECT_TRUE(queue.waiting());

  room = true;
  queue.push(position);
  waiter.join();  // returns long before its hour: this push woke it
  EXPECT_EQ(queue.wakeups(), 1u);
  std::vector<RecordPosition> drained;
  queue.drain(drained);
  EXPECT_EQ(drained.size(), 4u) << "every push is kept, woken or not";
}

TEST(CompletionQueue, AWaitReturnsAtOnceWhenItIsAlreadyWorthIt) {
  CompletionQueue queue;
  const std::function<bool()> yes = [] { return true; };
  queue.wait_for(std::chrono::hours(1), yes);  // would hang the test otherwise
  EXPECT_FALSE(queue.waiting());
  queue.push({1, "events", 0, 1});
  EXPECT_EQ(queue.wakeups(), 0u) << "nobody waits: no wake-up";
}

}  // namespace
}  // namespace hookd::kafka
