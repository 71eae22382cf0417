#include "worker/worker.h"

#include "admin/admin_server.h"
#include "common/log.h"
#include "delivery/client.h"
#include "common/units.h"
#include "health/status_publisher.h"
#include "health/tracker.h"
#include "kafka/consumer_lag.h"
#include "kafka/group_consumer.h"
#include "kafka/producer.h"
#include "kafka/topic_admin.h"
#include "metrics/metrics.h"
#include "retry/records.h"
#include "worker/deliverer.h"
#include "worker/event_loop.h"
#include "worker/retry_loop.h"
#include "worker/subscription_feed.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <thread>

namespace hookd::worker {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What /healthz and /readyz look at; written by the threads that own each fact.
struct Liveness {
  std::atomic<Clock::rep> heartbeat{Clock::now().time_since_epoch().count()};
  std::atomic<Clock::rep> kafka_down_since{0};  // 0 = reachable
  std::atomic<bool> snapshot_ready{false};
  std::atomic<bool> consuming{false};
  std::atomic<bool> joined{false};  // the events consumer has joined its group (copied by the heartbeat)

  void beat() { heartbeat.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed); }
};

std::vector<kafka::TopicSpec> topics_hookd_writes(const config::Config& config) {
  std::vector<kafka::TopicSpec> specs;
  const auto day = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24));
  for (const auto& delay : retry::distinct_tiers(config.retry.schedule)) {
    // A record must outlive its wait: retention is at least the tier's delay plus a day.
    const auto retention = *parse_duration(delay) + day;
    specs.push_back({retry::tier_topic(config.topics.retry_prefix, delay), config.topics.partitions,
                     config.topics.replication_factor, {{"retention.ms", std::to_string(retention.count())}}});
  }
  specs.push_back({config.topics.dead_letter, config.topics.partitions, config.topics.replication_factor,
                   {{"retention.ms", std::to_string(config.topics.dead_letter_retention.count())}}});
  if (!config.topics.attempts.empty()) {
    // A UI's recent deliveries: a week is plenty, and the log must never grow without bound.
    specs.push_back({config.topics.attempts, config.topics.partitions, config.topics.replication_factor,
                     {{"retention.ms", std::to_string(std::chrono::milliseconds(std::chrono::hours(24 * 7)).count())}}});
  }
  if (!config.topics.status.empty()) {
    // One record per webhook is all a reader needs: compaction keeps the latest status.
    specs.push_back({config.topics.status, config.topics.partitions, config.topics.replication_factor,
                     {{"cleanup.policy", "compact"}}});
  }
  return specs;
}

// Waits for a topic the Blue application owns; hookd never creates it.
bool wait_for_topic(kafka::TopicAdmin& admin, const std::string& topic, const std::atomic<bool>& stop,
                    Liveness& liveness) {
  auto next_log = Clock::now();
  while (!stop.load()) {
    liveness.beat();
    if (admin.topic_exists(topic, 2s)) return true;
    if (Clock::now() >= next_log) {
      log::warn("waiting for a topic hookd does not create", {{"topic", topic}});
      next_log = Clock::now() + 10s;
    }
    std::this_thread::sleep_for(500ms);
  }
  return false;
}

// Creates the retry and dead-letter topics; keeps trying while Kafka is unreachable.
std::optional<std::string> ensure_own_topics(kafka::TopicAdmin& admin, const config::Config& config,
                                             const std::atomic<bool>& stop, Liveness& liveness) {
  const auto specs = topics_hookd_writes(config);
  auto next_log = Clock::now();
  while (!stop.load()) {
    liveness.beat();
    if (!admin.reachable(2s)) {
      if (Clock::now() >= next_log) {
        log::warn("Kafka unreachable; retrying", {{"bootstrap_servers", config.kafka.bootstrap_servers}});
        next_log = Clock::now() + 10s;
      }
      std::this_thread::sleep_for(500ms);
      continue;
    }
    return admin.ensure_topics(specs);
  }
  return std::nullopt;
}

// Now and then drops the health and rate-limit state of webhooks that are gone from the
// snapshot, so both stay bounded by the subscriptions that exist. Runs on the delivery threads.
void schedule_webhook_state_sweep(boost::asio::io_context& io, health::Tracker& tracker,
                                  delivery::RateLimiter& rate_limiter, const subscriptions::SnapshotStore& snapshots) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io, std::chrono::minutes(1));
  timer->async_wait([&io, &tracker, &rate_limiter, &snapshots, timer](const boost::system::error_code& ec) {
    if (ec) return;
    const auto snapshot = snapshots.load();
    const auto exists = [&snapshot](std::string_view id) { return snapshot->find(id) != nullptr; };
    tracker.retain(exists);
    rate_limiter.retain(exists);
    schedule_webhook_state_sweep(io, tracker, rate_limiter, snapshots);
  });
}

// One dead origin holds its in-flight slots and its whole queue of the global cap until its
// breaker opens; if that is the whole cap, one endpoint pauses every partition meanwhile.
void warn_if_one_origin_can_fill_the_global_cap(const config::DeliveryConfig& delivery) {
  const long per_origin = static_cast<long>(delivery.max_in_flight_per_origin) + delivery.max_queued_per_origin;
  if (per_origin < delivery.max_in_flight) return;
  log::warn("one slow origin can hold all of delivery.max_in_flight: raise it or lower "
            "delivery.max_in_flight_per_origin / delivery.max_queued_per_origin",
            {{"max_in_flight", delivery.max_in_flight}, {"per_origin_in_flight_and_queued", per_origin}});
}

}  // namespace

int run(const config::Config& config, const std::atomic<bool>& stop) {
  log::set_level(config.log.level);
  warn_if_one_origin_can_fill_the_global_cap(config.delivery);
  metrics::Metrics metrics;
  Liveness liveness;
  const kafka::ClientSettings kafka_settings{config.kafka.bootstrap_servers, config.kafka.properties};

  auto healthy = [&] {
    return Clock::now() - Clock::time_point(Clock::duration(liveness.heartbeat.load())) < 30s;
  };
  auto ready = [&] {
    const auto down = liveness.kafka_down_since.load();
    const bool kafka_ok = down == 0 || Clock::now() - Clock::time_point(Clock::duration(down)) <
                                           config.kafka.unavailable_after;
    return liveness.snapshot_ready.load() && liveness.consuming.load() && liveness.joined.load() && kafka_ok;
  };
  std::unique_ptr<admin::AdminServer> admin_server;
  try {
    admin_server = std::make_unique<admin::AdminServer>(config.admin.host, config.admin.port, metrics.registry_ptr(),
                                                        admin::Probes{healthy, ready});
  } catch (const std::exception& e) {
    log::error("cannot start the admin server", {{"listen", config.admin.listen}, {"error", e.what()}});
    return kExitFatal;
  }

  // Delivery threads: HTTP client, deliverer callbacks, producer retry timers.
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::unique_ptr<delivery::Client> client;
  try {
    delivery::ClientOptions options;
    options.request_timeout = config.delivery.timeout;
    options.connect_timeout = config.delivery.connect_timeout;
    options.max_in_flight_per_origin = static_cast<std::size_t>(config.delivery.max_in_flight_per_origin);
    options.max_queued_per_origin = static_cast<std::size_t>(config.delivery.max_queued_per_origin);
    options.max_response_bytes = config.delivery.max_response_bytes;
    options.allow_private_networks = config.delivery.allow_private_networks;
    options.allow_http = config.delivery.allow_http;
    options.ca_file = config.delivery.ca_file;
    options.user_agent = std::string("hookd/") + HOOKD_VERSION;
    options.dns_cache_ttl = std::chrono::duration_cast<std::chrono::seconds>(config.delivery.dns_cache_ttl);
    options.proxy = config.delivery.proxy;
    options.on_queued = [&metrics](std::size_t depth) { metrics.origin_queue_depth.Observe(static_cast<double>(depth)); };
    client = std::make_unique<delivery::Client>(io, options);
  } catch (const std::exception& e) {
    // The message names the key (delivery.ca_file or delivery.proxy).
    log::error("cannot set up the HTTP client", {{"error", e.what()}});
    return kExitConfig;
  }
  std::vector<std::thread> io_threads;
  for (int i = 0; i < config.delivery.threads; ++i) io_threads.emplace_back([&io] { io.run(); });
  auto stop_io = [&] {
    if (io_threads.empty()) return;
    work.reset();
    client->shutdown();
    io.stop();
    for (auto& t : io_threads) t.join();
    io_threads.clear();
  };

  kafka::Producer producer(kafka_settings);
  kafka::TopicAdmin topic_admin(kafka_settings);
  if (auto error = ensure_own_topics(topic_admin, config, stop, liveness)) {
    log::error("cannot create a topic hookd writes", {{"error", *error}});
    stop_io();
    return kExitFatal;
  }
  for (const auto& topic : config.topics.events) {
    if (!wait_for_topic(topic_admin, topic, stop, liveness)) break;
  }
  if (!stop.load()) wait_for_topic(topic_admin, config.topics.subscriptions, stop, liveness);

  subscriptions::SnapshotStore snapshots;
  SubscriptionFeed feed(kafka_settings, config.topics.subscriptions, snapshots, metrics);
  feed.start();
  while (!stop.load() && !feed.ready()) {
    liveness.beat();
    std::this_thread::sleep_for(20ms);
  }
  liveness.snapshot_ready = feed.ready();

  const retry::RetryPolicy policy(config.retry.schedule);
  const health::SystemClock clock;
  health::StatusPublisher status_publisher(&producer, metrics, config.topics.status, health::default_worker_id());
  health::Tracker health_tracker({config.health.failures_to_unhealthy, config.health.probe_interval}, clock,
                                 status_publisher);
  delivery::RateLimiter rate_limiter({config.delivery.rate_limit_max_wait,
                                      static_cast<std::size_t>(config.delivery.max_queued_per_origin)});
  schedule_webhook_state_sweep(io, health_tracker, rate_limiter, snapshots);
  Deliverer deliverer(io, *client, producer, metrics, policy, health_tracker, rate_limiter,
                      {config.topics.retry_prefix, config.topics.dead_letter, config.topics.attempts,
                       std::string("hookd/") + HOOKD_VERSION, config.retry.throttle_floor});

  int exit_code = kExitClean;
  if (!stop.load()) {
    auto on_error = [&](rd_kafka_resp_err_t err, std::string_view reason) {
      if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        Clock::rep expected = 0;
        liveness.kafka_down_since.compare_exchange_strong(expected, Clock::now().time_since_epoch().count());
      }
      log::limited(log::Level::warn, "kafka_error", "Kafka client error",
                   {{"error", rd_kafka_err2str(err)}, {"reason", reason}});
    };
    auto broker_up = [&](std::string_view stats) {
      // Any broker UP in the statistics means Kafka is reachable again.
      if (stats.find("\"state\":\"UP\"") != std::string_view::npos) liveness.kafka_down_since = 0;
    };

    PollLoop* event_loop_ptr = nullptr;
    kafka::GroupConsumerOptions event_options;
    event_options.group_id = config.kafka.group_id;
    event_options.topics = config.topics.events;
    event_options.statistics_interval = 5s;
    event_options.on_revoke = [&](const std::vector<kafka::TopicPartition>& revoked) {
      if (event_loop_ptr) event_loop_ptr->on_revoke();
      for (const auto& tp : revoked) metrics.remove_consumer_lag(tp.topic, tp.partition);
    };
    event_options.on_stats = [&](std::string_view stats) {
      kafka::parse_consumer_lag(stats, [&](std::string_view topic, std::int32_t partition, std::int64_t lag) {
        metrics.set_consumer_lag(topic, partition, lag);
      });
      broker_up(stats);
    };
    event_options.on_error = on_error;

    RetryLoop* retry_loop_ptr = nullptr;
    kafka::GroupConsumerOptions retry_options;
    retry_options.group_id = config.retry.group_id;
    retry_options.topics = RetryLoop::topics(config.topics.retry_prefix, policy);
    retry_options.statistics_interval = 5s;
    retry_options.on_assign = [&](const std::vector<kafka::TopicPartition>& assigned) {
      if (retry_loop_ptr) retry_loop_ptr->on_assign(assigned);
    };
    retry_options.on_revoke = [&](const std::vector<kafka::TopicPartition>&) {
      if (retry_loop_ptr) retry_loop_ptr->on_revoke();
    };
    retry_options.on_stats = [&](std::string_view stats) {
      if (retry_loop_ptr) retry_loop_ptr->on_statistics(stats);
    };
    retry_options.on_error = on_error;

    kafka::GroupConsumer event_consumer(kafka_settings, event_options);
    kafka::GroupConsumer retry_consumer(kafka_settings, retry_options);
    EventLoop event_loop({config.topics.events, config.topics.dead_letter, config.limits.max_event_bytes,
                          config.delivery.max_in_flight},
                         event_consumer, snapshots, deliverer, metrics);
    RetryLoop retry_loop(retry_consumer, config.topics.retry_prefix, policy, snapshots, deliverer, metrics,
                         config.limits.max_event_bytes);
    event_loop_ptr = &event_loop;
    retry_loop_ptr = &retry_loop;
    liveness.consuming = true;

    std::thread heartbeat([&] {
      // /healthz follows the poll loops: it answers 200 while both keep turning.
      // The admin thread never touches the consumer itself: it may be gone by the time it asks.
      while (liveness.consuming.load()) {
        liveness.joined = event_consumer.joined();
        const auto now = Clock::now();
        if (now - event_loop.last_turn() < 30s && now - retry_loop.last_turn() < 30s) liveness.beat();
        std::this_thread::sleep_for(1s);
      }
    });
    log::info("consuming events and retries",
              {{"group_id", config.kafka.group_id}, {"retry_group_id", config.retry.group_id}});
    // Each loop drains its own consumer on the thread that polls it.
    auto run_and_drain = [&](PollLoop& loop) {
      loop.run(stop);
      loop.drain(config.shutdown.grace_period);
    };
    std::thread retry_thread([&] { run_and_drain(retry_loop); });
    run_and_drain(event_loop);
    retry_thread.join();
    if (deliverer.in_flight() > 0) {
      log::warn("shutdown grace period over; unfinished deliveries stay uncommitted",
                {{"in_flight", static_cast<long long>(deliverer.in_flight())}});
    }
    // No completion may arrive once the loops are gone: stop HTTP, wait for the producer's
    // last acknowledgements, store what they finished, then commit by closing the consumers.
    stop_io();
    producer.flush(5s);
    event_loop.store_finished();
    retry_loop.store_finished();
    event_loop_ptr = nullptr;
    retry_loop_ptr = nullptr;
    retry_consumer.close();
    event_consumer.close();
    liveness.consuming = false;
    heartbeat.join();
    liveness.joined = false;
    if (producer.fatal()) exit_code = kExitFatal;
  }
  feed.stop();
  stop_io();
  producer.flush(5s);
  log::info("stopped", {{"exit_code", exit_code}});
  return exit_code;
}

}  // namespace hookd::worker
