// How requests reach their origin's io_context (delivery/handoff.h): in the order posted, and,
// while a Batch lives on the posting thread, only once it ends.
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "delivery/client.h"
#include "delivery/handoff.h"

namespace hookd::delivery {
namespace {

using namespace std::chrono_literals;

// Requests to loopback with private networks refused: each attempt ends `blocked` at the
// network guard, after the hand-over and the pool's admission, without a packet sent.
ClientOptions refusing_loopback() {
  ClientOptions o;
  o.allow_private_networks = false;
  o.max_queue_wait = 60s;
  return o;
}

Request request_to(const std::string& url) {
  return Request{url, std::make_shared<const std::string>("{}"), {}, {}};
}

TEST(Handoff, APostReachesTheIoContextAtOnceWithoutABatch) {
  boost::asio::io_context io;
  Client client(io, refusing_loopback());
  io.poll();  // whatever the client queued for itself
  io.restart();
  bool done = false;
  client.post(request_to("https://127.0.0.1:9/"), [&](Outcome outcome) {
    EXPECT_EQ(outcome.result, AttemptResult::blocked) << outcome.error;
    done = true;
  });
  EXPECT_GT(io.poll(), 0u) << "the hand-over was posted";
  io.restart();
  while (!done && io.run_one_for(2s) > 0) {
  }
  EXPECT_TRUE(done);
}

TEST(Handoff, ABatchHoldsItsPostsUntilItEnds) {
  boost::asio::io_context io;
  Client client(io, refusing_loopback());
  io.poll();
  io.restart();
  int done = 0;
  {
    Handoff::Batch batch;
    for (const char* url : {"https://127.0.0.1:9/a", "https://127.0.0.1:10/b", "https://127.0.0.1:9/c"}) {
      client.post(request_to(url), [&](Outcome outcome) {
        EXPECT_EQ(outcome.result, AttemptResult::blocked) << outcome.error;
        ++done;
      });
    }
    {
      Handoff::Batch nested;  // the outermost one decides
    }
    EXPECT_EQ(io.poll(), 0u) << "nothing was handed over while the batch lives";
    io.restart();
  }
  while (done < 3 && io.run_one_for(2s) > 0) {
  }
  EXPECT_EQ(done, 3);
}

// Two threads run the io_context, and one origin runs one request at a time: the requests are
// attempted, and answered, in the order they were posted.
TEST(Handoff, RequestsReachTheirOriginInTheOrderPosted) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  ClientOptions options = refusing_loopback();
  options.max_in_flight_per_origin = 1;
  Client client(io, options);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&io] { io.run(); });

  constexpr int kRequests = 200;
  std::mutex mutex;
  std::vector<int> answered;
  for (int i = 0; i < kRequests; ++i) {
    client.post(request_to("https://127.0.0.1:9/" + std::to_string(i)), [&, i](Outcome outcome) {
      EXPECT_EQ(outcome.result, AttemptResult::blocked) << outcome.error;
      std::lock_guard lock(mutex);
      answered.push_back(i);
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex);
      if (answered.size() == kRequests) break;
    }
    std::this_thread::sleep_for(1ms);
  }
  client.shutdown();
  work.reset();
  io.stop();
  for (auto& t : threads) t.join();
  ASSERT_EQ(answered.size(), static_cast<std::size_t>(kRequests));
  for (int i = 0; i < kRequests; ++i) EXPECT_EQ(answered[static_cast<std::size_t>(i)], i) << "at position " << i;
}

}  // namespace
}  // namespace hookd::delivery
