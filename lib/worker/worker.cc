#include "worker/worker.h"

#include "admin/admin_server.h"
#include "admin/liveness.h"
#include "common/build_info.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/units.h"
#include "config/loader.h"
#include "health/status_publisher.h"
#include "health/tracker.h"
#include "kafka/consumer_lag.h"
#include "kafka/group_consumer.h"
#include "kafka/producer.h"
#include "kafka/topic_admin.h"
#include "metrics/metrics.h"
#include "retry/records.h"
#include "dispatch/deliverer.h"
#include "worker/delivery_runtime.h"
#include "worker/event_loop.h"
#include "worker/retry_loop.h"
#include "worker/subscription_feed.h"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace hookd::worker {
namespace {

using namespace std::chrono_literals;

// Shutdown deadlines after shutdown.grace_period (docs/operations.md, shutdown): the producer's
// last acknowledgements, dropping what is left, and each consumer's final commit and leave.
constexpr auto kShutdownFlush = 5s;
constexpr auto kShutdownPurge = 1s;
constexpr auto kShutdownClose = 3s;

// A stage that cannot start: logged by run() and turned into its exit code.
struct StartFailure : std::runtime_error {
  StartFailure(int code, const std::string& what) : std::runtime_error(what), exit_code(code) {}
  int exit_code;
};

// The records hookd writes must fit the producer's message.max.bytes and the topics'
// max.message.bytes; the loader refuses a kafka.properties.message.max.bytes below it.
using config::max_record_bytes;

std::vector<kafka::TopicSpec> topics_hookd_writes(const config::Config& config) {
  std::vector<kafka::TopicSpec> specs;
  const auto& t = config.topics;
  const auto day = std::chrono::duration_cast<std::chrono::milliseconds>(24h);
  const std::string max_message_bytes = std::to_string(max_record_bytes(config.limits.max_event_bytes));
  for (const auto& delay : retry::distinct_tiers(config.retry.schedule)) {
    // A record must outlive its wait: retention is at least the tier's delay plus a day.
    const auto retention = *parse_duration(delay) + day;
    specs.push_back({retry::tier_topic(t.retry_prefix, delay), t.partitions, t.replication_factor,
                     {{"retention.ms", std::to_string(retention.count())}, {"max.message.bytes", max_message_bytes}}});
  }
  specs.push_back({t.dead_letter, t.partitions, t.replication_factor,
                   {{"retention.ms", std::to_string(t.dead_letter_retention.count())},
                    {"max.message.bytes", max_message_bytes}}});
  if (!t.attempts.empty()) {
    // A UI's recent deliveries: a week is plenty, and the log must never grow without bound.
    specs.push_back({t.attempts, t.partitions, t.replication_factor,
                     {{"retention.ms", std::to_string(std::chrono::milliseconds(24h * 7).count())}}});
  }
  if (!t.status.empty()) {
    // One record per webhook is all a reader needs: compaction keeps the latest status.
    specs.push_back({t.status, t.partitions, t.replication_factor, {{"cleanup.policy", "compact"}}});
  }
  return specs;
}

// Waits for `ready` while beating the heartbeat; logs `waiting` every 10 s. False when stopped.
bool wait_until(const std::function<bool()>& ready, const std::atomic<bool>& stop, admin::Liveness& liveness,
                const common::Clock& clock, const std::function<void()>& waiting) {
  auto next_log = clock.steady_now();
  while (!stop.load()) {
    liveness.beat();
    if (ready()) return true;
    if (clock.steady_now() >= next_log) {
      waiting();
      next_log = clock.steady_now() + 10s;
    }
    std::this_thread::sleep_for(500ms);
  }
  return false;
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

template <typename Build>
auto build_stage(int exit_code, const char* what, Build&& build) {
  try {
    return build();
  } catch (const std::exception& e) {
    throw StartFailure(exit_code, std::string(what) + ": " + e.what());
  }
}

// The running worker. Members are its stages in dependency order: each is built after what it
// uses and destroyed (stopped, joined) before it, whether start-up finished or not.
class Worker {
 public:
  Worker(const config::Config& config, const common::Clock& clock)
      : config_(config),
        clock_(clock),
        liveness_(clock, {30s, config.kafka.unavailable_after}),
        settings_{config.kafka.bootstrap_servers, config.kafka.properties},
        admin_(build_stage(kExitFatal, "cannot start the admin server", [&] {
          return std::make_unique<admin::AdminServer>(config.admin.host, config.admin.port, metrics_.exposition(),
                                                      liveness_.probes());
        })),
        producer_(build_stage(kExitConfig, "cannot create the Kafka producer", [&] {
          kafka::ProducerOptions options;
          options.max_record_bytes = max_record_bytes(config.limits.max_event_bytes);
          return std::make_unique<kafka::Producer>(settings_, options);
        })),
        topic_admin_(build_stage(kExitConfig, "cannot create the Kafka admin client",
                                 [&] { return std::make_unique<kafka::TopicAdmin>(settings_); })),
        runtime_(build_stage(kExitConfig, "cannot set up the HTTP client",
                             [&] { return std::make_unique<DeliveryRuntime>(config.delivery, metrics_, clock); })),
        policy_(config.retry.schedule),
        status_publisher_(producer_.get(), metrics_, config.topics.status, health::default_worker_id()),
        health_({config.health.failures_to_unhealthy, config.health.probe_interval}, clock, status_publisher_),
        rate_limiter_({config.delivery.rate_limit_max_wait, static_cast<std::size_t>(config.delivery.max_queued_per_origin)}),
        deliverer_({runtime_->io(), runtime_->client(), *producer_, metrics_, policy_, health_, rate_limiter_, clock,
                    snapshots_},
                   {config.topics.retry_prefix, config.topics.dead_letter, config.topics.attempts,
                    std::string("hookd/") + HOOKD_VERSION, {config.retry.throttle_floor},
                    dispatch::TenantBudget::within_global_caps(
                        {.max_in_flight = config.delivery.max_in_flight_per_tenant,
                         .max_in_flight_bytes = static_cast<std::int64_t>(config.delivery.max_in_flight_bytes_per_tenant),
                         .max_queued = config.delivery.max_queued_per_tenant,
                         .max_queued_bytes = static_cast<std::int64_t>(config.delivery.max_queued_bytes_per_tenant),
                         .max_queue_wait = config.delivery.max_tenant_queue_wait},
                        config.delivery.max_in_flight, static_cast<std::int64_t>(config.delivery.max_in_flight_bytes))}) {
    metrics_.set_build_info(common::version(), common::commit(), rd_kafka_version_str());
    export_liveness();
    runtime_->start();
    schedule_webhook_state_sweep(runtime_->io(), health_, rate_limiter_, snapshots_);
  }

  ~Worker() {
    // No acknowledgement may reach the deliverer once it is gone, whatever stopped the worker.
    runtime_->stop();
    producer_->purge(kShutdownPurge);
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  int run(const std::atomic<bool>& stop) {
    int exit_code = kExitClean;
    if (prepare(stop)) exit_code = consume(stop);
    feed_.reset();
    runtime_->stop();
    if (producer_->flush(kShutdownFlush) != RD_KAFKA_RESP_ERR_NO_ERROR) producer_->purge(kShutdownPurge);
    return exit_code;
  }

 private:
  // Topics exist and the whole subscription table is loaded; false when stopped meanwhile.
  bool prepare(const std::atomic<bool>& stop) {
    const bool reachable = wait_until([&] {
      const bool up = topic_admin_->reachable(2s);
      up ? liveness_.kafka_up() : liveness_.kafka_down();
      export_liveness();
      return up;
    }, stop, liveness_, clock_, [&] {
      log::warn("Kafka unreachable; retrying", {{"bootstrap_servers", config_.kafka.bootstrap_servers}});
    });
    if (!reachable) return false;
    if (auto error = topic_admin_->ensure_topics(topics_hookd_writes(config_))) {
      throw StartFailure(kExitFatal, "cannot create a topic hookd writes: " + *error);
    }
    // Topics the Blue application owns; hookd never creates them.
    auto topics = config_.topics.events;
    topics.push_back(config_.topics.subscriptions);
    for (const auto& topic : topics) {
      const bool exists = wait_until([&] { return topic_admin_->topic_exists(topic, 2s); }, stop, liveness_, clock_, [&] {
        log::warn("waiting for a topic hookd does not create", {{"topic", topic}});
      });
      if (!exists) return false;
    }
    feed_.emplace(settings_, config_.topics.subscriptions, snapshots_, metrics_);
    feed_->start();
    while (!stop.load() && !feed_->ready()) {
      liveness_.beat();
      std::this_thread::sleep_for(20ms);
    }
    liveness_.set_snapshot_ready(feed_->ready());
    return !stop.load();
  }

  // Both consumer groups and their loops, until `stop`; then drain and commit.
  int consume(const std::atomic<bool>& stop);

  // The probes' facts as metrics (hookd_ready, hookd_kafka_reachable), for alerts that must
  // see a pod that is up but not working.
  void export_liveness(bool events_joined = false, bool retries_joined = false) {
    metrics_.ready.Set(liveness_.ready() ? 1 : 0);
    metrics_.kafka_reachable.Set(liveness_.kafka_reachable() ? 1 : 0);
    metrics_.events_group_joined.Set(events_joined ? 1 : 0);
    metrics_.retries_group_joined.Set(retries_joined ? 1 : 0);
  }

  const config::Config& config_;
  const common::Clock& clock_;
  metrics::Metrics metrics_;
  admin::Liveness liveness_;
  const kafka::ClientSettings settings_;
  std::unique_ptr<admin::AdminServer> admin_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::TopicAdmin> topic_admin_;
  std::unique_ptr<DeliveryRuntime> runtime_;
  const retry::RetryPolicy policy_;
  subscriptions::SnapshotStore snapshots_;
  health::StatusPublisher status_publisher_;
  health::Tracker health_;
  delivery::RateLimiter rate_limiter_;
  dispatch::Deliverer deliverer_;
  std::optional<SubscriptionFeed> feed_;
};

int Worker::consume(const std::atomic<bool>& stop) {
  auto on_error = [this](rd_kafka_resp_err_t err, std::string_view reason) {
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) liveness_.kafka_down();
    log::limited(log::Level::warn, "kafka_error", "Kafka client error",
                 {{"error", rd_kafka_err2str(err)}, {"reason", reason}});
  };
  // A consumer that failed for good consumes nothing more, so the worker stops rather than run
  // without partitions. FENCED_INSTANCE_ID: another live worker joined with this worker's
  // kafka.instance_id and now owns its partitions; exit 2 and never rejoin, or the two would
  // fence each other in turn (docs/operations.md, identity and timeouts).
  std::atomic<rd_kafka_resp_err_t> consumer_failed{RD_KAFKA_RESP_ERR_NO_ERROR};
  auto on_fatal = [this, &consumer_failed](rd_kafka_resp_err_t err, std::string_view reason) {
    if (err == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID) {
      log::error("another live worker uses this kafka.instance_id; stopping: give every worker its own kafka.instance_id",
                 {{"kafka.instance_id", config_.kafka.instance_id}, {"reason", reason}, {"exit_code", kExitConfig}});
    } else {
      log::error("Kafka consumer failed fatally; stopping", {{"error", rd_kafka_err2str(err)}, {"reason", reason}});
    }
    consumer_failed.store(err);
  };
  auto broker_up = [this](std::string_view stats) {
    // Any broker UP in the statistics means Kafka is reachable again.
    if (stats.find("\"state\":\"UP\"") != std::string_view::npos) liveness_.kafka_up();
  };

  PollLoop* event_loop_ptr = nullptr;
  kafka::GroupConsumerOptions event_options;
  event_options.group_id = config_.kafka.group_id;
  event_options.instance_id = config_.kafka.instance_id;
  event_options.topics = config_.topics.events;
  event_options.statistics_interval = 5s;
  event_options.auto_commit_interval = config_.kafka.commit_interval;
  event_options.on_revoke = [&](const std::vector<kafka::TopicPartition>& revoked) {
    if (event_loop_ptr) event_loop_ptr->on_revoke();
    for (const auto& tp : revoked) metrics_.remove_consumer_lag(tp.topic, tp.partition);
  };
  event_options.on_stats = [&](std::string_view stats) {
    kafka::parse_consumer_lag(stats, [&](std::string_view topic, std::int32_t partition, std::int64_t lag) {
      metrics_.set_consumer_lag(topic, partition, lag);
    });
    broker_up(stats);
  };
  event_options.on_error = on_error;
  event_options.on_fatal = on_fatal;

  RetryLoop* retry_loop_ptr = nullptr;
  kafka::GroupConsumerOptions retry_options;
  retry_options.group_id = config_.retry.group_id;
  // The same id in the other group: group.instance.id is scoped by the group.
  retry_options.instance_id = config_.kafka.instance_id;
  retry_options.topics = RetryLoop::topics(config_.topics.retry_prefix, policy_);
  retry_options.statistics_interval = 5s;
  retry_options.auto_commit_interval = config_.kafka.commit_interval;
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
  retry_options.on_fatal = on_fatal;

  kafka::GroupConsumer event_consumer(settings_, event_options);
  kafka::GroupConsumer retry_consumer(settings_, retry_options);
  // Both loops share the global caps (docs/contract.md, bounds).
  const PollLimits limits{config_.delivery.max_in_flight, static_cast<std::int64_t>(config_.delivery.max_in_flight_bytes),
                          static_cast<std::size_t>(config_.delivery.max_uncommitted_per_partition),
                          config_.kafka.revoke_grace};
  const auto in_flight_bytes = std::make_shared<InFlightBytes>();
  EventLoop event_loop({config_.topics.events, config_.topics.dead_letter, config_.limits.max_event_bytes, limits},
                       event_consumer, snapshots_, deliverer_, in_flight_bytes, metrics_, clock_);
  RetryLoop retry_loop(retry_consumer, config_.topics.retry_prefix, policy_, snapshots_, deliverer_, metrics_,
                       config_.limits.max_event_bytes, limits, in_flight_bytes, clock_);
  event_loop_ptr = &event_loop;
  retry_loop_ptr = &retry_loop;
  liveness_.set_consuming(true);

  // The loops stop on a signal, or once nothing can be written any more (a fatal producer).
  std::atomic<bool> stopping{false};
  std::atomic<bool> failed_fatally{false};
  std::thread heartbeat([&] {
    // /healthz follows the poll loops: it answers 200 while both keep turning and writes do not
    // fail for good. The admin thread never touches the consumer itself: it may be gone by the
    // time it asks.
    auto next_beat = clock_.steady_now();
    while (liveness_.consuming()) {
      const bool fatal = producer_->fatal() || deliverer_.writes_fatal();
      const bool consumer_fatal = consumer_failed.load() != RD_KAFKA_RESP_ERR_NO_ERROR;
      liveness_.set_failed(fatal || consumer_fatal || deliverer_.writes_failing());
      if (fatal && !failed_fatally.exchange(true)) {
        log::error("Kafka producer failed fatally; stopping, unfinished work stays uncommitted",
                   {{"reason", producer_->fatal_reason()}});
      }
      if (stop.load() || fatal || consumer_fatal) stopping = true;
      // Every turn, not once a second: /readyz is what a rollout waits for, and a second's lag
      // after the group's assignment was a second of every pod's start-up.
      liveness_.set_joined(event_consumer.joined());
      if (clock_.steady_now() >= next_beat) {
        export_liveness(event_consumer.joined(), retry_consumer.joined());
        metrics_.idle_connections.Set(static_cast<double>(runtime_->client().idle_connection_count()));
        const auto now = clock_.steady_now();
        if (now - event_loop.last_turn() < 30s && now - retry_loop.last_turn() < 30s) liveness_.beat();
        next_beat = now + 1s;
      }
      std::this_thread::sleep_for(50ms);
    }
  });
  log::info("consuming events and retries",
            {{"group_id", config_.kafka.group_id}, {"retry_group_id", config_.retry.group_id},
             {"instance_id", config_.kafka.instance_id}});
  // Each loop drains its own consumer on the thread that polls it; after a fatal error nothing
  // in flight can finish, so there is nothing to wait for.
  auto run_and_drain = [&](PollLoop& loop) {
    loop.run(stopping);
    loop.drain(failed_fatally.load() ? 0ms : config_.shutdown.grace_period);
  };
  std::thread retry_thread([&] { run_and_drain(retry_loop); });
  run_and_drain(event_loop);
  retry_thread.join();
  if (deliverer_.in_flight() > 0) {
    log::warn("shutdown grace period over; unfinished deliveries stay uncommitted",
              {{"in_flight", static_cast<long long>(deliverer_.in_flight())}});
  }
  // No completion may arrive once the loops are gone: stop HTTP, wait a bounded time for the
  // producer's last acknowledgements, purge the rest (their records stay uncommitted), store
  // what finished, then commit by closing the consumers, each within its deadline
  // (docs/operations.md, shutdown).
  runtime_->stop();
  if (producer_->flush(kShutdownFlush) != RD_KAFKA_RESP_ERR_NO_ERROR && !producer_->purge(kShutdownPurge)) {
    // An acknowledgement could still reach the loops after they are gone: never let it.
    log::error("Kafka producer did not release its records; exiting now, nothing more is committed");
    std::_Exit(kExitFatal);
  }
  event_loop.store_finished();
  retry_loop.store_finished();
  event_loop_ptr = nullptr;
  retry_loop_ptr = nullptr;
  retry_consumer.close(kShutdownClose);
  event_consumer.close(kShutdownClose);
  liveness_.set_consuming(false);
  heartbeat.join();
  liveness_.set_joined(false);
  export_liveness();
  if (consumer_failed.load() == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID) return kExitConfig;
  return failed_fatally.load() || producer_->fatal() || consumer_failed.load() != RD_KAFKA_RESP_ERR_NO_ERROR
             ? kExitFatal
             : kExitClean;
}

}  // namespace

int run(const config::Config& config, const std::atomic<bool>& stop) {
  log::set_level(config.log.level);
  int exit_code = kExitFatal;
  try {
    Worker worker(config, common::system_clock());
    exit_code = worker.run(stop);
  } catch (const StartFailure& e) {
    log::error(e.what(), {{"exit_code", e.exit_code}});
    return e.exit_code;
  } catch (const std::exception& e) {
    log::error("fatal error", {{"error", e.what()}});
    return kExitFatal;
  }
  log::info("stopped", {{"exit_code", exit_code}});
  return exit_code;
}

}  // namespace hookd::worker
