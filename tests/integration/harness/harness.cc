#include "integration/harness/harness.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& i : items) out += (out.size() > 1 ? ",\"" : "\"") + i + "\"";
  return out + "]";
}

kafka::ClientSettings settings() { return {bootstrap(), {}}; }

}  // namespace

std::string bootstrap() {
  const char* state = std::getenv("HOOKD_TEST_KAFKA_STATE");
  if (state == nullptr) return {};
  std::ifstream in(std::string(state) + "/bootstrap");
  std::string line;
  std::getline(in, line);
  return line;
}

std::string unique(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const auto salt = std::random_device{}() % 100000;
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(salt);
}

Scenario::Scenario()
    : events(unique("it.events")),
      webhooks(unique("it.webhooks")),
      retry_prefix(unique("it.retry")),
      dead_letter(unique("it.dlq")),
      group(unique("it-group")) {}

void Scenario::create_input_topics() const {
  kafka::TopicAdmin admin(settings());
  auto error = admin.ensure_topics({{events, 3, 1, {}}, {webhooks, 1, 1, {{"cleanup.policy", "compact"}}}});
  if (error) throw std::runtime_error(*error);
}

std::string Scenario::config_yaml(const std::string& ca_file, const std::string& extra,
                                  const std::string& delivery) const {
  std::ostringstream y;
  // Short sessions: a killed hookd's partitions move to its successor in seconds, not 45.
  y << "kafka: {bootstrap_servers: \"" << bootstrap() << "\", group_id: " << group << ", instance_id: \"\""
    << ", properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"1000\"}}\n"
    << "topics: {events: [" << events << "], subscriptions: " << webhooks << ", retry_prefix: " << retry_prefix
    << ", dead_letter: " << dead_letter << ", attempts: " << attempts()
    << ", partitions: 1, replication_factor: 1}\n"
    << "retry: {group_id: " << group << "-retry}\n"
    << "admin: {listen: \"127.0.0.1:0\"}\n"
    << "log: {level: debug}\n";
  if (!ca_file.empty()) {
    y << "delivery: {allow_private_networks: true, ca_file: \"" << ca_file << "\", " << delivery << "}\n";
  }
  y << extra;
  return y.str();
}

std::string Scenario::config_yaml_static(const std::string& ca_file, const std::string& instance_id,
                                         std::chrono::milliseconds session_timeout) const {
  std::string yaml = config_yaml(ca_file);
  const auto replace = [&yaml](const std::string& from, const std::string& to) {
    const auto at = yaml.find(from);
    if (at == std::string::npos) throw std::logic_error("config_yaml_static: no " + from);
    yaml.replace(at, from.size(), to);
  };
  replace("instance_id: \"\"", "instance_id: \"" + instance_id + "\"");
  replace("session.timeout.ms: \"6000\"", "session.timeout.ms: \"" + std::to_string(session_timeout.count()) + "\"");
  return yaml;
}

std::string Scenario::config_yaml_with_schedule(const std::string& ca_file, const std::string& schedule) const {
  std::string yaml = config_yaml(ca_file);
  const auto at = yaml.find("retry: {");
  const auto end = yaml.find('\n', at);
  yaml.replace(at, end - at, "retry: {schedule: " + schedule + ", throttle_floor: 300ms, group_id: " + group + "-retry}");
  return yaml;
}

Publisher::Publisher() : producer_(settings()) {}

void Publisher::send(const std::string& topic, const std::string& key, const std::string& value) {
  std::promise<rd_kafka_resp_err_t> acked;
  producer_.produce(topic, key, value, {}, [&](rd_kafka_resp_err_t err) { acked.set_value(err); });
  const auto err = acked.get_future().get();
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error(std::string("produce: ") + rd_kafka_err2str(err));
}

void Publisher::send_at(const std::string& topic, std::int32_t partition, std::int64_t timestamp_unix_ms,
                        const std::string& key, const std::string& value) {
  // The project's producer picks partitions and timestamps itself; a plain handle does not.
  auto handle = kafka::make_handle(RD_KAFKA_PRODUCER, kafka::make_conf_or_throw(settings(), {}, {}));
  const auto err = rd_kafka_producev(
      handle.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_TIMESTAMP(timestamp_unix_ms), RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error(std::string("produce: ") + rd_kafka_err2str(err));
  if (rd_kafka_flush(handle.get(), 15000) != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error("produce: not flushed");
}

void create_topic(const std::string& name, int partitions) {
  kafka::TopicAdmin admin(settings());
  if (auto error = admin.ensure_topics({{name, partitions, 1, {}}})) throw std::runtime_error(*error);
}

void Publisher::tombstone(const std::string& topic, const std::string& key) {
  // The project's producer never writes null values (hookd has no use for them); the CLI does.
  const std::string cmd = std::string(HOOKD_KAFKA_CLI) + " produce --bootstrap " + bootstrap() + " --topic " + topic +
                          " --key " + key + " --tombstone >/dev/null";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("tombstone failed: " + cmd);
}

std::vector<Record> read_topic(const std::string& topic, std::size_t count, std::chrono::milliseconds timeout) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap().c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", unique("it-reader").c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  std::vector<Record> records;
  if (rk == nullptr) throw std::runtime_error(err);
  rd_kafka_poll_set_consumer(rk);
  // Assign every partition of the topic from the beginning (topics may not exist yet).
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int partitions = 0;
  while (partitions == 0 && std::chrono::steady_clock::now() < deadline) {
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 1, nullptr, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < md->topic_cnt; ++i)
        if (topic == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR)
          partitions = md->topics[i].partition_cnt;
      rd_kafka_metadata_destroy(md);
    }
    if (partitions == 0) std::this_thread::sleep_for(100ms);
  }
  if (partitions > 0) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p)
      rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        Record r;
        if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
        r.partition = m->partition;
        r.offset = m->offset;
        rd_kafka_headers_t* headers = nullptr;
        if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char* name;
          const void* value;
          size_t size;
          for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
            r.headers[name] = std::string(static_cast<const char*>(value), size);
        }
        records.push_back(std::move(r));
      }
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return records;
}

std::string webhook_json(const WebhookSpec& s) {
  std::string out = "{\"id\":\"" + s.id + "\",\"uid\":\"uid-" + s.id + "\",\"name\":\"Test webhook\",\"url\":\"" +
                    s.url + "\",\"secret\":\"" + s.secret + "\",\"status\":\"HEALTHY\",\"enabled\":" +
                    (s.enabled ? "true" : "false") + ",\"companyId\":\"" + s.company +
                    "\",\"metadata\":{\"events\":" + json_list(s.events) + ",\"projectIds\":" +
                    json_list(s.projects) + "}";
  if (!s.extra_fields.empty()) out += "," + s.extra_fields;
  return out + "}";
}

std::string event_json(const EventSpec& s) {
  std::string out = "{\"id\":\"" + s.id + "\",\"event\":\"" + s.type +
                    "\",\"occurredAt\":\"2026-11-23T10:00:00.000Z\",\"company\":{\"id\":\"" + s.company + "\"}";
  if (!s.project.empty()) out += ",\"project\":{\"id\":\"" + s.project + "\"}";
  out += ",\"user\":{\"id\":\"user-1\"},\"currentValue\":" + s.current_value + "}";
  return out;
}

std::vector<test_support::ReceivedRequest> requests_for(const test_support::HttpsReceiver& receiver,
                                                        const std::string& event_id) {
  const std::string needle = "\"eventId\":\"" + event_id + "\"";
  std::vector<test_support::ReceivedRequest> out;
  for (auto& r : receiver.requests())
    if (r.body.find(needle) != std::string::npos) out.push_back(std::move(r));
  return out;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

bool wait_for_event(const test_support::HttpsReceiver& receiver, const std::string& event_id,
                    std::chrono::milliseconds timeout) {
  return wait_until([&] { return !requests_for(receiver, event_id).empty(); }, timeout);
}

HookdProcess::HookdProcess(const std::string& config_yaml)
    : test_support::HookdProcess(HOOKD_BINARY, config_yaml) {}

}  // namespace hookd::it
