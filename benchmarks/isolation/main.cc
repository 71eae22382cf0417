// hookd-bench-isolation: what one hanging endpoint costs the others. Two runs on a
// real broker, each with a fresh hookd child process and fresh topics, and the same load:
//
//   A: ten webhooks, each to its own healthy HTTPS receiver (its own origin);
//   B: the same, but the tenth receiver accepts connections and never answers, so every
//      attempt to it lasts until hookd's delivery timeout (--delivery-timeout, 2 s by default:
//      short, so that a bench of tens of seconds sees many timeouts and the breaker open).
//
// It prints, for the nine healthy endpoints in both runs, deliveries/s (first publish to last
// arrival) and the p50/p99 event-to-delivery latency (occurredAt, written at publish time, to
// the receiver's read), the ratios B/A, and whether the goal is met: in B the nine keep at
// least 90% of A's throughput and of A's latency (p99 B <= p99 A / 0.9).
//
//   hookd-bench-isolation [--events N] [--rate EVENTS_PER_S] [--warmup W] [--delivery-timeout D]
//                         [--partitions P] [--bootstrap HOST:PORT] [--timeout SECONDS]
//                         [--repeat R] [--hookd PATH] [--keep-log] [--require-goal]
//
// Every event matches all ten webhooks. --rate (200/s by default, 1,800 deliveries/s to the
// nine, below this machine's capacity) paces the load so latency means latency; --rate 0
// publishes all N at once and measures capacity instead. W warm-up events (default 50) go
// first, unmeasured, of an event type only the nine subscribe to: their connections are
// warm, and the tenth endpoint is first reached inside the measured window in both runs, so
// B measures the hang from its start, breaker opening included, not only the steady state.
// --repeat R runs the pair R times (A, B, A, B, ...) and reports the medians: a p99 of tens
// of milliseconds on a shared machine moves by more than 10% from one run to the next.
//
// With --tenants it measures isolation between companies instead (tenants.h): a hostile
// company's slow receivers and fan-out beside a well-behaved company, with and without the
// tenant budget.
//
// Kafka as in hookd-bench-e2e: --bootstrap, else $HOOKD_TEST_KAFKA_STATE/bootstrap, else a
// broker of its own. Exit code 0 when every delivery to the nine (and in A to the tenth)
// arrived in both runs and hookd exited 0 each time, 1 otherwise or, with --require-goal,
// when the goal is missed; 2 on a usage error.
#include <boost/asio/ip/host_name.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/arrivals.h"
#include "common/broker.h"
#include "common/flags.h"
#include "common/workload.h"
#include "common/units.h"
#include "kafka/producer.h"
#include "support/hookd_process.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"
#include "tenants.h"

namespace hookd::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr long kEndpoints = 10;  // the tenth is the one that hangs in run B
constexpr long kHealthy = kEndpoints - 1;
constexpr double kGoal = 0.90;
// Only the nine subscribe to it: warm-up traffic that never reaches the tenth endpoint.
constexpr std::string_view kWarmupType = "TODO_UPDATED";

struct Options : RunFlags {
  Options() {
    events = 4000;
    rate = 200;
    warmup = 50;
    timeout_s = 180;
    hookd = HOOKD_BINARY;
  }
  std::string delivery_timeout = "2s";
  int repeat = 1;
  bool require_goal = false;
};

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr,
               "%s\nusage: hookd-bench-isolation [--events N] [--rate EVENTS_PER_S] [--warmup W] [--delivery-timeout D]\n"
               "                             [--partitions P] [--bootstrap HOST:PORT] [--timeout SECONDS]\n"
               "                             [--repeat R] [--hookd PATH] [--keep-log] [--require-goal]\n",
               error.c_str());
  std::exit(2);
}

Options read_options(int argc, char** argv) {
  Options o;
  parse_flags_or_usage(
      argc, argv, {"--keep-log", "--require-goal"},
      [&o](const std::string& flag, const std::string& value) {
        if (flag == "--require-goal") o.require_goal = true;
        else if (flag == "--delivery-timeout") o.delivery_timeout = value;
        else if (flag == "--repeat") o.repeat = std::stoi(value);
        else return o.set(flag, value);
        return true;
      },
      "hookd isolation benchmark", usage);
  if (!o.valid() || o.repeat < 1) usage("values must be positive");
  if (!parse_duration(o.delivery_timeout)) usage("bad --delivery-timeout " + o.delivery_timeout);
  return o;
}

struct RunResult {
  bool ready = false;
  bool complete = false;
  std::size_t nine_expected = 0;
  std::size_t nine_delivered = 0;
  std::size_t duplicates = 0;
  double throughput = 0;  // deliveries/s to the nine
  LatencySummary latency;  // of the nine
  double warmup_s = 0;
  double publish_s = 0;
  std::size_t tenth_delivered = 0;    // run A: distinct deliveries to the tenth
  std::size_t tenth_requests = 0;     // requests the tenth endpoint read (hung ones included)
  std::uint64_t tenth_connections = 0;
  std::string metrics;                // hookd's /metrics at the end of the run
  int exit_code = 0;
};

RunResult run_once(const Options& o, const Broker& broker, bool tenth_hangs) {
  RunResult result;
  const kafka::ClientSettings kafka_settings{broker.bootstrap(), {}};
  const BenchTopics topics(unique_suffix() + (tenth_hangs ? "-b" : "-a"));
  if (auto error = topics.create(kafka_settings, o.partitions)) throw std::runtime_error("cannot create topics: " + *error);

  result.nine_expected = static_cast<std::size_t>(o.events * kHealthy);
  test_support::TestCa ca;
  Arrivals nine(result.nine_expected);
  Arrivals tenth(static_cast<std::size_t>(o.events));
  // One receiver (one origin, one thread) per webhook.
  std::vector<std::unique_ptr<test_support::HttpsReceiver>> receivers;
  for (long w = 0; w < kEndpoints; ++w) {
    receivers.push_back(std::make_unique<test_support::HttpsReceiver>(
        test_support::ReceiverOptions{.tls = true, .certificate = ca.localhost(), .threads = 1}));
    Arrivals& arrivals = w < kHealthy ? nine : tenth;
    if (w == kHealthy && tenth_hangs) {
      receivers.back()->set_default(test_support::Behaviour::hang());
    } else {
      receivers.back()->set_handler([&arrivals](const test_support::ReceivedRequest& request) {
        arrivals.record(request);
        return test_support::Behaviour::respond(200);
      });
    }
  }

  kafka::Producer producer(kafka_settings);
  ProduceErrors produce_errors;
  for (long w = 0; w < kEndpoints; ++w) {
    const std::string id = "bench-wh-" + std::to_string(w);
    const std::string types = w < kHealthy ? R"(["TODO_CREATED","TODO_UPDATED"])" : R"(["TODO_CREATED"])";
    producer.produce(topics.webhooks, id, webhook_json(id, receivers[w]->url("/hook/" + id, "localhost"), types), {},
                     produce_errors.on_ack());
  }
  producer.flush(30s);

  test_support::HookdProcess hookd(
      o.hookd, topics.hookd_config(broker.bootstrap(), ca.ca_file(), "timeout: " + o.delivery_timeout));
  if (o.keep_log) hookd.keep_files();
  hookd.start();
  if (!hookd.wait_ready(90s)) {
    std::fprintf(stderr, "hookd did not become ready; its log:\n%s", hookd.log_tail(40).c_str());
    return result;
  }
  result.ready = true;

  const auto warmup_start = Clock::now();
  publish_events(producer, topics.events, o.warmup, 0, std::string(kWarmupPrefix), kWarmupType, produce_errors);
  const auto warmup_expected = static_cast<std::size_t>(o.warmup * kHealthy);
  while (nine.warmup() < warmup_expected && Clock::now() < warmup_start + 60s && hookd.running())
    std::this_thread::sleep_for(5ms);
  result.warmup_s = std::chrono::duration<double>(Clock::now() - warmup_start).count();
  if (nine.warmup() < warmup_expected) {
    std::fprintf(stderr, "warm-up deliveries missing; hookd's log ends:\n%s", hookd.log_tail(30).c_str());
    return result;
  }

  const auto publish_start_wall = std::chrono::system_clock::now();
  const auto publish_start = Clock::now();
  result.publish_s = publish_events(producer, topics.events, o.events, o.rate, "bench-evt-", "TODO_CREATED", produce_errors);

  // Done when the nine have everything, and in A the tenth too. Request logs are cleared as
  // we go (the handlers already took what they need).
  const auto all_arrived = [&] {
    return nine.distinct() >= result.nine_expected &&
           (tenth_hangs || tenth.distinct() >= static_cast<std::size_t>(o.events));
  };
  const auto deadline = publish_start + std::chrono::seconds(o.timeout_s);
  while (!all_arrived() && Clock::now() < deadline && hookd.running()) {
    std::this_thread::sleep_for(100ms);
    for (long w = 0; w < kHealthy; ++w) receivers[w]->clear();
  }
  result.complete = all_arrived() && produce_errors.count.load() == 0;
  hookd.admin_get("/metrics", &result.metrics);
  result.tenth_requests = receivers[kHealthy]->request_count();
  result.tenth_connections = receivers[kHealthy]->connections_accepted();
  result.exit_code = hookd.terminate(30s);
  if (result.exit_code != 0) {
    // A crash or a shutdown past its grace period fails the run: that is a finding too.
    std::fprintf(stderr, "hookd exited with %d; its log ends:\n%s", result.exit_code, hookd.log_tail(30).c_str());
    result.complete = false;
  }
  if (!result.complete) std::fprintf(stderr, "incomplete; hookd's log ends:\n%s", hookd.log_tail(30).c_str());
  if (o.keep_log) std::printf("  hookd log (%s): %s\n", tenth_hangs ? "B" : "A", hookd.log_path().c_str());

  result.nine_delivered = nine.distinct();
  result.duplicates = nine.duplicates() + tenth.duplicates();
  result.tenth_delivered = tenth.distinct();
  result.latency = nine.latency();
  const double span_s = std::chrono::duration<double>(nine.last_arrival() - publish_start_wall).count();
  result.throughput = span_s > 0 ? static_cast<double>(result.nine_delivered) / span_s : 0;
  return result;
}

double ratio(double b, double a) { return a > 0 ? b / a : 0; }

void report(const Options& o, const Broker& broker, const RunResult& a, const RunResult& b, bool goal_met,
            const std::string& start_load) {
  std::printf("hookd-bench-isolation: %ld endpoints, %ld events each (%s), delivery.timeout %s (kafka: %s, %s)\n",
              kEndpoints, o.events,
              o.rate > 0 ? ("paced at " + std::to_string(static_cast<long>(o.rate)) + " events/s").c_str() : "burst",
              o.delivery_timeout.c_str(), broker.bootstrap().c_str(), broker.source().c_str());
  std::printf("  run A: all ten healthy; run B: the tenth accepts connections and never answers\n");
  std::printf("  %-34s %14s %14s %8s\n", "the nine healthy endpoints", "A", "B", "B/A");
  std::printf("  %-34s %8zu/%-5zu %8zu/%-5zu\n", "delivered", a.nine_delivered, a.nine_expected, b.nine_delivered,
              b.nine_expected);
  std::printf("  %-34s %14.0f %14.0f %8.3f\n", "throughput (deliveries/s)", a.throughput, b.throughput,
              ratio(b.throughput, a.throughput));
  std::printf("  %-34s %14.1f %14.1f %8.3f\n", "latency p50 (ms)", a.latency.p50_ms, b.latency.p50_ms,
              ratio(b.latency.p50_ms, a.latency.p50_ms));
  std::printf("  %-34s %14.1f %14.1f %8.3f\n", "latency p99 (ms)", a.latency.p99_ms, b.latency.p99_ms,
              ratio(b.latency.p99_ms, a.latency.p99_ms));
  std::printf("  %-34s %14.1f %14.1f %8.3f\n", "latency max (ms)", a.latency.max_ms, b.latency.max_ms,
              ratio(b.latency.max_ms, a.latency.max_ms));
  std::printf("  %-34s %14.2f %14.2f\n", "publish (s)", a.publish_s, b.publish_s);
  std::printf("  %-34s %14zu %14zu\n", "duplicates", a.duplicates, b.duplicates);
  std::printf("  the tenth endpoint: A %zu delivered; B %zu requests read (none answered) on %llu connections\n",
              a.tenth_delivered, b.tenth_requests, static_cast<unsigned long long>(b.tenth_connections));
  const auto hookd_line = [](const char* name, const RunResult& r) {
    std::printf("  hookd %s: breaker opened %.0f; attempts timed out %.0f; deferred by the breaker %.0f, on a full origin"
                " queue %.0f; retry records to the first tier %.0f; exit code %d\n",
                name, test_support::metric_value(r.metrics, R"(hookd_breaker_transitions_total{to="open"})").value_or(0),
                test_support::metric_value(r.metrics, R"(hookd_delivery_attempts_total{result="timeout"})").value_or(0),
                test_support::metric_value(r.metrics, R"(hookd_deliveries_deferred_total{reason="breaker"})").value_or(0),
                test_support::metric_value(r.metrics, R"(hookd_delivery_attempts_total{result="origin_queue_full"})").value_or(0),
                test_support::metric_value(r.metrics, R"(hookd_retries_enqueued_total{tier="5s"})").value_or(0), r.exit_code);
  };
  hookd_line("A", a);
  hookd_line("B", b);
  std::printf("  goal: the nine keep >= %.0f%% of throughput (B/A %.1f%%) and of p99 latency (A/B %.1f%%): %s\n",
              kGoal * 100, 100 * ratio(b.throughput, a.throughput), 100 * ratio(a.latency.p99_ms, b.latency.p99_ms),
              goal_met ? "MET" : "NOT MET");
  std::printf("  load average before %s, after %s; host %s, %u cpus\n", start_load.c_str(), loadavg().c_str(),
              boost::asio::ip::host_name().c_str(), std::thread::hardware_concurrency());
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n == 0 ? 0 : n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// The last run with its figures replaced by the medians over all runs.
RunResult median_of(const std::vector<RunResult>& runs) {
  RunResult m = runs.back();
  const auto of = [&](auto field) {
    std::vector<double> values;
    for (const auto& r : runs) values.push_back(field(r));
    return median(values);
  };
  m.throughput = of([](const RunResult& r) { return r.throughput; });
  m.latency.p50_ms = of([](const RunResult& r) { return r.latency.p50_ms; });
  m.latency.p99_ms = of([](const RunResult& r) { return r.latency.p99_ms; });
  m.latency.max_ms = of([](const RunResult& r) { return r.latency.max_ms; });
  for (const auto& r : runs) m.complete = m.complete && r.complete;
  return m;
}

int run(const Options& o) {
  const std::string start_load = loadavg();
  Broker broker(o.bootstrap, std::string(HOOKD_SOURCE_DIR) + "/scripts/kafka", HOOKD_KAFKA_CLI);
  std::vector<RunResult> as, bs;
  for (int r = 0; r < o.repeat; ++r) {
    as.push_back(run_once(o, broker, false));
    bs.push_back(as.back().ready ? run_once(o, broker, true) : RunResult{});
    if (o.repeat > 1) {
      std::printf("pair %d: nine's throughput A %.0f B %.0f /s, p99 A %.1f B %.1f ms%s\n", r + 1, as.back().throughput,
                  bs.back().throughput, as.back().latency.p99_ms, bs.back().latency.p99_ms,
                  as.back().complete && bs.back().complete ? "" : " (incomplete)");
    }
    if (!as.back().complete || !bs.back().complete) break;
  }
  const RunResult a = median_of(as);
  const RunResult b = median_of(bs);
  const bool goal_met = a.complete && b.complete && ratio(b.throughput, a.throughput) >= kGoal &&
                        ratio(a.latency.p99_ms, b.latency.p99_ms) >= kGoal;
  if (o.repeat > 1) std::printf("medians of %zu pairs (the other rows: the last pair)\n", as.size());
  report(o, broker, a, b, goal_met, start_load);
  if (!a.complete || !b.complete) return 1;
  return o.require_goal && !goal_met ? 1 : 0;
}

}  // namespace
}  // namespace hookd::bench

int main(int argc, char** argv) {
  try {
    for (int i = 1; i < argc; ++i)
      if (std::string_view(argv[i]) == "--tenants") return hookd::bench::run_tenants(argc, argv);
    return hookd::bench::run(hookd::bench::read_options(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hookd-bench-isolation: %s\n", e.what());
    return 1;
  }
}
