// hookd's configuration as plain values. Every field carries its documented default
// (docs/configuration.md, examples/hookd.yaml), so a default-constructed Config is exactly
// what an empty config file means. The loader (config/loader.h) is the only place that
// turns YAML into these structs and checks them; everything downstream can trust them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/log.h"

namespace hookd::config {

struct KafkaConfig {
  std::string bootstrap_servers = "127.0.0.1:9092";
  std::string group_id = "hookd";
  // librdkafka properties applied to every client hookd makes (SASL, SSL, timeouts).
  // The loader refuses the ones hookd's delivery guarantees rest on.
  std::map<std::string, std::string> properties;
  // /readyz turns 503 once Kafka has been unreachable for longer than this.
  std::chrono::milliseconds unavailable_after = std::chrono::seconds(60);
  // How often stored offsets are committed; part of what a crash redelivers (docs/contract.md).
  std::chrono::milliseconds commit_interval = std::chrono::seconds(1);
  // On a rebalance, how long the revoked partitions' deliveries may finish before the
  // partitions go; the poll thread waits inside the rebalance, so at most 20 s.
  std::chrono::milliseconds revoke_grace = std::chrono::seconds(5);
  // group.instance.id of this worker in both consumer groups (static membership): a worker
  // restarted with the same id gets its partitions back without a rebalance. Empty turns it off.
  // The loader defaults it to the HOSTNAME environment variable (docs/operations.md, identity).
  std::string instance_id;
  friend bool operator==(const KafkaConfig&, const KafkaConfig&) = default;
};

struct TopicsConfig {
  std::vector<std::string> events{"blue.events"};
  std::string subscriptions = "blue.webhooks";
  // Retry tiers are "<retry_prefix>.<delay as written>", e.g. "hookd.retry.5s".
  std::string retry_prefix = "hookd.retry";
  std::string dead_letter = "hookd.dlq";
  std::string attempts = "hookd.attempts";  // the attempts log; empty turns it off
  std::string status = "hookd.webhook-status";  // compacted webhook status records; empty turns them off
  // Used only for the topics hookd creates (retry tiers, dead letters).
  int partitions = 12;
  int replication_factor = 3;
  std::chrono::milliseconds dead_letter_retention = std::chrono::days(14);
  friend bool operator==(const TopicsConfig&, const TopicsConfig&) = default;
};

struct RetryConfig {
  // Delays as written ("5s", "30m"): each is both a wait and part of a topic name, so the
  // spelling is kept. The foundation sends failed attempts to the tier of schedule[0].
  std::vector<std::string> schedule{"5s", "5m", "30m", "2h", "5h", "10h", "10h"};
  // The least a retry waits after a timeout or a 429 (a longer Retry-After on 429/503 wins).
  std::chrono::milliseconds throttle_floor = std::chrono::seconds(60);
  // Consumer group of the retry-tier consumers; must differ from kafka.group_id. When the key
  // is absent the loader makes it "<kafka.group_id>-retry", so two deployments with their own
  // kafka.group_id never share a retry group.
  std::string group_id = "hookd-retry";
  friend bool operator==(const RetryConfig&, const RetryConfig&) = default;
};

struct HealthConfig {
  // Consecutive failed attempts after which a webhook is UNHEALTHY and its breaker opens.
  int failures_to_unhealthy = 5;
  // While the breaker is open, one probe attempt per webhook per worker this often.
  std::chrono::milliseconds probe_interval = std::chrono::seconds(30);
  friend bool operator==(const HealthConfig&, const HealthConfig&) = default;
};

struct DeliveryConfig {
  // The whole request, connect included.
  std::chrono::milliseconds timeout = std::chrono::seconds(7);
  // Name resolution, TCP connect and TLS handshake.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(3);
  int max_in_flight = 2048;             // global; event and retry partitions pause at this cap
  // Memory the deliveries in flight hold, estimated per record; partitions pause at this cap too.
  std::size_t max_in_flight_bytes = std::size_t{256} * 1024 * 1024;
  // One company's (tenant's) share of the two caps above: beyond it its deliveries are deferred
  // to a retry tier, so one company cannot pause everyone's partitions. When a key is absent
  // the loader makes it a quarter of its global cap.
  int max_in_flight_per_tenant = 512;
  std::size_t max_in_flight_bytes_per_tenant = std::size_t{64} * 1024 * 1024;
  // A delivery over its company's budget waits for one of that company's to finish, in a queue
  // of at most this many and bytes, while its expected wait stays within max_tenant_queue_wait;
  // beyond, a retry tier as above (docs/contract.md, Isolation between companies). When a key
  // is absent the loader makes it the budget's, but no more than the global cap leaves: a
  // company holds at most its budget plus its queue. 0 queues nothing.
  int max_queued_per_tenant = 512;
  std::size_t max_queued_bytes_per_tenant = std::size_t{64} * 1024 * 1024;
  std::chrono::milliseconds max_tenant_queue_wait = std::chrono::seconds(1);
  // Offsets a partition may have read past its committable one (finished or not) before it
  // is paused: bounds what a crash redelivers (docs/contract.md).
  int max_uncommitted_per_partition = 1000;
  int max_in_flight_per_origin = 64;    // also the per-origin connection cap
  // An origin at its in-flight cap queues at most this many, and only while the queue's
  // expected wait stays within max_origin_queue_wait; beyond, straight to the first retry
  // tier (docs/endpoints.md, Origin queues).
  int max_queued_per_origin = 4096;
  std::chrono::milliseconds max_origin_queue_wait = std::chrono::seconds(1);
  std::size_t max_response_bytes = 64 * 1024;  // a longer body closes the connection
  bool allow_private_networks = false;  // cloud metadata addresses stay refused anyway
  bool allow_http = true;
  std::string ca_file;                  // extra CAs (PEM) besides the system store
  int threads = 2;                      // io_context threads
  std::chrono::milliseconds dns_cache_ttl = std::chrono::seconds(30);
  // Keep-alive connections left idle (docs/endpoints.md, Idle connections): an origin's most
  // recently used one is closed after idle_timeout, the others after idle_surplus_timeout, and
  // at most max_idle_connections stay idle across all origins.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds idle_surplus_timeout = std::chrono::seconds(10);
  int max_idle_connections = 1024;
  std::string proxy;                              // egress proxy "http://host:port"; "" = direct
  // A rate-limited webhook's delivery waits in memory at most this long for its send slot;
  // a later slot defers it to a retry tier instead (docs/endpoints.md, Rate limits).
  std::chrono::milliseconds rate_limit_max_wait = std::chrono::seconds(5);
  friend bool operator==(const DeliveryConfig&, const DeliveryConfig&) = default;
};

struct LimitsConfig {
  std::size_t max_event_bytes = 1024 * 1024;
  friend bool operator==(const LimitsConfig&, const LimitsConfig&) = default;
};

struct ShutdownConfig {
  std::chrono::milliseconds grace_period = std::chrono::seconds(15);
  friend bool operator==(const ShutdownConfig&, const ShutdownConfig&) = default;
};

struct LogConfig {
  log::Level level = log::Level::info;
  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

struct AdminConfig {
  std::string listen = "0.0.0.0:9464";  // as written
  std::string host = "0.0.0.0";         // without the brackets of an IPv6 literal
  std::uint16_t port = 9464;            // 0 = any free port (tests)
  friend bool operator==(const AdminConfig&, const AdminConfig&) = default;
};

struct Config {
  KafkaConfig kafka;
  TopicsConfig topics;
  RetryConfig retry;
  HealthConfig health;
  DeliveryConfig delivery;
  LimitsConfig limits;
  ShutdownConfig shutdown;
  LogConfig log;
  AdminConfig admin;
  friend bool operator==(const Config&, const Config&) = default;
};

}  // namespace hookd::config
