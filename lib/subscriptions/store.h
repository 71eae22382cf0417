// Publishing snapshots from the subscriptions thread to the delivery and poll threads.
//
// Why not std::atomic<std::shared_ptr>: libstdc++ 12 implements it with a lock, and every
// reader would take it on every event. Instead the writer bumps a generation counter next to
// a mutex-protected shared_ptr; each reader keeps its own copy of the pointer and touches
// the mutex only when the generation has moved, i.e. once per publish, not once per event.
// The hot path is one acquire load of an atomic integer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "subscriptions/snapshot.h"

namespace hookd::subscriptions {

class SnapshotStore {
 public:
  // Starts with an empty snapshot at generation 0; the first publish makes generation 1.
  SnapshotStore();

  SnapshotStore(const SnapshotStore&) = delete;
  SnapshotStore& operator=(const SnapshotStore&) = delete;

  // Writer side. Replaces the current snapshot; a null pointer is ignored. The replaced one
  // is kept until no reader holds it and then freed here, on the writer's thread: freeing a
  // snapshot of a million subscriptions takes milliseconds that must not land on a reader
  // (the event loop, an io thread) when it drops its copy.
  void publish(std::shared_ptr<const Snapshot> snapshot);
  // Writer side. Frees the replaced snapshots no reader holds any more; call it now and then
  // (the subscriptions thread does after every poll) so they do not wait for the next publish.
  void release_unused();
  // Writer side. Replaced snapshots a reader still holds (each about 40 bytes a subscription).
  std::size_t retained() const { return retired_.size(); }

  // Takes the mutex: for occasional readers (metrics, tests), not the per-event path.
  std::shared_ptr<const Snapshot> load() const;

  // How many snapshots have been published; 0 until the first one (readiness).
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  friend class SnapshotReader;

  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> current_;  // guarded by mutex_
  std::atomic<std::uint64_t> generation_{0};
  // Replaced snapshots that readers may still hold; the writer's alone (no lock).
  std::vector<std::shared_ptr<const Snapshot>> retired_;
};

// One per reading thread (or per worker object owned by one thread); not thread-safe itself.
class SnapshotReader {
 public:
  explicit SnapshotReader(const SnapshotStore& store);

  // The latest published snapshot. The reference stays valid until the next current() on
  // this reader (which may drop the old snapshot) or the reader's destruction.
  const Snapshot& current() { return *current_ptr(); }

  // The same as a shared_ptr, for work that outlives the next current() call.
  const std::shared_ptr<const Snapshot>& current_ptr() {
    if (store_->generation_.load(std::memory_order_acquire) != generation_) refresh();
    return snapshot_;
  }

  std::uint64_t generation() const { return generation_; }

 private:
  void refresh();

  const SnapshotStore* store_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::uint64_t generation_ = 0;
};

}  // namespace hookd::subscriptions
