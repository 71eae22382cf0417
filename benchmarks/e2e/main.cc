// hookd-bench-e2e: hookd end to end on a real broker. Publishes N events that each match M
// webhooks, with hookd running as a child process and one local HTTPS receiver (test CA) per
// webhook in this process, and prints deliveries/s and the event-to-delivery latency
// (occurredAt is written at publish time; the receiver stamps the arrival).
//
//   hookd-bench-e2e [--events N] [--webhooks M] [--bootstrap HOST:PORT] [--rate EVENTS_PER_S]
//                   [--warmup W] [--partitions P] [--timeout SECONDS] [--hookd PATH] [--keep-log]
//
// --rate 0 (the default) publishes all N at once: deliveries/s is then hookd's capacity and
// the latency mostly queueing. A paced --rate below capacity measures the latency of a
// steady stream. W warm-up events (default 100) go first and are waited for, unmeasured:
// a fresh hookd's first deliveries pay for its first fetch, connections and TLS handshakes;
// the report shows that cold start separately.
//
// Kafka: --bootstrap, else the ctest fixture's $HOOKD_TEST_KAFKA_STATE/bootstrap, else a
// broker of its own from scripts/kafka/start.sh (stopped at exit). Every run uses fresh topic
// and group names, so runs never see each other's records. Exit code 0 once every delivery
// arrived and hookd stopped cleanly, 1 when some were missing at the timeout or hookd exited
// non-zero, 2 on a usage error.
#include <boost/asio/ip/host_name.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/arrivals.h"
#include "common/broker.h"
#include "common/flags.h"
#include "common/workload.h"
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
    events = 20000;
    warmup = 100;
    timeout_s = 300;
    hookd = HOOKD_BINARY;
  }
  long webhooks = 5;
};

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr,
               "%s\nusage: hookd-bench-e2e [--events N] [--webhooks M] [--bootstrap HOST:PORT] [--rate EVENTS_PER_S]\n"
               "                       [--warmup W] [--partitions P] [--timeout SECONDS] [--hookd PATH] [--keep-log]\n",
               error.c_str());
  std::exit(2);
}

Options read_options(int argc, char** argv) {
  Options o;
  parse_flags_or_usage(
      argc, argv, {"--keep-log"},
      [&o](const std::string& flag, const std::string& value) {
        if (flag != "--webhooks") return o.set(flag, value);
        o.webhooks = std::stol(value);
        return true;
      },
      "hookd end-to-end benchmark", usage);
  if (!o.valid() || o.webhooks < 1) usage("values must be positive");
  return o;
}

int run(const Options& o) {
  const std::string start_load = loadavg();
  Broker broker(o.bootstrap, std::string(HOOKD_SOURCE_DIR) + "/scripts/kafka", HOOKD_KAFKA_CLI);
  const kafka::ClientSettings kafka_settings{broker.bootstrap(), {}};
  const BenchTopics topics(unique_suffix());
  if (auto error = topics.create(kafka_settings, o.partitions)) {
    std::fprintf(stderr, "cannot create topics: %s\n", error->c_str());
    return 1;
  }

  const std::size_t expected = static_cast<std::size_t>(o.events) * static_cast<std::size_t>(o.webhooks);
  test_support::TestCa ca;
  Arrivals arrivals(expected);
  // One receiver (one origin, one thread) per webhook: M webhooks are M endpoints, as in life.
  std::vector<std::unique_ptr<test_support::HttpsReceiver>> receivers;
  for (long w = 0; w < o.webhooks; ++w) {
    receivers.push_back(std::make_unique<test_support::HttpsReceiver>(
        test_support::ReceiverOptions{.tls = true, .certificate = ca.localhost(), .threads = 1}));
    receivers.back()->set_handler([&arrivals](const test_support::ReceivedRequest& request) {
      arrivals.record(request);
      return test_support::Behaviour::respond(200);
    });
  }

  kafka::Producer producer(kafka_settings);
  ProduceErrors produce_errors;
  publish_webhooks(producer, topics.webhooks, receivers, produce_errors);

  test_support::HookdProcess hookd(o.hookd, topics.hookd_config(broker.bootstrap(), ca.ca_file()));
  if (o.keep_log) hookd.keep_files();
  hookd.start();
  if (!hookd.wait_ready(90s)) {
    std::fprintf(stderr, "hookd did not become ready; its log:\n%s", hookd.log_tail(40).c_str());
    return 1;
  }

  // Warm-up: the first fetch, connections and handshakes, outside the measurement.
  const auto warmup_start = Clock::now();
  publish_events(producer, topics.events, o.warmup, 0, std::string(kWarmupPrefix), "TODO_CREATED", produce_errors);
  const auto warmup_expected = static_cast<std::size_t>(o.warmup * o.webhooks);
  while (arrivals.warmup() < warmup_expected && Clock::now() < warmup_start + 60s && hookd.running())
    std::this_thread::sleep_for(5ms);
  const double warmup_s = std::chrono::duration<double>(Clock::now() - warmup_start).count();
  if (arrivals.warmup() < warmup_expected) {
    std::fprintf(stderr, "warm-up deliveries missing; hookd's log ends:\n%s", hookd.log_tail(30).c_str());
    return 1;
  }

  // Publish: as fast as the producer takes them, or paced at --rate.
  const auto publish_start_wall = std::chrono::system_clock::now();
  const auto publish_start = Clock::now();
  const double publish_s =
      publish_events(producer, topics.events, o.events, o.rate, "bench-evt-", "TODO_CREATED", produce_errors);

  // Wait for every delivery; the receivers' own request logs are cleared as we go (the
  // handler already took what it needs) so a long run does not hold every body in memory.
  const auto deadline = publish_start + std::chrono::seconds(o.timeout_s);
  while (arrivals.distinct() < expected && Clock::now() < deadline && hookd.running()) {
    std::this_thread::sleep_for(100ms);
    for (auto& r : receivers) r->clear();
  }
  const bool complete = arrivals.distinct() >= expected;
  std::string metrics;
  hookd.admin_get("/metrics", &metrics);
  const int exit_code = hookd.terminate(30s);

  const double span_s =
      std::chrono::duration<double>(arrivals.last_arrival() - publish_start_wall).count();
  const auto latency = arrivals.latency();
  std::printf("hookd-bench-e2e: %ld events x %ld webhooks = %zu deliveries expected (kafka: %s, %s)\n", o.events,
              o.webhooks, expected, broker.bootstrap().c_str(), broker.source().c_str());
  std::printf("  warm-up:        %ld events (%zu deliveries) in %.2f s, not measured\n", o.warmup,
              arrivals.warmup(), warmup_s);
  std::printf("  publish:        %.2f s (%.0f events/s%s), produce errors %ld\n", publish_s,
              static_cast<double>(o.events) / publish_s, o.rate > 0 ? ", paced" : ", burst", produce_errors.count.load());
  std::printf("  delivered:      %zu distinct, %zu duplicates, %zu unreadable%s\n", arrivals.distinct(),
              arrivals.duplicates(), arrivals.unreadable(), complete ? "" : "  ** INCOMPLETE **");
  std::printf("  throughput:     %.0f deliveries/s (first publish to last delivery: %.2f s)\n",
              static_cast<double>(arrivals.distinct()) / span_s, span_s);
  std::printf("  event-to-delivery latency (occurredAt to arrival, %zu samples):\n"
              "                  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms  mean %.1f ms\n",
              latency.samples, latency.p50_ms, latency.p90_ms, latency.p99_ms, latency.max_ms, latency.mean_ms);
  std::printf("  hookd attempts:\n%s", metric_lines(metrics, "hookd_delivery_attempts_total{").c_str());
  std::printf("  hookd exit code %d; load average before %s, after %s; host %s, %u cpus\n", exit_code,
              start_load.c_str(), loadavg().c_str(), boost::asio::ip::host_name().c_str(),
              std::thread::hardware_concurrency());
  if (o.keep_log) std::printf("  hookd log: %s\n", hookd.log_path().c_str());
  if (!complete || exit_code != 0) {
    std::fprintf(stderr, "%s; hookd's log ends:\n%s", complete ? "hookd did not stop cleanly" : "incomplete",
                 hookd.log_tail(30).c_str());
  }
  return complete && exit_code == 0 && produce_errors.count.load() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace hookd::bench

int main(int argc, char** argv) {
  return hookd::bench::run_or_report("hookd-bench-e2e",
                                     [&] { return hookd::bench::run(hookd::bench::read_options(argc, argv)); });
}
