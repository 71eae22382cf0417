#include "delivery/io_threads.h"

#include <algorithm>

namespace hookd::delivery {

IoThreads::IoThreads(int count) {
  for (int i = 0; i < std::max(1, count); ++i) {
    contexts_.push_back(std::make_unique<Context>());
    work_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
}

std::vector<boost::asio::io_context*> IoThreads::contexts() const {
  std::vector<boost::asio::io_context*> out;
  for (const auto& context : contexts_) out.push_back(context.get());
  return out;
}

void IoThreads::start() {
  if (stopped_ || !threads_.empty()) return;
  for (auto& context : contexts_) threads_.emplace_back([&context = *context] { context.run(); });
}

void IoThreads::stop() {
  if (stopped_) return;
  stopped_ = true;
  work_.clear();
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  // Every context is still alive while any handler is destroyed; shutting a context down twice
  // (again in its destructor) does nothing more.
  for (auto& context : contexts_) context->shutdown();
}

}  // namespace hookd::delivery
