// hookd-bench-e2e: hookd end to end on a real broker, beside the machine's HTTPS ceiling.
//
// Per shape (--shape one: M webhooks on one origin; ten: M webhooks on M origins; both, the
// default, runs one then the other, each with fresh topics, a fresh receiver and hookd):
//   1. the ceiling: wrk POSTs a body of the deliveries' size to the same receiver, over as
//      many keep-alive connections as hookd's per-origin cap (--connections, 64);
//   2. the backlog drain: N events published at once (every one matching the M webhooks);
//      deliveries/s from the first publish to the last arrival, its ratio to the ceiling,
//      and hookd's CPU (utime + stime of the child, /proc) per 1,000 deliveries;
//   3. the paced phase, --settle-seconds (2) after the backlog's last arrival: --paced-events at
//      --rate events/s, latency p50/p99/max from the hand-off to the producer (occurredAt) to the
//      arrival;
//   then hookd's peak RSS (VmHWM) with --subscriptions in its table (the M, and fillers of other
//   companies that no event matches).
//
//   hookd-bench-e2e [--shape one|ten|both] [--events N] [--webhooks M] [--rate EVENTS_PER_S]
//                   [--paced-events P] [--subscriptions S] [--connections C] [--ceiling-seconds T] [--settle-seconds S]
//                   [--receiver-threads R] [--perf FILE] [--delivery "KEY: VALUE, ..."] [--receiver-check] [--warmup W]
//                   [--partitions P] [--bootstrap HOST:PORT] [--timeout SECONDS] [--hookd PATH] [--keep-log]
//
// The publisher does not batch (linger.ms=0), so the latency is hookd's and the broker's. The
// receiver is FastReceiver (benchmarks/common): --receiver-check runs only wrk against it and
// against test_support::HttpsReceiver, to show it is several times faster than hookd. --perf
// FILE records `perf record --call-graph dwarf` of the hookd child during the backlog drain (the last shape's).
// --delivery adds keys to hookd's delivery section (e.g. "max_in_flight_per_tenant: 2048").
// Without wrk the ceiling is reported missing and everything else still runs.
//
// Kafka: --bootstrap, else the ctest fixture's $HOOKD_TEST_KAFKA_STATE/bootstrap, else a
// broker of its own from scripts/kafka/start.sh (stopped at exit), with HOOKD_KAFKA_GC=zgc
// unless the variable says otherwise. Exit code 0 once every
// delivery arrived and hookd stopped cleanly, 1 when some were missing at the timeout or hookd
// exited non-zero, 2 on a usage error.
#include <boost/asio/ip/host_name.hpp>

#include <malloc.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/arrivals.h"
#include "common/broker.h"
#include "common/fast_receiver.h"
#include "common/flags.h"
#include "common/proc_stats.h"
#include "common/workload.h"
#include "common/wrk.h"
#include "kafka/producer.h"
#include "support/hookd_process.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

namespace hookd::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

enum class Shape { one_origin, ten_origins };

struct Options : RunFlags {
  Options() {
    events = 20000;
    rate = 1000;
    warmup = 100;
    timeout_s = 300;
    hookd = HOOKD_BINARY;
  }
  long webhooks = 10;
  long paced_events = 5000;
  long subscriptions = 10000;
  int connections = 64;  // hookd's delivery.max_in_flight_per_origin default
  int ceiling_seconds = 5;
  // Between the backlog's last arrival and the paced phase, so the paced phase starts from a
  // quiet hookd and broker, not from the drain's last writes and commits.
  int settle_seconds = 2;
  int wrk_threads = 1;
  int receiver_threads = 2;
  std::vector<Shape> shapes{Shape::one_origin, Shape::ten_origins};
  std::string perf_file;
  std::string delivery_extra;  // more keys of hookd's delivery section, "a: 1, b: 2"
  bool receiver_check = false;
};

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr,
               "%s\nusage: hookd-bench-e2e [--shape one|ten|both] [--events N] [--webhooks M] [--rate EVENTS_PER_S]\n"
               "                       [--paced-events P] [--subscriptions S] [--connections C] [--ceiling-seconds T]\n"
               "                       [--settle-seconds S]\n"
               "                       [--receiver-threads R] [--wrk-threads T] [--perf FILE] [--delivery \"KEY: VALUE, ...\"]\n"
               "                       [--receiver-check]\n"
               "                       [--warmup W] [--partitions P] [--bootstrap HOST:PORT] [--timeout SECONDS]\n"
               "                       [--hookd PATH] [--keep-log]\n",
               error.c_str());
  std::exit(2);
}

Options read_options(int argc, char** argv) {
  Options o;
  parse_flags_or_usage(
      argc, argv, {"--keep-log", "--receiver-check"},
      [&o](const std::string& flag, const std::string& value) {
        if (flag == "--webhooks") o.webhooks = std::stol(value);
        else if (flag == "--paced-events") o.paced_events = std::stol(value);
        else if (flag == "--subscriptions") o.subscriptions = std::stol(value);
        else if (flag == "--connections") o.connections = std::stoi(value);
        else if (flag == "--ceiling-seconds") o.ceiling_seconds = std::stoi(value);
        else if (flag == "--settle-seconds") o.settle_seconds = std::stoi(value);
        else if (flag == "--wrk-threads") o.wrk_threads = std::stoi(value);
        else if (flag == "--receiver-threads") o.receiver_threads = std::stoi(value);
        else if (flag == "--perf") o.perf_file = value;
        else if (flag == "--delivery") o.delivery_extra = value;
        else if (flag == "--receiver-check") o.receiver_check = true;
        else if (flag == "--shape") {
          if (value == "one") o.shapes = {Shape::one_origin};
          else if (value == "ten") o.shapes = {Shape::ten_origins};
          else if (value == "both") o.shapes = {Shape::one_origin, Shape::ten_origins};
          else return false;
        } else {
          return o.set(flag, value);
        }
        return true;
      },
      "hookd end-to-end benchmark", usage);
  if (!o.valid() || o.webhooks < 1 || o.connections < 1 || o.ceiling_seconds < 0 || o.settle_seconds < 0 || o.paced_events < 0 ||
      o.wrk_threads < 1 || o.receiver_threads < 1)
    usage("values must be positive");
  return o;
}

const char* shape_name(Shape shape) { return shape == Shape::one_origin ? "one origin" : "one origin each"; }

// The body hookd sends for one of event_json's envelopes, within a few bytes: the envelope.
std::size_t delivery_body_bytes() { return event_json("bench-evt-0", 0).size(); }

// `perf record` with call graphs of one process until stopped (SIGINT, so perf writes its file).
class PerfRecord {
 public:
  PerfRecord(int pid, const std::string& file) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string target = std::to_string(pid);
      // DWARF unwinding: hookd is built without frame pointers. 499 Hz keeps the file small.
      ::execlp("perf", "perf", "record", "-F", "499", "--call-graph", "dwarf,16384", "-q", "-o", file.c_str(), "-p",
               target.c_str(), nullptr);
      std::_Exit(127);
    }
  }
  ~PerfRecord() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGINT);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  PerfRecord(const PerfRecord&) = delete;
  PerfRecord& operator=(const PerfRecord&) = delete;

 private:
  pid_t pid_ = -1;
};

struct Phase {
  std::size_t expected = 0;
  std::size_t distinct = 0, duplicates = 0, unreadable = 0;
  double span_s = 0;           // first publish to last arrival
  double cpu_s = -1;           // hookd's CPU over the phase
  LatencySummary latency;
  bool complete() const { return distinct >= expected; }
  double per_s() const { return span_s > 0 ? static_cast<double>(distinct) / span_s : 0; }
  double cpu_us_per_delivery() const { return distinct > 0 ? cpu_s / static_cast<double>(distinct) * 1e6 : 0; }
};

struct ShapeResult {
  Shape shape;
  WrkResult ceiling;
  Phase backlog, paced;
  long peak_rss_kib = 0;
  int exit_code = 0;
  long produce_errors = 0;
  std::string attempts;
};

// Waits until `arrivals` has `expected` distinct deliveries, hookd exits or the deadline; the
// CPU figure is read the moment the last delivery is seen (every 5 ms).
Phase wait_phase(const Arrivals& arrivals, std::size_t expected, test_support::HookdProcess& hookd, double cpu_before,
                 std::chrono::system_clock::time_point publish_start_wall, Clock::time_point deadline) {
  Phase phase;
  phase.expected = expected;
  while (arrivals.distinct() < expected && Clock::now() < deadline && hookd.running()) std::this_thread::sleep_for(5ms);
  const double cpu_after = cpu_seconds(hookd.pid());
  if (cpu_before >= 0 && cpu_after >= 0) phase.cpu_s = cpu_after - cpu_before;
  phase.distinct = arrivals.distinct();
  phase.duplicates = arrivals.duplicates();
  phase.unreadable = arrivals.unreadable();
  phase.span_s = std::chrono::duration<double>(arrivals.last_arrival() - publish_start_wall).count();
  phase.latency = arrivals.latency();
  return phase;
}

// Subscriptions of other companies, which no event matches: only the table's size.
void publish_fillers(kafka::Producer& producer, const std::string& topic, long count, ProduceErrors& errors) {
  for (long n = 0; n < count; ++n) {
    const std::string id = "filler-" + std::to_string(n);
    producer.produce(topic, id,
                     webhook_json(id, "https://filler.example/hook/" + id, R"(["TODO_CREATED"])",
                                  "filler-company-" + std::to_string(n / 10)),
                     {}, errors.on_ack());
  }
}

ShapeResult run_shape(const Options& o, Shape shape, const Broker& broker, const test_support::TestCa& ca) {
  ShapeResult result{.shape = shape};
  const kafka::ClientSettings admin_settings{broker.bootstrap(), {}};
  // No batching in the publisher: every event goes to the broker as it is handed over.
  const kafka::ClientSettings publisher_settings{broker.bootstrap(), {{"linger.ms", "0"}}};
  const BenchTopics topics(unique_suffix());
  if (auto error = topics.create(admin_settings, o.partitions)) throw std::runtime_error("cannot create topics: " + *error);

  const int ports = shape == Shape::one_origin ? 1 : static_cast<int>(o.webhooks);
  FastReceiver receiver(ca.localhost(), ports, o.receiver_threads);

  // 1. The ceiling, before hookd starts: the same receiver, connections and body size.
  if (o.ceiling_seconds > 0) {
    result.ceiling = run_wrk(receiver.url(0, "/ceiling"), o.wrk_threads, o.connections, o.ceiling_seconds,
                             delivery_body_bytes());
  } else {
    result.ceiling.error = "not measured (--ceiling-seconds 0)";
  }

  kafka::Producer producer(publisher_settings);
  ProduceErrors produce_errors;
  publish_fillers(producer, topics.webhooks, std::max(0L, o.subscriptions - o.webhooks), produce_errors);
  std::vector<std::string> urls;
  for (long w = 0; w < o.webhooks; ++w)
    urls.push_back(receiver.url(static_cast<int>(w % ports), "/hook/bench-wh-" + std::to_string(w)));
  publish_webhooks(producer, topics.webhooks, urls, produce_errors);

  test_support::HookdProcess hookd(o.hookd, topics.hookd_config(broker.bootstrap(), ca.ca_file(), o.delivery_extra));
  if (o.keep_log) hookd.keep_files();
  hookd.start();
  if (!hookd.wait_ready(std::chrono::seconds(o.timeout_s))) {
    throw std::runtime_error("hookd did not become ready; its log:\n" + hookd.log_tail(40));
  }

  // Warm-up: the first fetch, connections and handshakes, outside the measurement.
  Arrivals warm(static_cast<std::size_t>(o.warmup * o.webhooks));
  receiver.record_into(&warm);
  const auto warmup_start = Clock::now();
  publish_events(producer, topics.events, o.warmup, 0, std::string(kWarmupPrefix), "TODO_CREATED", produce_errors);
  const auto warmup_expected = static_cast<std::size_t>(o.warmup * o.webhooks);
  while (warm.warmup() < warmup_expected && Clock::now() < warmup_start + 60s && hookd.running())
    std::this_thread::sleep_for(5ms);
  if (warm.warmup() < warmup_expected) {
    throw std::runtime_error("warm-up deliveries missing; hookd's log ends:\n" + hookd.log_tail(30));
  }

  const auto deadline = [&o] { return Clock::now() + std::chrono::seconds(o.timeout_s); };
  // 2. The backlog drain.
  {
    const std::size_t expected = static_cast<std::size_t>(o.events * o.webhooks);
    Arrivals arrivals(expected);
    receiver.record_into(&arrivals);
    std::optional<PerfRecord> perf;
    if (!o.perf_file.empty()) perf.emplace(hookd.pid(), o.perf_file);
    const double cpu_before = cpu_seconds(hookd.pid());
    const auto start_wall = std::chrono::system_clock::now();
    publish_events(producer, topics.events, o.events, 0, "bench-evt-", "TODO_CREATED", produce_errors);
    result.backlog = wait_phase(arrivals, expected, hookd, cpu_before, start_wall, deadline());
    perf.reset();
    receiver.record_into(nullptr);
  }
  // The backlog's arrivals (200,000 ids the receiver threads allocated) were just freed into
  // those threads' glibc arenas. Left there, the receiver's first larger allocation of the paced
  // phase consolidates them: both receiver threads spent 20-25 ms in malloc_consolidate, reading
  // nothing, and that stall was most of the paced phase's p99 (docs/benchmarks.md). Consolidate
  // now, in this thread, before the paced phase starts.
  malloc_trim(0);
  // 3. The paced phase.
  if (o.rate > 0 && o.paced_events > 0) {
    std::this_thread::sleep_for(std::chrono::seconds(o.settle_seconds));
    const std::size_t expected = static_cast<std::size_t>(o.paced_events * o.webhooks);
    Arrivals arrivals(expected);
    receiver.record_into(&arrivals);
    const double cpu_before = cpu_seconds(hookd.pid());
    const auto start_wall = std::chrono::system_clock::now();
    publish_events(producer, topics.events, o.paced_events, o.rate, "bench-paced-", "TODO_CREATED", produce_errors);
    result.paced = wait_phase(arrivals, expected, hookd, cpu_before, start_wall, deadline());
    receiver.record_into(nullptr);
  }

  result.peak_rss_kib = status_kib(hookd.pid(), "VmHWM");
  std::string metrics;
  hookd.admin_get("/metrics", &metrics);
  result.attempts = metric_lines(metrics, "hookd_delivery_attempts_total{");
  result.exit_code = hookd.terminate(30s);
  result.produce_errors = produce_errors.count.load();
  if (!result.backlog.complete() || !result.paced.complete() || result.exit_code != 0) {
    std::fprintf(stderr, "%s: hookd's log ends:\n%s", shape_name(shape), hookd.log_tail(30).c_str());
  }
  if (o.keep_log) std::printf("  hookd log (%s): %s\n", shape_name(shape), hookd.log_path().c_str());
  return result;
}

void print_phase(const char* name, const Phase& p) {
  std::printf("  %-8s %zu/%zu distinct, %zu duplicates, %zu unreadable%s; %.0f deliveries/s over %.2f s",
              name, p.distinct, p.expected, p.duplicates, p.unreadable, p.complete() ? "" : " ** INCOMPLETE **",
              p.per_s(), p.span_s);
  if (p.cpu_s >= 0) std::printf("; hookd CPU %.2f s (%.3f s per 1,000, %.1f us each)", p.cpu_s,
                                p.cpu_us_per_delivery() / 1000.0, p.cpu_us_per_delivery());
  std::printf("\n           latency p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n", p.latency.p50_ms,
              p.latency.p90_ms, p.latency.p99_ms, p.latency.max_ms);
}

// Where a phase's tail comes from: one stall or a spread (bench::LatencySummary).
// The first publish's UTC time of day is there to find the same moment in the broker's logs.
void print_slow(const Phase& p) {
  const std::time_t seconds = static_cast<std::time_t>(p.latency.first_published_us / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::printf("           over %.0f ms, by quarter second of publishing from %02d:%02d:%02d.%03d UTC: %s\n", kSlowMs,
              utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(p.latency.first_published_us / 1000 % 1000),
              p.latency.slow_by_publish_time.empty() ? "none" : p.latency.slow_by_publish_time.c_str());
}

void print_shape(const Options& o, const ShapeResult& r) {
  std::printf("shape: %ld webhooks on %s\n", o.webhooks, shape_name(r.shape));
  if (r.ceiling.ran) {
    std::printf("  ceiling  wrk -t%d -c%d, %zu-byte POST: %.0f requests/s (wrk's latency p50 %.2f ms, p99 %.2f ms)\n",
                o.wrk_threads, o.connections, delivery_body_bytes(), r.ceiling.requests_per_s,
                r.ceiling.latency_p50_ms, r.ceiling.latency_p99_ms);
  } else {
    std::printf("  ceiling  not measured: %s\n", r.ceiling.error.c_str());
  }
  print_phase("backlog", r.backlog);
  if (r.ceiling.ran) std::printf("           = %.1f%% of the ceiling\n", 100.0 * r.backlog.per_s() / r.ceiling.requests_per_s);
  if (r.paced.expected > 0) {
    print_phase("paced", r.paced);
    print_slow(r.paced);
  }
  std::printf("  peak RSS %.1f MiB (VmHWM, %ld subscriptions); produce errors %ld; hookd exit code %d\n",
              static_cast<double>(r.peak_rss_kib) / 1024.0, std::max(o.subscriptions, o.webhooks), r.produce_errors,
              r.exit_code);
  std::printf("  hookd attempts:\n%s", r.attempts.c_str());
}

// The receivers alone under wrk: is FastReceiver fast enough, and how much faster than the
// programmable test receiver.
int receiver_check(const Options& o) {
  test_support::TestCa ca;
  const std::size_t body = delivery_body_bytes();
  std::printf("hookd-bench-e2e --receiver-check: wrk -t%d -c%d -d%ds, %zu-byte POST, load average %s\n",
              o.wrk_threads, o.connections, o.ceiling_seconds, body, loadavg().c_str());
  {
    FastReceiver fast(ca.localhost(), 1, o.receiver_threads);
    const auto r = run_wrk(fast.url(0, "/ceiling"), o.wrk_threads, o.connections, o.ceiling_seconds, body);
    if (!r.ran) std::printf("  FastReceiver: %s\n", r.error.c_str());
    else std::printf("  FastReceiver (%d threads):   %.0f requests/s\n", o.receiver_threads, r.requests_per_s);
  }
  {
    test_support::HttpsReceiver support(test_support::ReceiverOptions{
        .tls = true, .certificate = ca.localhost(), .threads = o.receiver_threads});
    support.set_default(test_support::Behaviour::respond(200));
    std::atomic<bool> stop{false};
    std::thread clearer([&] {  // as the old benchmark did, so its request log does not grow
      while (!stop) {
        std::this_thread::sleep_for(100ms);
        support.clear();
      }
    });
    const auto r = run_wrk(support.url("/ceiling", "localhost"), o.wrk_threads, o.connections, o.ceiling_seconds, body);
    stop = true;
    clearer.join();
    if (!r.ran) std::printf("  HttpsReceiver: %s\n", r.error.c_str());
    else std::printf("  HttpsReceiver (%d threads):  %.0f requests/s\n", o.receiver_threads, r.requests_per_s);
  }
  std::printf("  load average after %s\n", loadavg().c_str());
  return 0;
}

int run(const Options& o) {
  if (o.receiver_check) return receiver_check(o);
  const std::string start_load = loadavg();
  // A broker of its own collects with ZGC: the serial collector's pauses were the paced
  // phase's latency tail, and that is the broker's, not hookd's (scripts/kafka/start.sh).
  ::setenv("HOOKD_KAFKA_GC", "zgc", 0);
  Broker broker(o.bootstrap, std::string(HOOKD_SOURCE_DIR) + "/scripts/kafka", HOOKD_KAFKA_CLI);
  test_support::TestCa ca;
  std::vector<ShapeResult> results;
  for (const Shape shape : o.shapes) results.push_back(run_shape(o, shape, broker, ca));

  std::printf("hookd-bench-e2e: backlog %ld events, paced %ld events at %.0f/s, x %ld webhooks (kafka: %s, %s)\n",
              o.events, o.rate > 0 ? o.paced_events : 0, o.rate, o.webhooks, broker.bootstrap().c_str(),
              broker.source().c_str());
  bool ok = true;
  for (const auto& r : results) {
    print_shape(o, r);
    ok = ok && r.backlog.complete() && r.paced.complete() && r.exit_code == 0 && r.produce_errors == 0;
  }
  std::printf("load average before %s, after %s; host %s, %u cpus\n", start_load.c_str(), loadavg().c_str(),
              boost::asio::ip::host_name().c_str(), std::thread::hardware_concurrency());
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace hookd::bench

int main(int argc, char** argv) {
  return hookd::bench::run_or_report("hookd-bench-e2e",
                                     [&] { return hookd::bench::run(hookd::bench::read_options(argc, argv)); });
}
