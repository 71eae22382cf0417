#include "delivery/handoff.h"

#include <utility>

#include <boost/asio/post.hpp>

namespace hookd::delivery {

namespace {
// This thread's Batch: whether one lives, and the hand-offs whose post it holds.
struct BatchState {
  int open = 0;  // Batches alive; the outermost one's end posts
  std::vector<std::shared_ptr<Handoff>> held;
};
thread_local BatchState batch_state;
}  // namespace

Handoff::Batch::Batch() { ++batch_state.open; }

Handoff::Batch::~Batch() {
  if (--batch_state.open > 0) return;
  for (auto& handoff : batch_state.held) handoff->post_take();
  batch_state.held.clear();
}

void Handoff::push(std::shared_ptr<OriginPool> pool, std::unique_ptr<PendingRequest> pending) {
  {
    std::lock_guard lock(mutex_);
    pushed_.push_back({std::move(pool), std::move(pending)});
    if (scheduled_) return;
    scheduled_ = true;
  }
  if (batch_state.open > 0) return batch_state.held.push_back(shared_from_this());
  post_take();
}

void Handoff::post_take() {
  boost::asio::post(io_, [self = shared_from_this()] { self->take(); });
}

void Handoff::take() {
  {
    std::lock_guard lock(mutex_);
    batch_.swap(pushed_);
  }
  for (Item& item : batch_) OriginPool::admit_on_strand(std::move(item.pool), std::move(item.pending));
  batch_.clear();
  {
    std::lock_guard lock(mutex_);
    if (pushed_.empty()) {
      scheduled_ = false;
      return;
    }
  }
  // More came while this batch was admitted: after what else waits on this thread.
  post_take();
}

}  // namespace hookd::delivery
