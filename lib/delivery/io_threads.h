// The threads the HTTP client runs on: one io_context per thread, so that each origin, placed
// on one of them, keeps its work on one thread (docs/endpoints.md, "Delivery threads").
//
// Why it owns the contexts' end too: a handler queued on one context may hold the client's
// objects of another (an attempt waiting for a name from the resolver on the first context
// holds its socket and its pool's strand on the second). Destroying one context while such a
// handler waits on another would leave that handler pointing into freed services, so stop()
// destroys the handlers of every context before any context is destroyed.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace hookd::delivery {

class IoThreads {
 public:
  // `count` contexts (at least one); no thread runs until start().
  explicit IoThreads(int count);
  ~IoThreads() { stop(); }
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  // What Client's constructor takes.
  std::vector<boost::asio::io_context*> contexts() const;
  // For work that belongs to no origin (timers, sweeps).
  boost::asio::io_context& first() { return *contexts_.front(); }

  // One thread for each context.
  void start();
  // Stops every context and joins the threads, then destroys the handlers still queued on any
  // of them (what they hold is released; nothing more runs). Idempotent.
  void stop();

 private:
  // An io_context whose queued handlers can be destroyed before the context itself is.
  class Context : public boost::asio::io_context {
   public:
    // Run by one thread: the hint lets Asio keep that thread's own posts off the shared queue.
    Context() : io_context(1) {}
    using boost::asio::execution_context::shutdown;
  };

  std::vector<std::unique_ptr<Context>> contexts_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace hookd::delivery
