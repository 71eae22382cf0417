#include "subscriptions/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "subscriptions/table.h"
#include "test_records.h"

namespace hookd::subscriptions {
namespace {

using testing::event;
using testing::to_json;

TEST(SnapshotStore, StartsEmptyAtGenerationZero) {
  SnapshotStore store;
  EXPECT_EQ(store.generation(), 0u);
  EXPECT_EQ(store.load()->size(), 0u);
  SnapshotReader reader(store);
  EXPECT_EQ(reader.current().size(), 0u);
  EXPECT_EQ(reader.generation(), 0u);
}

TEST(SnapshotStore, ReaderRefreshesOnlyWhenGenerationMoves) {
  SnapshotStore store;
  SnapshotReader reader(store);
  const Snapshot* before = &reader.current();

  SubscriptionTable table;
  table.apply("w1", to_json({.id = "w1"}));
  auto published = table.build_snapshot();
  store.publish(published);
  EXPECT_EQ(store.generation(), 1u);

  const Snapshot& now = reader.current();
  EXPECT_NE(&now, before);
  EXPECT_EQ(&now, published.get());
  EXPECT_EQ(reader.generation(), 1u);
  EXPECT_EQ(&reader.current(), published.get());  // unchanged generation: same snapshot

  store.publish(nullptr);  // ignored
  EXPECT_EQ(store.generation(), 1u);
}

TEST(SnapshotStore, ReaderKeepsItsSnapshotAliveUntilItRefreshes) {
  SnapshotStore store;
  SubscriptionTable table;
  table.apply("w1", to_json({.id = "w1"}));
  store.publish(table.build_snapshot());
  SnapshotReader reader(store);
  std::weak_ptr<const Snapshot> old = reader.current_ptr();

  store.publish(std::make_shared<const Snapshot>());
  EXPECT_FALSE(old.expired());  // the reader has not looked yet
  EXPECT_EQ(reader.current().size(), 0u);
  // The reader let go, but the last copy is the store's: the writer frees it, never a reader.
  EXPECT_FALSE(old.expired());
  store.release_unused();
  EXPECT_TRUE(old.expired());
}

TEST(SnapshotStore, AReplacedSnapshotStaysWhileAReaderHoldsItAndGoesAtTheNextPublish) {
  SnapshotStore store;
  store.publish(std::make_shared<const Snapshot>());
  SnapshotReader reader(store);
  std::weak_ptr<const Snapshot> old = reader.current_ptr();
  store.publish(std::make_shared<const Snapshot>());
  store.release_unused();
  EXPECT_FALSE(old.expired());  // the reader still holds it
  EXPECT_EQ(store.retained(), 1u);
  reader.current();             // the reader moves on
  store.publish(std::make_shared<const Snapshot>());  // a publish releases what no reader holds
  EXPECT_TRUE(old.expired());
  EXPECT_EQ(store.retained(), 1u) << "the one the reader moved on to, replaced in turn";
  reader.current();
  store.release_unused();
  EXPECT_EQ(store.retained(), 0u);
}

TEST(SnapshotStore, ReaderOnAnotherThreadSeesEveryPublishInOrder) {
  // The writer publishes snapshots holding 1, 2, ..., N webhooks; a reader on another thread
  // must only ever see sizes that grow, each consistent with the generation it reports,
  // and must end on the last one.
  constexpr int kPublishes = 200;
  SnapshotStore store;
  std::atomic<bool> done{false};
  std::atomic<bool> consistent{true};
  std::size_t last_seen = 0;

  std::thread reader_thread([&] {
    SnapshotReader reader(store);
    std::size_t previous = 0;
    std::vector<const Subscription*> out;
    while (true) {
      const bool finished = done.load(std::memory_order_acquire);
      const Snapshot& snapshot = reader.current();
      out.clear();
      snapshot.match(event("c1", "TODO_CREATED"), out);  // exercise the index concurrently
      if (snapshot.size() < previous || snapshot.size() != reader.generation() ||
          out.size() != snapshot.size()) {
        consistent = false;
      }
      previous = snapshot.size();
      if (finished) break;
    }
    last_seen = previous;
  });

  SubscriptionTable table;
  for (int i = 1; i <= kPublishes; ++i) {
    const std::string id = "w" + std::to_string(i);
    table.apply(id, to_json({.id = id}));
    store.publish(table.build_snapshot());
  }
  done.store(true, std::memory_order_release);
  reader_thread.join();

  EXPECT_TRUE(consistent);
  EXPECT_EQ(last_seen, static_cast<std::size_t>(kPublishes));
  EXPECT_EQ(store.generation(), static_cast<std::uint64_t>(kPublishes));
}

}  // namespace
}  // namespace hookd::subscriptions
