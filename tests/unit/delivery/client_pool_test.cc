// The client's per-origin pools: keep-alive reuse, caps and queues, isolation between
// origins, and the refusals that happen before any connection is made.
#include "delivery/client.h"

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/post.hpp>

#include "client_fixture.h"
#include "delivery/io_threads.h"
#include "delivery/origin_pool.h"

namespace hookd::delivery {
namespace {

TEST_F(ClientTest, KeepAliveReusesOneConnectionForSequentialRequests) {
  auto receiver = start_receiver();
  start_client();
  for (int i = 0; i < 50; ++i) ASSERT_EQ(send(receiver->url("/seq")).result, AttemptResult::success_2xx);
  EXPECT_EQ(receiver->request_count(), 50u);
  EXPECT_EQ(receiver->connections_accepted(), 1u);
}

TEST_F(ClientTest, ConcurrentRequestsUseAtMostTheInFlightCapOfConnections) {
  auto receiver = start_receiver();
  Behaviour slowish = Behaviour::respond(200);
  slowish.delay = 20ms;
  receiver->set_default(slowish);
  ClientOptions o = options();
  o.max_in_flight_per_origin = 4;
  start_client(o);

  std::vector<std::future<Outcome>> futures;
  for (int i = 0; i < 100; ++i) futures.push_back(post(receiver->url("/burst")));
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(f.get().result, AttemptResult::success_2xx);
  }
  EXPECT_EQ(receiver->request_count(), 100u);
  EXPECT_LE(receiver->max_requests_in_progress(), 4u);
  EXPECT_LE(receiver->connections_accepted(), 4u);
}

// A burst waits for the busy connections when they come free sooner than a new one opens.
// Without that rule every request of the burst opens a connection of its own: 20 here.
TEST_F(ClientTest, ABurstWaitsForBusyConnectionsWhenOpeningOneTakesLonger) {
  ReceiverOptions ro;
  ro.certificate = ca().localhost();
  ro.handshake_delay = 300ms;
  HttpsReceiver receiver(ro);
  start_client();
  // Teaches the pool both times: opening takes 300 ms, a request on an open connection about 1.
  for (int i = 0; i < 30; ++i) ASSERT_EQ(send(receiver.url("/warm")).result, AttemptResult::success_2xx);
  ASSERT_EQ(receiver.connections_accepted(), 1u);

  std::vector<std::future<Outcome>> burst;
  for (int i = 0; i < 20; ++i) burst.push_back(post(receiver.url("/burst")));
  for (auto& f : burst) {
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(f.get().result, AttemptResult::success_2xx);
  }
  EXPECT_LE(receiver.connections_accepted(), 3u) << "one per request would be 21";
}

// ...and opens new ones when a busy connection is slower to come free than a new one to open.
TEST_F(ClientTest, ABurstToASlowReceiverOpensConnectionsInParallel) {
  auto receiver = start_receiver();
  Behaviour slow = Behaviour::respond(200);
  slow.delay = 500ms;
  receiver->set_default(slow);
  start_client();
  ASSERT_EQ(send(receiver->url("/warm")).result, AttemptResult::success_2xx);

  std::vector<std::future<Outcome>> burst;
  for (int i = 0; i < 8; ++i) burst.push_back(post(receiver->url("/burst")));
  for (auto& f : burst) {
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(f.get().result, AttemptResult::success_2xx);
  }
  EXPECT_GE(receiver->max_requests_in_progress(), 4u) << "waiting would take 500 ms a request";
}

// Two origins on one machine at its limit: each request takes 10 ms for every request the
// machine handles at once, so more at once only wait longer. Each pool runs only as many as
// keep its latency near its low (delivery/concurrency_growth.h); without that both pools run
// their cap, 16 at once. The receiver answers each wave of requests together, 60-140 ms after
// it arrived, and is silent between: that silence is not a stall that sets the limit aside.
TEST_F(ClientTest, OriginsOnOneSaturatedMachineEachRunAFew) {
  auto first = start_receiver();
  auto second = start_receiver();
  std::atomic<std::size_t> most_at_once{0};
  const auto saturated = [&](const test_support::ReceivedRequest&) {
    const std::size_t at_once = first->requests_in_progress() + second->requests_in_progress();
    std::size_t seen = most_at_once.load();
    while (at_once > seen && !most_at_once.compare_exchange_weak(seen, at_once)) {
    }
    Behaviour b = Behaviour::respond(200);
    b.delay = 10ms * static_cast<std::chrono::milliseconds::rep>(at_once);
    return b;
  };
  first->set_handler(saturated);
  second->set_handler(saturated);
  ClientOptions o = options();
  o.max_in_flight_per_origin = 8;
  start_client(o);
  // Teaches both pools their latency with one request at a time.
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(send(first->url("/warm")).result, AttemptResult::success_2xx);
    ASSERT_EQ(send(second->url("/warm")).result, AttemptResult::success_2xx);
  }
  most_at_once = 0;

  std::vector<std::future<Outcome>> burst;
  for (int i = 0; i < 60; ++i) {
    burst.push_back(post(first->url("/burst")));
    burst.push_back(post(second->url("/burst")));
  }
  for (auto& f : burst) {
    ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
    EXPECT_EQ(f.get().result, AttemptResult::success_2xx);
  }
  // Each origin is held to its limit: its floor of 3, plus one for each of the burst's first
  // answers while their moving average still looks like the warm-up's (12 at most, measured).
  EXPECT_LE(most_at_once.load(), 14u) << "each origin at its cap would be 16";
}

// The same machine with one origin on it: the pool is held to its limit however few the
// worker runs in all. (It once applied the limit only while the worker ran one origin's cap
// in all; a lone origin then always ran its cap.)
TEST_F(ClientTest, ALoneOriginOnASaturatedMachineRunsAFew) {
  auto receiver = start_receiver();
  const auto saturated = [&](const test_support::ReceivedRequest&) {
    Behaviour b = Behaviour::respond(200);
    b.delay = 10ms * static_cast<std::chrono::milliseconds::rep>(receiver->requests_in_progress());
    return b;
  };
  receiver->set_handler(saturated);
  ClientOptions o = options();
  o.max_in_flight_per_origin = 16;
  start_client(o);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(send(receiver->url("/warm")).result, AttemptResult::success_2xx);

  std::vector<std::future<Outcome>> burst;
  for (int i = 0; i < 100; ++i) burst.push_back(post(receiver->url("/burst")));
  for (auto& f : burst) {
    ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
    EXPECT_EQ(f.get().result, AttemptResult::success_2xx);
  }
  EXPECT_LE(receiver->max_requests_in_progress(), 10u) << "its cap is 16";
}

// A receiver that pauses (answers nothing, finishes no handshake) makes every busy connection
// look stalled at once, and so does a pause of hookd itself. Each request arriving meanwhile would
// open a connection of its own, up to the cap; the pool opens at most as many as are busy until
// those opens are done (docs/endpoints.md, Opening connections).
TEST_F(ClientTest, AReceiverThatPausesIsNotOpenedAConnectionPerRequest) {
  auto receiver = start_receiver();
  start_client();
  // Teaches the pool: a request takes about a millisecond, and so does opening a connection.
  for (int i = 0; i < 30; ++i) ASSERT_EQ(send(receiver->url("/warm")).result, AttemptResult::success_2xx);
  ASSERT_EQ(receiver->connections_accepted(), 1u);

  Behaviour paused = Behaviour::respond(200);
  paused.delay = 1s;
  receiver->set_default(paused);
  receiver->set_handshake_delay(1s);
  std::vector<std::future<Outcome>> burst;
  burst.push_back(post(receiver->url("/stalled")));
  ASSERT_TRUE(receiver->wait_for_requests(31, 5s));
  for (int i = 0; i < 20; ++i) burst.push_back(post(receiver->url("/burst")));
  // Connections are accepted at once; their handshakes wait for the pause to end.
  std::this_thread::sleep_for(300ms);
  EXPECT_LE(receiver->connections_accepted(), 2u) << "one busy connection: one more opening; one per request would be 21";

  receiver->set_default(Behaviour::respond(200));
  receiver->set_handshake_delay(0ms);
  for (auto& f : burst) {
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(f.get().result, AttemptResult::success_2xx);
  }
}

// Given an io_context per thread, the client puts each new origin on the next one, and all of an
// origin's work stays there: its outcomes are answered on that one thread (docs/endpoints.md,
// Delivery threads).
TEST_F(ClientTest, EachOriginRunsOnOneIoContextGivenInTurn) {
  auto first = start_receiver();
  auto second = start_receiver();
  IoThreads threads(2);
  threads.start();
  // The thread each context runs on.
  std::vector<std::thread::id> thread_of;
  for (boost::asio::io_context* io : threads.contexts()) {
    std::promise<std::thread::id> id;
    boost::asio::post(*io, [&id] { id.set_value(std::this_thread::get_id()); });
    thread_of.push_back(id.get_future().get());
  }
  auto client = std::make_unique<Client>(threads.contexts(), options());  // destroyed before `threads`

  // The thread each outcome of `url` was answered on, for a burst that opens several connections.
  auto answered_on = [&](const std::string& url) {
    std::vector<std::future<std::thread::id>> threads_of;
    for (int i = 0; i < 20; ++i) {
      auto promise = std::make_shared<std::promise<std::thread::id>>();
      threads_of.push_back(promise->get_future());
      client->post(Request{url, std::make_shared<const std::string>("{}"), {}, {}}, [promise](Outcome outcome) {
        EXPECT_EQ(outcome.result, AttemptResult::success_2xx) << describe(outcome);
        promise->set_value(std::this_thread::get_id());
      });
    }
    std::set<std::thread::id> ids;
    for (auto& f : threads_of) {
      if (f.wait_for(10s) != std::future_status::ready) {
        ADD_FAILURE() << "no outcome within 10 s";
        continue;
      }
      ids.insert(f.get());
    }
    return ids;
  };
  const std::set<std::thread::id> first_threads = answered_on(first->url("/a"));
  const std::set<std::thread::id> second_threads = answered_on(second->url("/b"));
  EXPECT_EQ(first_threads, std::set<std::thread::id>{thread_of[0]});
  EXPECT_EQ(second_threads, std::set<std::thread::id>{thread_of[1]});
  EXPECT_GT(first->connections_accepted() + second->connections_accepted(), 2u) << "the bursts ran on several connections";
}

TEST_F(ClientTest, FullOriginQueueAnswersAtOnce) {
  auto receiver = start_receiver();
  Behaviour slow = Behaviour::respond(200);
  slow.delay = 300ms;
  receiver->set_default(slow);
  ClientOptions o = options();
  o.max_in_flight_per_origin = 2;
  o.max_queued_per_origin = 3;
  std::mutex depths_mu;
  std::vector<std::size_t> depths;  // what hookd_origin_queue_depth observes
  o.on_queued = [&](std::size_t depth) {
    std::lock_guard lock(depths_mu);
    depths.push_back(depth);
  };
  start_client(o);

  std::vector<std::future<Outcome>> futures;
  for (int i = 0; i < 10; ++i) futures.push_back(post(receiver->url("/q")));
  // The five that do not fit are answered long before the first response (300 ms).
  int queue_full = 0;
  for (int i = 5; i < 10; ++i) {
    ASSERT_EQ(futures[i].wait_for(200ms), std::future_status::ready) << i;
    const Outcome outcome = futures[i].get();
    EXPECT_EQ(outcome.result, AttemptResult::origin_queue_full) << describe(outcome);
    queue_full += outcome.result == AttemptResult::origin_queue_full;
  }
  EXPECT_EQ(queue_full, 5);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(futures[i].wait_for(10s), std::future_status::ready);
    EXPECT_EQ(futures[i].get().result, AttemptResult::success_2xx);
  }
  EXPECT_EQ(receiver->request_count(), 5u);
  EXPECT_LE(receiver->max_requests_in_progress(), 2u);
  // Requests 3 to 5 joined the queue, one at a time; the refused ones never did.
  std::lock_guard lock(depths_mu);
  EXPECT_EQ(depths, (std::vector<std::size_t>{1, 2, 3}));
}

// The queue of a busy origin is bounded by the wait it promises, not only by its length: a
// slow origin defers what it could not start within max_queue_wait, long before its queue is
// full (docs/endpoints.md, Origin queues).
TEST_F(ClientTest, ASlowOriginDefersWhatWouldWaitTooLongEvenWithRoomInItsQueue) {
  auto receiver = start_receiver();
  Behaviour slow = Behaviour::respond(200);
  slow.delay = 300ms;
  receiver->set_default(slow);
  ClientOptions o = options();
  o.max_in_flight_per_origin = 2;
  o.max_queued_per_origin = 1000;
  o.max_queue_wait = 1000ms;
  start_client(o);
  // Two requests teach the pool the origin's pace (about 300 ms each).
  for (int i = 0; i < 2; ++i) ASSERT_EQ(send(receiver->url("/warm")).result, AttemptResult::success_2xx);

  std::vector<std::future<Outcome>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(post(receiver->url("/q")));
  // 2 start; a queued request waits (position + 1) * 300 ms / 2 slots: up to 6 fit in 1 s.
  int deferred = 0;
  int delivered = 0;
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
    const Outcome outcome = f.get();
    deferred += outcome.result == AttemptResult::origin_queue_full;
    delivered += outcome.result == AttemptResult::success_2xx;
    if (outcome.result == AttemptResult::origin_queue_full) {
      EXPECT_NE(outcome.error.find("expected wait"), std::string::npos) << outcome.error;
    }
  }
  EXPECT_GE(deferred, 10);
  EXPECT_LE(deferred, 14);
  EXPECT_EQ(delivered + deferred, 20);
}

TEST_F(ClientTest, QueuedRequestsNoLongerWantedAreCancelledWithoutAnAttempt) {
  auto receiver = start_receiver();
  Behaviour slow = Behaviour::respond(200);
  slow.delay = 300ms;
  receiver->set_default(slow);
  ClientOptions o = options();
  o.max_in_flight_per_origin = 1;
  Client& client = start_client(o);

  std::atomic<int> asked{0};
  auto post_with = [&](bool wanted) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    Request request{receiver->url("/g"), std::make_shared<const std::string>("{}"), {}, {}};
    request.refresh = [&asked, wanted](delivery::Request&) {
      ++asked;
      return wanted;
    };
    client.post(std::move(request), [promise](Outcome outcome) { promise->set_value(std::move(outcome)); });
    return future;
  };
  // The first starts at once and is not asked; the second and third wait behind it.
  auto first = post_with(false);
  auto second = post_with(false);
  auto third = post_with(true);
  ASSERT_EQ(first.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(first.get().result, AttemptResult::success_2xx);
  ASSERT_EQ(second.wait_for(10s), std::future_status::ready);
  const Outcome cancelled = second.get();
  EXPECT_EQ(cancelled.result, AttemptResult::cancelled) << describe(cancelled);
  ASSERT_EQ(third.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(third.get().result, AttemptResult::success_2xx);
  EXPECT_EQ(asked.load(), 2);
  EXPECT_EQ(receiver->request_count(), 2u);  // the cancelled one never reached the receiver
}

TEST_F(ClientTest, AQueueOfAttemptsThatEndWithoutWaitingNeverNestsOnTheStack) {
  // An attempt that ends hands its connection back in place, which starts the next waiting
  // one. Refused headers end an attempt without waiting, so a queue of them would run each
  // inside the one before, as deep as the queue, if the next hand-back were in place too.
  auto receiver = start_receiver();
  Behaviour slow = Behaviour::respond(200);
  slow.delay = 200ms;
  receiver->enqueue(slow);
  constexpr int kRefused = 2000;
  ClientOptions o = options();
  o.max_in_flight_per_origin = 1;
  o.max_queued_per_origin = kRefused;  // every one queues, however slowly the first answers
  o.max_queue_wait = std::chrono::hours(1);
  Client& client = start_client(o);

  auto first = post(receiver->url("/"));
  // Where on its thread's stack each callback ran: the lowest and highest frame per thread.
  std::mutex mutex;
  std::map<std::thread::id, std::pair<std::uintptr_t, std::uintptr_t>> frames;
  int answered = 0;
  int refused = 0;
  std::promise<void> all_done;
  for (int i = 0; i < kRefused; ++i) {
    Request request{receiver->url("/"), std::make_shared<const std::string>("{}"), {{"x-bad", "a\nb"}}, {}};
    client.post(std::move(request), [&](Outcome outcome) {
      const auto frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
      const std::lock_guard lock(mutex);
      auto [range, added] = frames.try_emplace(std::this_thread::get_id(), frame, frame);
      range->second = {std::min(range->second.first, frame), std::max(range->second.second, frame)};
      if (outcome.result == AttemptResult::blocked) ++refused;
      if (++answered == kRefused) all_done.set_value();
    });
  }
  ASSERT_EQ(first.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(first.get().result, AttemptResult::success_2xx);
  // Every callback has run before `frames` may go.
  ASSERT_EQ(all_done.get_future().wait_for(60s), std::future_status::ready);
  const std::lock_guard lock(mutex);
  EXPECT_EQ(refused, kRefused);
  // Nested, 2,000 attempts would spread their callbacks over megabytes of one stack.
  for (const auto& [thread, range] : frames) {
    EXPECT_LT(range.second - range.first, 64u * 1024) << "callbacks ran at nested depths";
  }
}

TEST_F(ClientTest, HangingOriginDoesNotDelayAnotherOrigin) {
  auto hanging = start_receiver();
  hanging->set_default(Behaviour::hang());
  auto healthy = start_receiver();
  ClientOptions o = options();
  o.request_timeout = 3s;
  o.max_in_flight_per_origin = 2;
  start_client(o);

  std::vector<std::future<Outcome>> stuck;
  for (int i = 0; i < 6; ++i) stuck.push_back(post(hanging->url("/stuck")));
  ASSERT_TRUE(hanging->wait_for_requests(2, 5s));

  const auto before = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(send(healthy->url("/fine")).result, AttemptResult::success_2xx);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  EXPECT_EQ(stuck.front().wait_for(0s), std::future_status::timeout) << "the hanging origin is still hanging";
  hanging->stop();  // its requests now end (connection closed) instead of waiting for the timeout
  for (auto& f : stuck) EXPECT_EQ(f.wait_for(10s), std::future_status::ready);
}

TEST_F(ClientTest, ConnectionDroppedWhileIdleIsRetriedOnceOnAFreshOne) {
  auto receiver = start_receiver();
  Behaviour drop = Behaviour::respond(200);
  drop.drop_after = true;  // answers as keep-alive, then closes
  receiver->enqueue(drop);
  start_client();
  EXPECT_EQ(send(receiver->url("/1")).result, AttemptResult::success_2xx);
  // Let the close reach the client, as it would for a server's idle timeout.
  for (int i = 0; i < 100 && receiver->connections_open() > 0; ++i) std::this_thread::sleep_for(10ms);
  const Outcome o = send(receiver->url("/2"));
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);
  EXPECT_EQ(receiver->request_count(), 2u);
  EXPECT_EQ(receiver->connections_accepted(), 2u);
}

TEST_F(ClientTest, IdleConnectionsAreClosedAfterTheIdleTimeout) {
  auto receiver = start_receiver();
  ClientOptions o = options();
  o.idle_timeout = 1s;
  start_client(o);
  EXPECT_EQ(send(receiver->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(receiver->connections_open(), 1u);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(receiver->connections_open(), 0u);
  EXPECT_EQ(send(receiver->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(receiver->connections_accepted(), 2u);
}

TEST(IdleDeadline, TheWarmestWaitsTheIdleTimeoutEveryOtherTheSurplusTimeout) {
  using Clock = std::chrono::steady_clock;
  ClientOptions o;
  o.idle_timeout = 60s;
  o.idle_surplus_timeout = 10s;
  const Clock::time_point since{};
  EXPECT_EQ(idle_deadline(since, /*warmest=*/true, o), since + 60s);
  EXPECT_EQ(idle_deadline(since, /*warmest=*/false, o), since + 10s);
  o.idle_surplus_timeout = 90s;  // never longer than the warmest's
  EXPECT_EQ(idle_deadline(since, /*warmest=*/false, o), since + 60s);
}

// Waits up to 5 s for `receiver` to see `open` connections.
bool open_connections_become(HttpsReceiver& receiver, std::size_t open) {
  for (int i = 0; i < 500 && receiver.connections_open() != open; ++i) std::this_thread::sleep_for(10ms);
  return receiver.connections_open() == open;
}

// Waits up to 5 s for `client`'s pools to hold `idle` connections (an attempt hands its
// connection back to the pool's strand just before it answers).
bool idle_connections_become(Client& client, std::size_t idle) {
  for (int i = 0; i < 500 && client.idle_connection_count() != idle; ++i) std::this_thread::sleep_for(10ms);
  return client.idle_connection_count() == idle;
}

// Decided by the pool's clock: the test moves it instead of waiting. The real timer that
// wakes an idle pool is covered by IdleConnectionsAreClosedAfterTheIdleTimeout.
TEST_F(ClientTest, WhatABurstOpenedClosesAfterTheSurplusTimeoutAndTheWarmestStays) {
  auto receiver = start_receiver();
  Behaviour slowish = Behaviour::respond(200);
  slowish.delay = 50ms;
  receiver->set_default(slowish);
  ClientOptions o = options();
  o.max_in_flight_per_origin = 3;  // what a pool runs before its latency is measured
  o.idle_timeout = 60s;
  o.idle_surplus_timeout = 10s;
  Client& client = start_client_on_manual_clock(o);
  std::vector<std::future<Outcome>> burst;
  for (int i = 0; i < 3; ++i) burst.push_back(post(receiver->url("/burst")));
  for (auto& f : burst) ASSERT_EQ(f.get().result, AttemptResult::success_2xx);
  ASSERT_EQ(receiver->connections_accepted(), 3u);
  ASSERT_TRUE(idle_connections_become(client, 3));
  // Just short of the surplus timeout every one is kept and the warmest is reused.
  manual_clock_.advance(9999ms);
  EXPECT_EQ(send(receiver->url("/before")).result, AttemptResult::success_2xx);
  EXPECT_TRUE(idle_connections_become(client, 3));
  EXPECT_EQ(receiver->connections_accepted(), 3u);
  // Past it, the two surplus ones close; the most recently used one serves the next request.
  manual_clock_.advance(10s);
  EXPECT_EQ(send(receiver->url("/after")).result, AttemptResult::success_2xx);
  EXPECT_TRUE(open_connections_become(*receiver, 1)) << receiver->connections_open() << " open";
  EXPECT_EQ(receiver->connections_accepted(), 3u);
  EXPECT_TRUE(idle_connections_become(client, 1));
  // The warmest stays for the idle timeout, and closes after it.
  manual_clock_.advance(59s);
  EXPECT_EQ(send(receiver->url("/warm")).result, AttemptResult::success_2xx);
  EXPECT_EQ(receiver->connections_accepted(), 3u);
  ASSERT_TRUE(idle_connections_become(client, 1));
  manual_clock_.advance(61s);
  EXPECT_EQ(send(receiver->url("/cold")).result, AttemptResult::success_2xx);
  EXPECT_EQ(receiver->connections_accepted(), 4u);
}

TEST_F(ClientTest, IdleConnectionsOfAllOriginsStayWithinTheGlobalCap) {
  auto first = start_receiver();
  auto second = start_receiver();
  auto third = start_receiver();
  ClientOptions o = options();
  o.max_idle_connections = 2;
  Client& client = start_client(o);
  EXPECT_EQ(send(first->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(send(second->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(send(third->url("/")).result, AttemptResult::success_2xx);
  // The third pool returned a connection beyond the cap and closed its coldest: that one.
  EXPECT_TRUE(open_connections_become(*third, 0));
  EXPECT_EQ(first->connections_open(), 1u);
  EXPECT_EQ(second->connections_open(), 1u);
  // What hookd_idle_connections shows. The pool counts a closed connection out just after
  // closing it, so the receiver can see the close first.
  EXPECT_TRUE(idle_connections_become(client, 2)) << client.idle_connection_count() << " idle";
  // The two kept are reused.
  EXPECT_EQ(send(first->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(first->connections_accepted(), 1u);
}

TEST_F(ClientTest, PoolsOfOriginsNoLongerUsedAreForgotten) {
  auto first = start_receiver();
  auto second = start_receiver();
  auto third = start_receiver();
  ClientOptions o = options();
  o.idle_timeout = 1s;
  Client& client = start_client(o);
  EXPECT_EQ(send(first->url("/")).result, AttemptResult::success_2xx);
  // While its connection is idle, a pool is kept.
  EXPECT_EQ(send(second->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(client.pool_count(), 2u);
  // Once the idle connections are closed, the next new origin sweeps both pools away.
  std::this_thread::sleep_for(1500ms);
  ASSERT_EQ(first->connections_open(), 0u);
  EXPECT_EQ(send(third->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(client.pool_count(), 1u);
  // A forgotten origin works as before, on a new pool.
  EXPECT_EQ(send(first->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(first->request_count(), 2u);
}

TEST_F(ClientTest, ShutdownClosesIdleConnections) {
  auto receiver = start_receiver();
  start_client();
  EXPECT_EQ(send(receiver->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(receiver->connections_open(), 1u);
  client_->shutdown();
  for (int i = 0; i < 100 && receiver->connections_open() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(receiver->connections_open(), 0u);
}

TEST_F(ClientTest, LoopbackIsBlockedUnlessPrivateNetworksAreAllowed) {
  auto receiver = start_receiver();
  ClientOptions o = options();
  o.allow_private_networks = false;
  start_client(o);
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    const Outcome outcome = send(receiver->url("/", host));
    EXPECT_EQ(outcome.result, AttemptResult::blocked) << describe(outcome);
  }
  EXPECT_EQ(send("https://[::ffff:127.0.0.1]:" + std::to_string(receiver->port()) + "/").result,
            AttemptResult::blocked);
  EXPECT_EQ(send("http://169.254.169.254/latest/meta-data/").result, AttemptResult::blocked);
  EXPECT_EQ(receiver->connections_accepted(), 0u) << "a blocked target is never connected to";
}

TEST_F(ClientTest, CloudMetadataStaysBlockedWithPrivateNetworksAllowed) {
  start_client();  // allow_private_networks = true
  const Outcome o = send("http://169.254.169.254/latest/meta-data/");
  EXPECT_EQ(o.result, AttemptResult::blocked) << describe(o);
}

TEST_F(ClientTest, PlainHttpFollowsAllowHttp) {
  auto receiver = start_plain_receiver();
  {
    ClientOptions o = options();
    o.allow_http = false;
    start_client(o);
    const Outcome outcome = send(receiver->url("/plain"));
    EXPECT_EQ(outcome.result, AttemptResult::blocked) << describe(outcome);
    EXPECT_EQ(receiver->connections_accepted(), 0u);
  }
  start_client(options());
  const Outcome outcome = send(receiver->url("/plain"), "hello");
  EXPECT_EQ(outcome.result, AttemptResult::success_2xx) << describe(outcome);
  ASSERT_EQ(receiver->request_count(), 1u);
  EXPECT_EQ(receiver->requests().front().body, "hello");
}

TEST_F(ClientTest, UnusableUrlsAreBlocked) {
  start_client();
  for (const char* url : {"ftp://example.com/", "not a url", "https://user:pw@example.com/"})
    EXPECT_EQ(send(url).result, AttemptResult::blocked) << url;
}

TEST_F(ClientTest, DoneRunsExactlyOnceUnderConcurrentPostsFromManyThreads) {
  auto receiver = start_receiver();
  ClientOptions o = options();
  o.max_in_flight_per_origin = 8;
  o.max_queued_per_origin = 10000;
  start_client(o);
  std::atomic<int> completed{0};
  std::atomic<int> succeeded{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t) {
    posters.emplace_back([&] {
      for (int i = 0; i < 50; ++i)
        client_->post(Request{receiver->url("/mt"), std::make_shared<const std::string>("{}"), {}, {}}, [&](Outcome outcome) {
          succeeded += outcome.result == AttemptResult::success_2xx;
          ++completed;
        });
    });
  }
  for (auto& t : posters) t.join();
  for (int i = 0; i < 1000 && completed < 200; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(completed, 200);
  EXPECT_EQ(succeeded, 200);
  EXPECT_EQ(receiver->request_count(), 200u);
}

}  // namespace
}  // namespace hookd::delivery
