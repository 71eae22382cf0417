// Integration-test harness: a real Kafka broker (started by the `kafka.start` ctest fixture),
// a real hookd process, and helpers to publish subscriptions and events and to read what hookd
// wrote back (retry records, dead letters).
#pragma once

#include "kafka/producer.h"
#include "kafka/topic_admin.h"
#include "support/hookd_process.h"
#include "support/https_receiver.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hookd::it {

// The bootstrap address of the test broker; empty when the fixture did not run.
std::string bootstrap();

// A name no other test (or earlier run) uses: "<prefix>-<pid>-<counter>-<random>".
std::string unique(const std::string& prefix);

// Everything one test's hookd reads and writes, with names of its own.
struct Scenario {
  Scenario();
  std::string events;
  std::string webhooks;
  std::string retry_prefix;
  std::string dead_letter;
  std::string group;
  std::string first_retry_topic() const { return retry_prefix + ".5s"; }
  std::string attempts() const { return retry_prefix + ".attempts"; }

  // Creates the events (3 partitions) and compacted webhooks topics, as the Blue app would.
  void create_input_topics() const;
  // hookd's YAML config for this scenario. With a CA file, private networks are allowed and
  // the delivery section holds `delivery` (default: a 2 s timeout); `extra` is appended.
  std::string config_yaml(const std::string& ca_file, const std::string& extra = "",
                          const std::string& delivery = "timeout: 2s") const;
  // Static membership is off (kafka.instance_id: ""): several hookd of one test share a machine,
  // and a default taken from HOSTNAME would make them fence each other.
  // The same as a static member `instance_id` with this session timeout (heartbeats every second).
  std::string config_yaml_static(const std::string& ca_file, const std::string& instance_id,
                                 std::chrono::milliseconds session_timeout) const;
  // The same with a retry schedule of short delays (e.g. "[100ms, 200ms]") and a 300 ms throttle floor.
  std::string config_yaml_with_schedule(const std::string& ca_file, const std::string& schedule) const;
};

// Blocking publisher over the project's own producer.
class Publisher {
 public:
  Publisher();
  void send(const std::string& topic, const std::string& key, const std::string& value);
  // Onto one partition with the record's timestamp set, as an earlier writer would have left it.
  void send_at(const std::string& topic, std::int32_t partition, std::int64_t timestamp_unix_ms,
               const std::string& key, const std::string& value);
  void tombstone(const std::string& topic, const std::string& key);

 private:
  kafka::Producer producer_;
};

// Creates `name` with `partitions` partitions (before hookd would create it with its own count).
void create_topic(const std::string& name, int partitions);

struct Record {
  std::string key;
  std::optional<std::string> value;
  std::map<std::string, std::string> headers;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

// Reads a whole topic from the beginning until `count` records were seen or `timeout` passed.
std::vector<Record> read_topic(const std::string& topic, std::size_t count, std::chrono::milliseconds timeout);

struct WebhookSpec {
  std::string id;
  std::string url;
  std::string secret;
  std::string company = "company-a";
  std::vector<std::string> events;
  std::vector<std::string> projects;
  bool enabled = true;
  std::string extra_fields;  // raw JSON members appended, e.g. R"("filter":{"x":1})"
};
std::string webhook_json(const WebhookSpec& spec);

struct EventSpec {
  std::string id;
  std::string type = "TODO_CREATED";
  std::string company = "company-a";
  std::string project = "project-1";  // empty: no project
  std::string current_value = R"({"id":"todo-1","title":"A todo"})";
};
std::string event_json(const EventSpec& spec);

// Deliveries of `event_id` that `receiver` got (matched on the body's eventId).
std::vector<test_support::ReceivedRequest> requests_for(const test_support::HttpsReceiver& receiver,
                                                        const std::string& event_id);
// Polls `condition` every 50 ms until it holds or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);
// Waits until `receiver` got a delivery of `event_id`. Tests that assert an absence first
// wait for a later marker event delivered elsewhere: proof hookd processed the stream.
bool wait_for_event(const test_support::HttpsReceiver& receiver, const std::string& event_id,
                    std::chrono::milliseconds timeout);

// The hookd under test (HOOKD_BINARY) with this config.
class HookdProcess : public test_support::HookdProcess {
 public:
  explicit HookdProcess(const std::string& config_yaml);
};

}  // namespace hookd::it
