#include "subscriptions/store.h"

#include <utility>

namespace hookd::subscriptions {

SnapshotStore::SnapshotStore() : current_(std::make_shared<const Snapshot>()) {}

void SnapshotStore::publish(std::shared_ptr<const Snapshot> snapshot) {
  if (!snapshot) return;
  std::shared_ptr<const Snapshot> previous;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    previous = std::exchange(current_, std::move(snapshot));
    // Bumped under the mutex, so a reader that sees generation g and then takes the mutex
    // gets a snapshot at least as new as g.
    generation_.fetch_add(1, std::memory_order_release);
  }
  // Freed outside the lock, and only once no reader holds it (release_unused).
  retired_.push_back(std::move(previous));
  release_unused();
}

void SnapshotStore::release_unused() {
  // use_count() == 1 is final: only current_ is ever handed out, so no reader can take a
  // retired snapshot again once its last copy is gone.
  std::erase_if(retired_, [](const std::shared_ptr<const Snapshot>& s) { return s.use_count() == 1; });
}

std::shared_ptr<const Snapshot> SnapshotStore::load() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

SnapshotReader::SnapshotReader(const SnapshotStore& store) : store_(&store) { refresh(); }

void SnapshotReader::refresh() {
  std::shared_ptr<const Snapshot> previous;
  {
    std::lock_guard<std::mutex> lock(store_->mutex_);
    previous = std::exchange(snapshot_, store_->current_);
    // Read under the mutex: the pair (snapshot, generation) is consistent.
    generation_ = store_->generation_.load(std::memory_order_relaxed);
  }
}

}  // namespace hookd::subscriptions
