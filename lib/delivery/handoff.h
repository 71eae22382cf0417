// Requests handed to one io_context's thread by other threads (the poll loops), taken there in
// batches.
//
// Why: a post to an origin's strand per request cost the poll loop a strand lock, a queue lock
// and a reference count on a cache line the io thread keeps writing, and the io thread a strand
// run per request. Here the poll loop appends to a vector under one short lock, and posts only
// when no batch is already scheduled: the requests that arrive while the io thread is busy go
// together, with one post (docs/benchmarks.md, "Handing requests over in batches").
//
// A thread that hands over many requests in a row (a poll loop draining a backlog) can hold its
// posts in a Batch: each io_context it pushed to is posted to once, when the Batch ends, rather
// than each time that context's thread went idle in between. Each such post woke a sleeping
// thread, the largest cost of a hand-over.
//
// Order: one batch at a time is taken, so requests reach their origins in the order pushed,
// even when the io_context is run by several threads.
//
// Bound: every request waiting here is a delivery the worker counts in flight, so the poll
// loops' global cap (in count and bytes) bounds it; the vector only holds their pointers.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "delivery/origin_pool.h"

namespace hookd::delivery {

class Handoff : public std::enable_shared_from_this<Handoff> {
 public:
  explicit Handoff(boost::asio::io_context& io) : io_(io) {}

  // While one lives, pushes on this thread post nothing; its end posts to each io_context they
  // went to. Other threads' pushes to those contexts wait for it too, so keep it short.
  class Batch {
   public:
    Batch();
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
  };

  boost::asio::io_context& io() { return io_; }

  // Any thread. `pool` must run on io(); the request is admitted there (OriginPool::admit_on_strand).
  void push(std::shared_ptr<OriginPool> pool, std::unique_ptr<PendingRequest> pending);

 private:
  struct Item {
    std::shared_ptr<OriginPool> pool;
    std::unique_ptr<PendingRequest> pending;
  };

  // On io(): admits the batch, then schedules itself again if more came meanwhile.
  void take();
  void post_take();

  boost::asio::io_context& io_;
  std::mutex mutex_;
  std::vector<Item> pushed_;   // under mutex_
  bool scheduled_ = false;     // under mutex_: a take() is posted or running
  std::vector<Item> batch_;    // only take(): the batch being admitted, kept for its capacity
};

}  // namespace hookd::delivery
