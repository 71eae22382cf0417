// hookd-bench-subscriptions: what a large subscription table costs. Publishes N realistic
// subscriptions (about 400 bytes each, spread over C companies) to a fresh compacted topic,
// starts hookd on it and prints:
//   - seconds from start to /readyz (the whole table read and the first snapshot published);
//   - hookd's RSS when ready and its peak (VmHWM), and bytes per subscription;
//   - deliveries/s of a burst to M local webhooks of one company (to compare table sizes:
//     the delivery path must not grow with the table);
//   - how long a subscription change takes to reach deliveries while events stream: K new
//     webhooks, each published alone, timed from the produce acknowledgement to its first
//     delivery.
//
//   hookd-bench-subscriptions [--subscriptions N] [--companies C] [--events E] [--webhooks M]
//                             [--changes K] [--rate EVENTS_PER_S] [--bootstrap HOST:PORT]
//                             [--timeout SECONDS] [--hookd PATH] [--keep-log]
//
// Kafka as in hookd-bench-e2e. Exit code 0 when every delivery arrived and every change took
// effect, 1 otherwise, 2 on a usage error.
#include <boost/asio/ip/host_name.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/arrivals.h"
#include "common/broker.h"
#include "common/flags.h"
#include "common/proc_stats.h"
#include "common/workload.h"
#include "subscriptions/filler_records.h"
#include "kafka/producer.h"
#include "support/hookd_process.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

namespace hookd::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Options : RunFlags {
  Options() {
    events = 2000;
    rate = 200;
    timeout_s = 300;
    hookd = HOOKD_BINARY;
  }
  long subscriptions = 100000;
  long companies = 100000;
  long webhooks = 10;
  long changes = 5;
};

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr,
               "%s\nusage: hookd-bench-subscriptions [--subscriptions N] [--companies C] [--events E] [--webhooks M]\n"
               "                                 [--changes K] [--rate EVENTS_PER_S] [--bootstrap HOST:PORT]\n"
               "                                 [--timeout SECONDS] [--hookd PATH] [--keep-log]\n",
               error.c_str());
  std::exit(2);
}

Options read_options(int argc, char** argv) {
  Options o;
  parse_flags_or_usage(
      argc, argv, {"--keep-log"},
      [&o](const std::string& flag, const std::string& value) {
        if (flag == "--subscriptions") o.subscriptions = std::stol(value);
        else if (flag == "--companies") o.companies = std::stol(value);
        else if (flag == "--webhooks") o.webhooks = std::stol(value);
        else if (flag == "--changes") o.changes = std::stol(value);
        else return o.set(flag, value);
        return true;
      },
      "hookd subscription-scale benchmark", usage);
  if (!o.valid() || o.subscriptions < 1 || o.companies < 1 || o.webhooks < 1 || o.changes < 0 || o.rate <= 0)
    usage("values must be positive");
  return o;
}

// Produces one record, waiting while librdkafka's local queue is full (a bulk load of a
// million records outruns the broker for a while). Acknowledgement errors are counted.
void produce_waiting(kafka::Producer& producer, const std::string& topic, const std::string& key,
                     const std::string& value, ProduceErrors& errors) {
  for (;;) {
    auto refused = std::make_shared<std::atomic<bool>>(false);
    bool queued = true;
    producer.produce(topic, key, value, {}, [&errors, refused](rd_kafka_resp_err_t err) {
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) refused->store(true);
      else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) errors.count.fetch_add(1);
    });
    // A refusal is reported on this thread, before produce() returns.
    if (refused->load()) queued = false;
    if (queued) return;
    std::this_thread::sleep_for(2ms);
  }
}

// Samples a process's resident set every 100 ms; VmHWM (the kernel's peak) is read at the end.
class RssSampler {
 public:
  explicit RssSampler(int pid) : pid_(pid), thread_([this] { run(); }) {}
  ~RssSampler() {
    stop_ = true;
    thread_.join();
  }
  long max_sampled_kib() const { return max_kib_.load(); }

 private:
  void run() {
    while (!stop_) {
      max_kib_.store(std::max(max_kib_.load(), status_kib(pid_, "VmRSS")));
      std::this_thread::sleep_for(100ms);
    }
  }
  int pid_;
  std::atomic<bool> stop_{false};
  std::atomic<long> max_kib_{0};
  std::thread thread_;
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int run(const Options& o) {
  const std::string start_load = loadavg();
  Broker broker(o.bootstrap, std::string(HOOKD_SOURCE_DIR) + "/scripts/kafka", HOOKD_KAFKA_CLI);
  const kafka::ClientSettings kafka_settings{broker.bootstrap(), {}};
  const BenchTopics topics(unique_suffix());
  if (auto error = topics.create(kafka_settings, 3)) {
    std::fprintf(stderr, "cannot create topics: %s\n", error->c_str());
    return 1;
  }

  test_support::TestCa ca;
  const std::size_t expected = static_cast<std::size_t>(o.events) * static_cast<std::size_t>(o.webhooks);
  Arrivals arrivals(expected);
  // First arrival per webhook path, for the change phase.
  std::mutex first_mutex;
  std::map<std::string, Clock::time_point> first_arrival;
  test_support::HttpsReceiver receiver(
      test_support::ReceiverOptions{.tls = true, .certificate = ca.localhost(), .threads = 2});
  receiver.set_handler([&](const test_support::ReceivedRequest& request) {
    if (request.target.starts_with("/change/")) {
      std::lock_guard<std::mutex> lock(first_mutex);
      first_arrival.try_emplace(request.target, request.arrived);
    } else {
      arrivals.record(request);
    }
    return test_support::Behaviour::respond(200);
  });

  // The table: fillers first, then the benchmark company's webhooks (the last records read).
  // Fillers are other companies' webhooks: the benchmark's events ("bench-company") never match
  // them, so their URLs are never called.
  kafka::Producer producer(kafka_settings);
  ProduceErrors produce_errors;
  const auto load_start = Clock::now();
  std::size_t table_bytes = 0;
  for (long n = 0; n < o.subscriptions - o.webhooks; ++n) {
    const std::string value = filler_subscription(n, o.companies);
    table_bytes += value.size();
    char id[32];
    std::snprintf(id, sizeof id, "sub-%09ld", n);
    produce_waiting(producer, topics.webhooks, id, value, produce_errors);
  }
  for (long w = 0; w < o.webhooks; ++w) {
    const std::string id = "bench-wh-" + std::to_string(w);
    const std::string value = webhook_json(id, receiver.url("/hook/" + id, "localhost"));
    table_bytes += value.size();
    produce_waiting(producer, topics.webhooks, id, value, produce_errors);
  }
  producer.flush(120s);
  const double load_s = seconds_since(load_start);

  test_support::HookdProcess hookd(o.hookd, topics.hookd_config(broker.bootstrap(), ca.ca_file()));
  if (o.keep_log) hookd.keep_files();
  const auto start = Clock::now();
  hookd.start();
  std::optional<RssSampler> rss;
  rss.emplace(hookd.pid());
  if (!hookd.wait_ready(std::chrono::seconds(o.timeout_s))) {
    std::fprintf(stderr, "hookd did not become ready; its log:\n%s", hookd.log_tail(40).c_str());
    return 1;
  }
  const double ready_s = seconds_since(start);
  const long ready_rss_kib = status_kib(hookd.pid(), "VmRSS");

  // Deliveries: a burst to the benchmark company's webhooks (after a warm-up for the
  // connections, as hookd-bench-e2e does).
  publish_events(producer, topics.events, 20, 0, std::string(kWarmupPrefix), "TODO_CREATED", produce_errors);
  const auto warmup_deadline = Clock::now() + 60s;
  while (arrivals.warmup() < static_cast<std::size_t>(20 * o.webhooks) && Clock::now() < warmup_deadline)
    std::this_thread::sleep_for(5ms);
  const auto burst_start_wall = std::chrono::system_clock::now();
  publish_events(producer, topics.events, o.events, 0, "bench-evt-", "TODO_CREATED", produce_errors);
  const auto burst_deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  while (arrivals.distinct() < expected && Clock::now() < burst_deadline && hookd.running()) {
    std::this_thread::sleep_for(20ms);
    receiver.clear();
  }
  // Taken now: the change phase below streams more events to the same webhooks.
  const double burst_s = std::chrono::duration<double>(arrivals.last_arrival() - burst_start_wall).count();
  const std::size_t burst_delivered = arrivals.distinct();
  const bool burst_complete = burst_delivered >= expected;

  // Changes under load: events stream at --rate on a thread while each new webhook is published.
  std::atomic<bool> streaming{true};
  std::thread stream([&] {
    long n = 0;
    const auto begin = Clock::now();
    while (streaming) {
      const std::string id = "stream-" + std::to_string(n);
      producer.produce(topics.events, id, event_json(id, n, "TODO_CREATED"), {}, produce_errors.on_ack());
      ++n;
      std::this_thread::sleep_until(begin + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(static_cast<double>(n) / o.rate)));
    }
  });
  std::vector<double> change_ms;
  for (long k = 0; k < o.changes; ++k) {
    const std::string id = "bench-change-" + std::to_string(k);
    const std::string path = "/change/" + id;
    std::atomic<bool> acked{false};
    Clock::time_point acked_at{};
    producer.produce(topics.webhooks, id, webhook_json(id, receiver.url(path, "localhost")), {},
                     [&](rd_kafka_resp_err_t err) {
                       if (err != RD_KAFKA_RESP_ERR_NO_ERROR) produce_errors.count.fetch_add(1);
                       acked_at = Clock::now();
                       acked = true;
                     });
    producer.flush(30s);
    const auto deadline = Clock::now() + 30s;
    std::optional<Clock::time_point> arrived;
    while (!arrived && Clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
      std::lock_guard<std::mutex> lock(first_mutex);
      if (auto it = first_arrival.find(path); it != first_arrival.end()) arrived = it->second;
    }
    if (arrived && acked) change_ms.push_back(std::chrono::duration<double, std::milli>(*arrived - acked_at).count());
    receiver.clear();
  }
  streaming = false;
  stream.join();
  producer.flush(30s);

  std::string metrics;
  hookd.admin_get("/metrics", &metrics);
  const long peak_kib = status_kib(hookd.pid(), "VmHWM");
  const long sampled_kib = rss->max_sampled_kib();
  rss.reset();
  const int exit_code = hookd.terminate(30s);

  std::sort(change_ms.begin(), change_ms.end());
  const auto per_subscription = [&](long kib) { return static_cast<double>(kib) * 1024.0 / static_cast<double>(o.subscriptions); };
  std::printf("hookd-bench-subscriptions: %ld subscriptions over %ld companies, %.0f bytes each on average (kafka: %s, %s)\n",
              o.subscriptions, std::min(o.companies, o.subscriptions),
              static_cast<double>(table_bytes) / static_cast<double>(o.subscriptions), broker.bootstrap().c_str(),
              broker.source().c_str());
  std::printf("  table published:   %.1f s\n", load_s);
  std::printf("  ready (/readyz):   %.2f s after start\n", ready_s);
  std::printf("  RSS when ready:    %.1f MiB (%.0f bytes per subscription)\n", static_cast<double>(ready_rss_kib) / 1024.0,
              per_subscription(ready_rss_kib));
  std::printf("  peak RSS (VmHWM):  %.1f MiB (%.0f bytes per subscription; highest 100 ms sample %.1f MiB)\n",
              static_cast<double>(peak_kib) / 1024.0, per_subscription(peak_kib), static_cast<double>(sampled_kib) / 1024.0);
  std::printf("  burst:             %ld events x %ld webhooks: %zu of %zu delivered in %.2f s, %.0f deliveries/s%s\n",
              o.events, o.webhooks, burst_delivered, expected, burst_s,
              static_cast<double>(burst_delivered) / burst_s, burst_complete ? "" : "  ** INCOMPLETE **");
  if (!change_ms.empty()) {
    std::printf("  change to delivery: %zu of %ld changes live; p50 %.0f ms, max %.0f ms (events streaming at %.0f/s)\n",
                change_ms.size(), o.changes, change_ms[change_ms.size() / 2], change_ms.back(), o.rate);
  } else if (o.changes > 0) {
    std::printf("  change to delivery: none of %ld changes took effect within 30 s  ** FAILED **\n", o.changes);
  }
  std::printf("  snapshot metrics:\n%s", metric_lines(metrics, "hookd_subscriptions_").c_str());
  std::printf("  produce errors %ld; hookd exit code %d; load average before %s, after %s; host %s, %u cpus\n",
              produce_errors.count.load(), exit_code, start_load.c_str(), loadavg().c_str(),
              boost::asio::ip::host_name().c_str(), std::thread::hardware_concurrency());
  if (o.keep_log) std::printf("  hookd log: %s\n", hookd.log_path().c_str());
  const bool changes_ok = static_cast<long>(change_ms.size()) == o.changes;
  if (!burst_complete || !changes_ok || exit_code != 0)
    std::fprintf(stderr, "hookd's log ends:\n%s", hookd.log_tail(30).c_str());
  return burst_complete && changes_ok && exit_code == 0 && produce_errors.count.load() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace hookd::bench

int main(int argc, char** argv) {
  try {
    return hookd::bench::run(hookd::bench::read_options(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hookd-bench-subscriptions: %s\n", e.what());
    return 1;
  }
}
