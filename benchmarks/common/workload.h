// What the end-to-end benchmarks publish and how they run hookd: fresh topic names per run,
// webhook subscriptions and TODO_CREATED-style events in the Blue format, hookd's config
// for those topics, paced or burst publishing, and small report helpers. Shared by
// hookd-bench-e2e and hookd-bench-isolation so both measure the same workload.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/producer.h"
#include "kafka/types.h"
#include "support/https_receiver.h"

namespace hookd::bench {

// "<pid>-<random>": names no earlier run used.
std::string unique_suffix();

// A Blue webhook subscription of `company` with a whsec_ secret, subscribed to `events_json`
// (a JSON array of event types). The benchmarks' events are of company "bench-company".
std::string webhook_json(const std::string& id, const std::string& url,
                         std::string_view events_json = R"(["TODO_CREATED"])",
                         std::string_view company = "bench-company");

// An envelope of about 800 bytes of event type `type`, its occurredAt the moment of the call
// (see Arrivals: that is where latency starts).
std::string event_json(const std::string& id, long n, std::string_view type = "TODO_CREATED");

// The topics of one run, all named after `suffix`.
struct BenchTopics {
  explicit BenchTopics(const std::string& suffix);
  std::string suffix;
  std::string events;
  std::string webhooks;

  // Creates the events topic (`partitions`) and the compacted webhooks topic, as the Blue
  // application would; returns the error, if any.
  kafka::MaybeError create(const kafka::ClientSettings& settings, int partitions) const;
  // hookd's config for these topics: the test CA trusted, loopback allowed, admin on a free
  // port; `delivery_extra` is appended to the delivery section ("timeout: 2s"). An empty
  // `instance_id` makes the worker a dynamic group member; several workers of one run that
  // join as static members each need their own (docs/operations.md, identity and timeouts).
  std::string hookd_config(const std::string& bootstrap, const std::string& ca_file,
                           const std::string& delivery_extra = "", const std::string& instance_id = "") const;
};

// Counts failed produce acknowledgements; pass on_ack() to Producer::produce.
struct ProduceErrors {
  std::atomic<long> count{0};
  kafka::Producer::AckCallback on_ack() {
    return [this](rd_kafka_resp_err_t err) {
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) count.fetch_add(1, std::memory_order_relaxed);
    };
  }
};

// Publishes one webhook per receiver, "bench-wh-<i>" to receiver i's https://localhost:<port>/hook/<id>,
// and waits for the acknowledgements.
void publish_webhooks(kafka::Producer& producer, const std::string& topic,
                      const std::vector<std::unique_ptr<test_support::HttpsReceiver>>& receivers,
                      ProduceErrors& errors);
// The same for given URLs: "bench-wh-<i>" to urls[i].
void publish_webhooks(kafka::Producer& producer, const std::string& topic, const std::vector<std::string>& urls,
                      ProduceErrors& errors);

// Publishes `count` events with ids "<id_prefix><n>" to `topic`, paced at `rate` events/s
// (0: as fast as the producer takes them), then flushes. Returns the seconds it took.
double publish_events(kafka::Producer& producer, const std::string& topic, long count, double rate,
                      const std::string& id_prefix, std::string_view type, ProduceErrors& errors);

// /proc/loadavg's three averages ("0.52 0.61 0.70").
std::string loadavg();
// The lines of a Prometheus text page that start with `prefix`, each indented by two spaces.
std::string metric_lines(const std::string& metrics, std::string_view prefix);

}  // namespace hookd::bench
