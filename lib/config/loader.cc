#include "config/loader.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <utility>

#include "common/host_port.h"
#include "config/cross_checks.h"
#include "config/yaml_reader.h"

namespace hookd::config {
namespace {

using detail::child;
using detail::fail;
using detail::join_key;
using detail::YamlReader;

// Why each is refused: offsets are stored by hookd only after a durable outcome (auto
// store/commit would commit undelivered events); the retry/dead-letter producer must be
// idempotent with acks=all; transactional/isolation settings change what consumers see;
// cooperative assignors are buggy in 2.0.2; group, instance id and servers have their own
// keys (one group.instance.id for every client would clash between the two consumer groups'
// checks and hide it from the fencing message that names kafka.instance_id).
constexpr std::array<std::string_view, 13> kReservedKafkaProperties{
    "enable.auto.offset.store", "enable.auto.commit", "enable.idempotence",
    "acks", "request.required.acks", "isolation.level",
    "partition.assignment.strategy", "group.id", "bootstrap.servers",
    "metadata.broker.list", "group.protocol", "transactional.id", "group.instance.id"};

// Kafka's rule for a group.instance.id: 1 to 249 of a-z A-Z 0-9 . _ - (a pod name fits).
bool is_valid_instance_id(std::string_view id) {
  if (id.empty() || id.size() > 249) return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
           ch == '_' || ch == '-';
  });
}

void read_kafka_properties(const YamlReader& r, const YAML::Node& node,
                           std::map<std::string, std::string>& out) {
  const std::string path = "kafka.properties";
  if (node.IsNull()) return;
  if (!node.IsMap()) fail(node, path, path + ": expected a mapping of librdkafka properties");
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || entry.first.Scalar().empty()) {
      fail(entry.first, path, path + ": property names must be plain words");
    }
    const std::string& name = entry.first.Scalar();
    const std::string key = join_key(path, name);
    if (is_reserved_kafka_property(name)) {
      std::string message = key + " cannot be set: hookd sets it because its delivery guarantees rest on it";
      if (name == "group.id") message = key + " cannot be set: use kafka.group_id";
      if (name == "group.instance.id") message = key + " cannot be set: use kafka.instance_id";
      if (name == "bootstrap.servers" || name == "metadata.broker.list") {
        message = key + " cannot be set: use kafka.bootstrap_servers";
      }
      fail(entry.first, key, std::move(message));
    }
    if (!entry.second.IsScalar()) {
      fail(entry.second, key,
           key + ": expected a single value (write nested names whole, e.g. security.protocol)");
    }
    if (!out.emplace(name, r.text(entry.second, key)).second) {
      fail(entry.first, key, "duplicate key \"" + key + "\"");
    }
  }
}

// One mapping of the file being read: checks its keys once, then reads each present key
// with a YamlReader member under its dotted name ("delivery" + "timeout").
class Section {
 public:
  Section(const YamlReader& reader, const YAML::Node& parent, const char* name,
          std::initializer_list<std::string_view> known)
      : reader_(reader), node_(child(parent, name)), path_(name) {
    reader_.expect_section(node_, path_, known);
  }

  // The key's node, or an undefined node when it is absent.
  YAML::Node operator[](const char* name) const { return child(node_, name); }
  std::string key(const char* name) const { return join_key(path_, name); }

  template <typename T, typename Value>
  void set(T& field, const char* name,
           Value (YamlReader::*read)(const YAML::Node&, const std::string&) const) const {
    if (const YAML::Node value = (*this)[name]) field = (reader_.*read)(value, key(name));
  }

 private:
  const YamlReader& reader_;
  YAML::Node node_;
  std::string path_;
};

void read_kafka(const YamlReader& r, const YAML::Node& root, const EnvLookup& env, KafkaConfig& c) {
  const Section s(r, root, "kafka", {"bootstrap_servers", "group_id", "properties", "unavailable_after",
                                     "commit_interval", "revoke_grace", "instance_id"});
  s.set(c.bootstrap_servers, "bootstrap_servers", &YamlReader::non_empty_text);
  // librdkafka takes a bad entry for a broker it never reaches: hookd would wait forever.
  if (const auto problem = common::broker_list_problem(c.bootstrap_servers)) {
    YamlReader::expected(s["bootstrap_servers"] ? s["bootstrap_servers"] : root, s.key("bootstrap_servers"),
                         "a comma-separated list of host:port (e.g. kafka-0:9092,[2001:db8::1]:9093): " + *problem);
  }
  s.set(c.group_id, "group_id", &YamlReader::non_empty_text);
  if (const YAML::Node v = s["properties"]) read_kafka_properties(r, v, c.properties);
  s.set(c.unavailable_after, "unavailable_after", &YamlReader::duration);
  s.set(c.commit_interval, "commit_interval", &YamlReader::duration);
  s.set(c.revoke_grace, "revoke_grace", &YamlReader::duration);
  // The poll thread waits inside the rebalance: the group waits for it, and /healthz expects a
  // turn of the loop every 30 s (max.poll.interval.ms is 300 s by default).
  if (c.revoke_grace > std::chrono::seconds(20)) {
    fail(s["revoke_grace"], s.key("revoke_grace"), "kafka.revoke_grace: at most 20s (the rebalance waits for it)");
  }
  // Absent: the host name, which Kubernetes sets to the pod name, stable across restarts of the
  // container. Written as "" (or a variable set to ""): static membership off.
  const YAML::Node id = s["instance_id"];
  c.instance_id = id ? r.text(id, s.key("instance_id")) : env("HOSTNAME").value_or("");
  if (!c.instance_id.empty() && !is_valid_instance_id(c.instance_id)) {
    fail(id ? id : root, s.key("instance_id"),
         "kafka.instance_id: expected 1 to 249 of a-z A-Z 0-9 . _ - (Kafka's rule for group.instance.id), got \"" +
             c.instance_id + "\"" + (id ? "" : " from the HOSTNAME environment variable; set kafka.instance_id"));
  }
}

void read_topics(const YamlReader& r, const YAML::Node& root, TopicsConfig& c) {
  const Section s(r, root, "topics", {"events", "subscriptions", "retry_prefix", "dead_letter", "attempts",
                                      "status", "partitions", "replication_factor", "dead_letter_retention"});
  if (const YAML::Node v = s["events"]) {
    auto topic = [&r](const YAML::Node& e, const std::string& key) { return r.topic_name(e, key); };
    c.events = r.list(v, s.key("events"), topic);
  }
  s.set(c.subscriptions, "subscriptions", &YamlReader::topic_name);
  s.set(c.retry_prefix, "retry_prefix", &YamlReader::topic_name);
  s.set(c.dead_letter, "dead_letter", &YamlReader::topic_name);
  if (const YAML::Node v = s["attempts"]) {
    // An empty name turns the attempts log off.
    const std::string name = r.text(v, s.key("attempts"));
    c.attempts = name.empty() ? name : r.topic_name(v, s.key("attempts"));
  }
  if (const YAML::Node v = s["status"]) {
    // An empty name turns status records off (metrics and logs remain).
    const std::string name = r.text(v, s.key("status"));
    c.status = name.empty() ? name : r.topic_name(v, s.key("status"));
  }
  s.set(c.partitions, "partitions", &YamlReader::positive_int);
  s.set(c.replication_factor, "replication_factor", &YamlReader::positive_int);
  s.set(c.dead_letter_retention, "dead_letter_retention", &YamlReader::duration);
}

void read_retry(const YamlReader& r, const YAML::Node& root, const std::string& kafka_group_id, RetryConfig& c) {
  const Section s(r, root, "retry", {"schedule", "throttle_floor", "group_id"});
  if (const YAML::Node v = s["schedule"]) {
    // Checked as a duration but kept as written: it is part of the tier's topic name.
    auto delay = [&r](const YAML::Node& e, const std::string& key) {
      r.duration(e, key);
      return r.text(e, key);
    };
    c.schedule = r.list(v, s.key("schedule"), delay);
  }
  s.set(c.throttle_floor, "throttle_floor", &YamlReader::duration);
  s.set(c.group_id, "group_id", &YamlReader::non_empty_text);
  // Derived, so two deployments with their own kafka.group_id never share a retry group (they
  // would rebalance each other and read each other's retry records).
  if (!s["group_id"]) c.group_id = kafka_group_id + "-retry";
}

void read_health(const YamlReader& r, const YAML::Node& root, HealthConfig& c) {
  const Section s(r, root, "health", {"failures_to_unhealthy", "probe_interval"});
  s.set(c.failures_to_unhealthy, "failures_to_unhealthy", &YamlReader::positive_int);
  s.set(c.probe_interval, "probe_interval", &YamlReader::duration);
}

// A company's share of the global caps: a quarter of each unless set, never above it (equal
// turns the budget off).
void read_tenant_budget(const Section& s, DeliveryConfig& c) {
  c.max_in_flight_per_tenant = std::max(1, c.max_in_flight / 4);
  c.max_in_flight_bytes_per_tenant = std::max<std::size_t>(1, c.max_in_flight_bytes / 4);
  s.set(c.max_in_flight_per_tenant, "max_in_flight_per_tenant", &YamlReader::positive_int);
  s.set(c.max_in_flight_bytes_per_tenant, "max_in_flight_bytes_per_tenant", &YamlReader::size);
  if (c.max_in_flight_per_tenant > c.max_in_flight) {
    fail(s["max_in_flight_per_tenant"], s.key("max_in_flight_per_tenant"),
         "delivery.max_in_flight_per_tenant: at most delivery.max_in_flight (" + std::to_string(c.max_in_flight) +
             "); equal to it turns the tenant budget off");
  }
  if (c.max_in_flight_bytes_per_tenant == 0 || c.max_in_flight_bytes_per_tenant > c.max_in_flight_bytes) {
    fail(s["max_in_flight_bytes_per_tenant"], s.key("max_in_flight_bytes_per_tenant"),
         "delivery.max_in_flight_bytes_per_tenant: expected more than 0 and at most delivery.max_in_flight_bytes (" +
             std::to_string(c.max_in_flight_bytes) + "); equal to it turns the byte budget off");
  }
  // Its wait queue: as much again as the budget unless set, within what the global caps leave,
  // so one company never holds all of either cap (docs/contract.md, Isolation between companies).
  const int count_left = c.max_in_flight - c.max_in_flight_per_tenant;
  const std::size_t bytes_left = c.max_in_flight_bytes - c.max_in_flight_bytes_per_tenant;
  c.max_queued_per_tenant = std::min(c.max_in_flight_per_tenant, count_left);
  c.max_queued_bytes_per_tenant = std::min(c.max_in_flight_bytes_per_tenant, bytes_left);
  s.set(c.max_queued_per_tenant, "max_queued_per_tenant", &YamlReader::positive_int);
  s.set(c.max_queued_bytes_per_tenant, "max_queued_bytes_per_tenant", &YamlReader::size);
  s.set(c.max_tenant_queue_wait, "max_tenant_queue_wait", &YamlReader::duration);
  if (c.max_queued_per_tenant > count_left) {
    fail(s["max_queued_per_tenant"], s.key("max_queued_per_tenant"),
         "delivery.max_queued_per_tenant: at most delivery.max_in_flight less delivery.max_in_flight_per_tenant (" +
             std::to_string(count_left) + "), so one company cannot hold the whole global cap");
  }
  if (c.max_queued_bytes_per_tenant > bytes_left) {
    fail(s["max_queued_bytes_per_tenant"], s.key("max_queued_bytes_per_tenant"),
         "delivery.max_queued_bytes_per_tenant: at most delivery.max_in_flight_bytes less "
         "delivery.max_in_flight_bytes_per_tenant (" +
             std::to_string(bytes_left) + "), so one company cannot hold the whole global cap");
  }
}

void read_delivery(const YamlReader& r, const YAML::Node& root, DeliveryConfig& c) {
  const Section s(r, root, "delivery",
                  {"timeout", "connect_timeout", "max_in_flight", "max_in_flight_per_origin",
                   "max_queued_per_origin", "max_response_bytes", "allow_private_networks", "allow_http",
                   "ca_file", "threads", "dns_cache_ttl", "proxy", "rate_limit_max_wait", "max_in_flight_bytes",
                   "max_uncommitted_per_partition", "max_origin_queue_wait", "max_in_flight_per_tenant",
                   "max_in_flight_bytes_per_tenant", "max_queued_per_tenant", "max_queued_bytes_per_tenant",
                   "max_tenant_queue_wait", "idle_timeout", "idle_surplus_timeout", "max_idle_connections"});
  s.set(c.timeout, "timeout", &YamlReader::duration);
  s.set(c.connect_timeout, "connect_timeout", &YamlReader::duration);
  s.set(c.max_in_flight, "max_in_flight", &YamlReader::positive_int);
  s.set(c.max_in_flight_per_origin, "max_in_flight_per_origin", &YamlReader::positive_int);
  s.set(c.max_queued_per_origin, "max_queued_per_origin", &YamlReader::positive_int);
  s.set(c.max_origin_queue_wait, "max_origin_queue_wait", &YamlReader::duration);
  s.set(c.max_response_bytes, "max_response_bytes", &YamlReader::size);
  s.set(c.allow_private_networks, "allow_private_networks", &YamlReader::boolean);
  s.set(c.allow_http, "allow_http", &YamlReader::boolean);
  s.set(c.ca_file, "ca_file", &YamlReader::text);
  // Checked now so a typo stops start-up with exit code 2 rather than failing every TLS
  // handshake later.
  if (!c.ca_file.empty() && !std::ifstream(c.ca_file).good()) {
    fail(s["ca_file"], s.key("ca_file"),
         "delivery.ca_file: cannot read \"" + c.ca_file + "\": " + std::strerror(errno));
  }
  s.set(c.threads, "threads", &YamlReader::positive_int);
  s.set(c.dns_cache_ttl, "dns_cache_ttl", &YamlReader::duration);
  s.set(c.idle_timeout, "idle_timeout", &YamlReader::duration);
  s.set(c.idle_surplus_timeout, "idle_surplus_timeout", &YamlReader::duration);
  s.set(c.max_idle_connections, "max_idle_connections", &YamlReader::positive_int);
  s.set(c.proxy, "proxy", &YamlReader::text);
  // The HTTP client refuses the same forms at start (exit 2); found here, --check-config says so.
  if (!c.proxy.empty()) {
    if (const auto parsed = common::parse_http_proxy(c.proxy); std::holds_alternative<std::string>(parsed)) {
      fail(s["proxy"], s.key("proxy"), "delivery.proxy must be http://host:port: " + std::get<std::string>(parsed));
    }
  }
  s.set(c.rate_limit_max_wait, "rate_limit_max_wait", &YamlReader::duration);
  s.set(c.max_in_flight_bytes, "max_in_flight_bytes", &YamlReader::size);
  s.set(c.max_uncommitted_per_partition, "max_uncommitted_per_partition", &YamlReader::positive_int);
  read_tenant_budget(s, c);
}

void read_log(const YamlReader& r, const YAML::Node& root, LogConfig& c) {
  const Section s(r, root, "log", {"level"});
  if (const YAML::Node v = s["level"]) {
    if (!v.IsScalar() || !log::parse_level(r.text(v, "log.level"), c.level)) {
      YamlReader::expected(v, "log.level", "one of debug, info, warn, error");
    }
  }
}

// "host:port", "[ipv6]:port"; port 0 asks for any free port.
void read_admin(const YamlReader& r, const YAML::Node& root, AdminConfig& c) {
  const Section s(r, root, "admin", {"listen"});
  const YAML::Node v = s["listen"];
  if (!v) return;
  const std::string listen = r.text(v, "admin.listen");
  auto bad = [&v](std::string_view why) {
    YamlReader::expected(v, "admin.listen",
                         "host:port (e.g. 0.0.0.0:9464 or [::]:9464): " + std::string(why));
  };
  auto parsed = common::parse_host_port(listen, /*allow_port_zero=*/true);
  if (const auto* problem = std::get_if<std::string>(&parsed)) bad(*problem);
  auto& address = std::get<common::HostPort>(parsed);
  c.listen = listen;
  c.host = std::move(address.host);
  c.port = address.port;
}

Config read_config(const YamlReader& r, const YAML::Node& root, const EnvLookup& env) {
  r.expect_section(root, "", {"kafka", "topics", "retry", "health", "delivery", "limits", "shutdown", "log", "admin"});
  Config c;
  read_kafka(r, root, env, c.kafka);
  read_topics(r, root, c.topics);
  read_retry(r, root, c.kafka.group_id, c.retry);
  read_health(r, root, c.health);
  read_delivery(r, root, c.delivery);
  Section(r, root, "limits", {"max_event_bytes"})
      .set(c.limits.max_event_bytes, "max_event_bytes", &YamlReader::size);
  Section(r, root, "shutdown", {"grace_period"})
      .set(c.shutdown.grace_period, "grace_period", &YamlReader::duration);
  read_log(r, root, c.log);
  read_admin(r, root, c.admin);
  detail::check_consistency(root, c);
  detail::check_kafka_properties(root, c);
  return c;
}

}  // namespace

std::size_t max_record_bytes(std::size_t max_event_bytes) { return 2 * max_event_bytes + 256 * 1024; }

std::string to_string(const ConfigError& error) {
  if (error.line <= 0) return error.message;
  return error.message + " (line " + std::to_string(error.line) + ")";
}

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

bool is_reserved_kafka_property(std::string_view name) {
  // librdkafka also accepts topic-level properties on the global configuration with a
  // "topic." prefix ("topic.acks" sets acks), so the prefixed spelling is refused too.
  constexpr std::string_view kTopicPrefix = "topic.";
  if (name.substr(0, kTopicPrefix.size()) == kTopicPrefix) name.remove_prefix(kTopicPrefix.size());
  return std::find(kReservedKafkaProperties.begin(), kReservedKafkaProperties.end(), name) !=
         kReservedKafkaProperties.end();
}

LoadResult load_string(std::string_view yaml, const EnvLookup& env) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    // A missing section (undefined) and an empty file (null) both mean "all defaults".
    if (!root.IsDefined()) return read_config(YamlReader(env), YAML::Node(YAML::NodeType::Null), env);
    return read_config(YamlReader(env), root, env);
  } catch (const detail::Failure& failure) {
    return failure.error;
  } catch (const YAML::Exception& e) {
    const int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    return ConfigError{"", "invalid YAML: " + e.msg, line};
  }
}

LoadResult load_file(const std::string& path, const EnvLookup& env) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return ConfigError{"", "cannot open config file \"" + path + "\": " + std::strerror(errno)};
  std::string text;
  std::array<char, 8192> buffer;
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) text.append(buffer.data(), n);
  if (std::ferror(file.get())) {
    return ConfigError{"", "cannot read config file \"" + path + "\": " + std::strerror(errno)};
  }
  return load_string(text, env);
}

}  // namespace hookd::config
