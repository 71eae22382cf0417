// The commit gate: offsets move only behind every earlier record of their partition, and
// completions from an older assignment are ignored.
#include "kafka/commit_gate.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hookd::kafka
