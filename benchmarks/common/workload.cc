#include "common/workload.h"

#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "common/arrivals.h"
#include "kafka/topic_admin.h"

namespace hookd::bench {

using Clock = std::chrono::steady_clock;

std::string unique_suffix() {
  return std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}() % 1000000);
}

std::string webhook_json(const std::string& id, const std::string& url, std::string_view events_json,
                         std::string_view company) {
  return R"({"id":")" + id + R"(","uid":"uid-)" + id + R"(","name":"bench webhook","url":")" + url +
         R"(","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","status":"HEALTHY","enabled":true,)"
         R"("companyId":")" + std::string(company) + R"(","metadata":{"events":)" + std::string(events_json) +
         R"(,"projectIds":[]},"createdById":"claksl2ye0000vtas0h0ln71e","createdAt":"2022-12-01T07:01:25.014Z"})";
}

std::string event_json(const std::string& id, long n, std::string_view type) {
  return R"({"id":")" + id + R"(","event":")" + std::string(type) + R"(","occurredAt":")" + rfc3339_now_micros() +
         R"(","company":{"id":"bench-company"},"project":{"id":"clakt90vu000bvt64hhffqleq"},)"
         R"("user":{"id":"claksl2ye0000vtas0h0ln71e"},"previousValue":null,"currentValue":{"id":"todo-)" +
         std::to_string(n) +
         R"(","uid":"11021cb836f34732b31e5ebd5dd5eb27","title":"Benchmark todo","html":null,"text":null,)"
         R"("position":"32767.5","archived":false,"done":false,"startedAt":null,"duedAt":null,"timezone":null,)"
         R"("createdAt":"2022-12-01T11:23:09.000Z","updatedAt":"2022-12-01T11:23:09.241Z",)"
         R"("createdById":"claksl2ye0000vtas0h0ln71e","todoListId":"clakt9v5t000kvt64f563l90l",)"
         R"("todoCustomFields":[],"todoUsers":[],"todoTags":[]}})";
}

BenchTopics::BenchTopics(const std::string& suffix_)
    : suffix(suffix_), events("bench.events-" + suffix_), webhooks("bench.webhooks-" + suffix_) {}

kafka::MaybeError BenchTopics::create(const kafka::ClientSettings& settings, int partitions) const {
  kafka::TopicAdmin admin(settings);
  return admin.ensure_topics({{events, partitions, 1, {}}, {webhooks, 1, 1, {{"cleanup.policy", "compact"}}}});
}

std::string BenchTopics::hookd_config(const std::string& bootstrap, const std::string& ca_file,
                                      const std::string& delivery_extra, const std::string& instance_id) const {
  std::ostringstream config;
  // instance_id is always written: left out, it would be HOSTNAME, the same for every worker
  // on this machine, and they would fence each other ("" makes a dynamic member).
  config << "kafka: {bootstrap_servers: \"" << bootstrap << "\", group_id: bench-" << suffix
         << ", instance_id: \"" << instance_id << "\"}\n"
         << "topics: {events: [" << events << "], subscriptions: " << webhooks << ", retry_prefix: bench.retry-"
         << suffix << ", dead_letter: bench.dlq-" << suffix << ", status: bench.status-" << suffix
         << ", partitions: 1, replication_factor: 1}\n"
         << "retry: {group_id: bench-" << suffix << "-retry}\n"
         << "delivery: {allow_private_networks: true, ca_file: \"" << ca_file << "\""
         << (delivery_extra.empty() ? "" : ", " + delivery_extra) << "}\n"
         << "admin: {listen: \"127.0.0.1:0\"}\n"
         << "log: {level: info}\n";
  return config.str();
}

void publish_webhooks(kafka::Producer& producer, const std::string& topic,
                      const std::vector<std::unique_ptr<test_support::HttpsReceiver>>& receivers,
                      ProduceErrors& errors) {
  std::vector<std::string> urls;
  for (std::size_t i = 0; i < receivers.size(); ++i)
    urls.push_back(receivers[i]->url("/hook/bench-wh-" + std::to_string(i), "localhost"));
  publish_webhooks(producer, topic, urls, errors);
}

void publish_webhooks(kafka::Producer& producer, const std::string& topic, const std::vector<std::string>& urls,
                      ProduceErrors& errors) {
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const std::string id = "bench-wh-" + std::to_string(i);
    producer.produce(topic, id, webhook_json(id, urls[i]), {}, errors.on_ack());
  }
  producer.flush(std::chrono::seconds(30));
}

double publish_events(kafka::Producer& producer, const std::string& topic, long count, double rate,
                      const std::string& id_prefix, std::string_view type, ProduceErrors& errors) {
  const auto start = Clock::now();
  for (long n = 0; n < count; ++n) {
    if (rate > 0) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(static_cast<double>(n) / rate)));
    }
    const std::string id = id_prefix + std::to_string(n);
    producer.produce(topic, id, event_json(id, n, type), {}, errors.on_ack());
  }
  producer.flush(std::chrono::seconds(60));
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string metric_lines(const std::string& metrics, std::string_view prefix) {
  std::istringstream in(metrics);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(prefix)) out += "  " + line + "\n";
  return out;
}

}  // namespace hookd::bench
