#include "worker/worker.h"

#include "admin/admin_server.h"
#include "common/log.h"
#include "delivery/client.h"
#include "common/units.h"
#include "kafka/consumer_lag.h"
#include "kafka/group_consumer.h"
#include "kafka/producer.h"
#include "kafka/topic_admin.h"
#include "metrics/metrics.h"
#include "retry/records.h"
#include "worker/deliverer.h"
#include "worker/event_loop.h"
#include "worker/subscription_feed.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

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
  const kafka::GroupConsumer* consumer = nullptr;

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

}  // namespace

int run(const config::Config& config, const std::atomic<bool>& stop) {
  log::set_level(config.log.level);
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
    return liveness.snapshot_ready.load() && liveness.consuming.load() && liveness.consumer &&
           liveness.consumer->joined() && kafka_ok;
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
    client = std::make_unique<delivery::Client>(io, options);
  } catch (const std::exception& e) {
    log::error("cannot set up the HTTP client", {{"key", "delivery.ca_file"}, {"error", e.what()}});
    return kExitConfig;
  }
  std::vector<std::thread> io_threads;
  for (int i = 0; i < config.delivery.threads; ++i) io_threads.emplace_back([&io] { io.run(); });
  auto stop_io = [&] {
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

  const auto first_tier = retry::distinct_tiers(config.retry.schedule).front();
  Deliverer deliverer(io, *client, producer, metrics,
                      {retry::tier_topic(config.topics.retry_prefix, first_tier), first_tier,
                       config.topics.dead_letter, std::string("hookd/") + HOOKD_VERSION});

  int exit_code = kExitClean;
  if (!stop.load()) {
    EventLoop* loop_ptr = nullptr;
    kafka::GroupConsumerOptions options;
    options.group_id = config.kafka.group_id;
    options.topics = config.topics.events;
    options.statistics_interval = 5s;
    options.on_revoke = [&](const std::vector<kafka::TopicPartition>&) {
      if (loop_ptr) loop_ptr->on_revoke();
    };
    options.on_stats = [&](std::string_view stats) {
      kafka::parse_consumer_lag(stats, [&](std::string_view topic, std::int32_t partition, std::int64_t lag) {
        metrics.set_consumer_lag(topic, partition, lag);
      });
      // Any broker UP in the statistics means Kafka is reachable again.
      if (stats.find("\"state\":\"UP\"") != std::string_view::npos) liveness.kafka_down_since = 0;
    };
    options.on_error = [&](rd_kafka_resp_err_t err, std::string_view reason) {
      if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        Clock::rep expected = 0;
        liveness.kafka_down_since.compare_exchange_strong(expected, Clock::now().time_since_epoch().count());
      }
      log::limited(log::Level::warn, "kafka_error", "Kafka client error",
                   {{"error", rd_kafka_err2str(err)}, {"reason", reason}});
    };
    kafka::GroupConsumer consumer(kafka_settings, options);
    EventLoop loop({config.topics.events, config.topics.dead_letter, config.limits.max_event_bytes,
                    config.delivery.max_in_flight},
                   consumer, producer, snapshots, deliverer, metrics);
    loop_ptr = &loop;
    liveness.consumer = &consumer;
    liveness.consuming = true;

    std::thread heartbeat([&] {
      // /healthz follows the event loop: it answers 200 while the loop keeps turning.
      while (liveness.consuming.load()) {
        if (Clock::now() - loop.last_loop() < 30s) liveness.beat();
        std::this_thread::sleep_for(1s);
      }
    });
    log::info("consuming events", {{"group_id", config.kafka.group_id}});
    loop.run(stop);

    log::info("stopping: draining in-flight deliveries",
              {{"in_flight", static_cast<long long>(deliverer.in_flight())},
               {"grace_ms", static_cast<long long>(config.shutdown.grace_period.count())}});
    loop.drain(config.shutdown.grace_period);
    loop_ptr = nullptr;
    consumer.close();
    liveness.consuming = false;
    liveness.consumer = nullptr;
    heartbeat.join();
    if (producer.fatal()) exit_code = kExitFatal;
  }
  feed.stop();
  stop_io();
  producer.flush(5s);
  log::info("stopped", {{"exit_code", exit_code}});
  return exit_code;
}

}  // namespace hookd::worker
