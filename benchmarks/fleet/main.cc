// hookd-bench-fleet: what crashes and a rolling restart cost a fleet of hookd workers. Three
// workers (child processes, one consumer group, each its own kafka.instance_id and admin
// port) share one broker while events stream in at a steady rate for the whole run, through
// four phases:
//
//   steady   nothing happens: the baseline;
//   crash    every --interval seconds (the first half an interval in) one worker, round
//            robin, is killed with SIGKILL and started again at once with the same instance
//            id, as an orchestrator restarts a container, for --crash-seconds;
//   rolling  each worker in turn gets SIGTERM, is started again and must answer /readyz
//            before the next one goes, as a Deployment's rollout does; then --interval
//            seconds of quiet, so the last step's rebalance falls inside the phase;
//   drain    publishing stops; every delivery is waited for.
//
// With --soak-seconds S the run is a soak instead: one phase, "soak", of S seconds of the
// steady stream alone (no crash, no rollout; --workers 1 is allowed), while each worker's RSS
// is read every --rss-interval seconds and printed as it goes; then per worker its RSS at
// the end of the warm-up (--warmup-rss-seconds, the first minute by default), the largest
// after it and the growth, beside the goal: flat within 5% (docs/benchmarks.md, fleet, Soak).
// Then the drain as above.
//
//   hookd-bench-fleet [--rate EVENTS_PER_S] [--webhooks M] [--partitions P] [--workers N]
//                     [--steady-seconds S] [--crash-seconds C] [--interval I] [--warmup W]
//                     [--soak-seconds S] [--rss-interval SECONDS] [--warmup-rss-seconds SECONDS]
//                     [--bootstrap HOST:PORT] [--timeout SECONDS] [--hookd PATH] [--keep-log]
//
// For each phase it prints deliveries/s, the longest gap between consecutive deliveries
// across the fleet (arrival times at the receivers; the goal is on this one), the longest
// gap of a single partition (how long a killed worker's partitions waited), and duplicates
// (a webhook-id arriving again), each beside its goal (docs/benchmarks.md, fleet); at the end
// the event x webhook pairs never delivered. A soak prints the same for its one phase. Each
// worker keeps hookd's default timeouts (docs/operations.md, identity and timeouts).
//
// Kafka as in hookd-bench-e2e: --bootstrap, else $HOOKD_TEST_KAFKA_STATE/bootstrap, else a
// broker of its own. Exit code 0 when no pair was lost (goals are printed, not required), 1
// otherwise, 2 on a usage error.
#include <boost/asio/ip/host_name.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/arrivals.h"
#include "common/broker.h"
#include "common/clock.h"
#include "common/flags.h"
#include "common/workload.h"
#include "fleet/soak.h"
#include "fleet/stream.h"
#include "fleet/timeline.h"
#include "fleet/workers.h"
#include "kafka/producer.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

namespace hookd::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Goals of the fleet (docs/benchmarks.md): the longest fleet-wide gap in each phase.
constexpr double kCrashGapGoalS = 10;
constexpr double kRollingGapGoalS = 5;
// hookd's kafka.commit_interval default: after a kill, about this much finished work is
// delivered again on the killed worker's partitions (docs/contract.md, duplicates).
constexpr double kCommitIntervalS = 1;
constexpr std::string_view kEventPrefix = "fleet-evt-";

struct Options : RunFlags {
  int webhooks = 2;
  int workers = 3;
  int steady_s = 20;
  int crash_s = 120;
  int interval_s = 10;
  int soak_s = 0;  // > 0: a soak instead of the steady, crash and rolling phases
  int rss_interval_s = 10;
  int warmup_rss_s = 60;
};

constexpr const char* kUsage =
    "usage: hookd-bench-fleet [--rate EVENTS_PER_S] [--webhooks M] [--partitions P] [--workers N]\n"
    "                         [--steady-seconds S] [--crash-seconds C] [--interval I] [--warmup W]\n"
    "                         [--soak-seconds S] [--rss-interval SECONDS] [--warmup-rss-seconds SECONDS]\n"
    "                         [--bootstrap HOST:PORT] [--timeout SECONDS] [--hookd PATH] [--keep-log]\n";

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr, "%s\n%s", error.c_str(), kUsage);
  std::exit(2);
}

Options read_options(int argc, char** argv) {
  Options o{RunFlags{.rate = 200, .warmup = 50, .partitions = 6, .timeout_s = 120, .hookd = HOOKD_BINARY}};
  const auto set = [&o](const std::string& flag, const std::string& value) {
    if (flag == "--webhooks") o.webhooks = std::stoi(value);
    else if (flag == "--workers") o.workers = std::stoi(value);
    else if (flag == "--steady-seconds") o.steady_s = std::stoi(value);
    else if (flag == "--crash-seconds") o.crash_s = std::stoi(value);
    else if (flag == "--interval") o.interval_s = std::stoi(value);
    else if (flag == "--soak-seconds") o.soak_s = std::stoi(value);
    else if (flag == "--rss-interval") o.rss_interval_s = std::stoi(value);
    else if (flag == "--warmup-rss-seconds") o.warmup_rss_s = std::stoi(value);
    else if (flag == "--events") return false;  // the stream runs for the phases' length
    else return o.set(flag, value);
    return true;
  };
  parse_flags_or_usage(argc, argv, {"--keep-log"}, set,
                       "hookd fleet benchmark: crashes and rolling restarts, or a soak", usage);
  // Crashes and a rollout need a survivor; a soak runs with one worker too.
  const int least_workers = o.soak_s > 0 ? 1 : 2;
  if (o.rate <= 0 || o.partitions < o.workers || o.timeout_s < 1 || o.warmup < 0 || o.webhooks < 1 ||
      o.webhooks > 16 || o.workers < least_workers || o.steady_s < 1 || o.crash_s < 0 || o.interval_s < 1 ||
      o.soak_s < 0 || o.rss_interval_s < 1 || o.warmup_rss_s < 0) {
    usage("values out of range (rate > 0, partitions >= workers >= 2 (1 for a soak), 1 <= webhooks <= 16, "
          "rss-interval >= 1)");
  }
  return o;
}

struct Phase {
  const char* name;
  Clock::time_point start, end;
  double gap_goal_s = 0;         // 0: none
  double duplicates_bound = -1;  // < 0: none
  const char* duplicates_goal = "";
};

// The receivers' own request logs grow with every request; the timeline already holds what
// the benchmark needs, so they are emptied as the run goes.
class ReceiverJanitor {
 public:
  explicit ReceiverJanitor(std::vector<std::unique_ptr<test_support::HttpsReceiver>>& receivers)
      : thread_([&receivers](std::stop_token stop) {
          while (!stop.stop_requested()) {
            std::this_thread::sleep_for(200ms);
            for (auto& r : receivers) r->clear();
          }
        }) {}

 private:
  std::jthread thread_;
};

int run(const Options& o) {
  const std::string start_load = loadavg();
  const auto run_start = Clock::now();
  const auto since_start = [run_start](Clock::time_point t) {
    return std::chrono::duration<double>(t - run_start).count();
  };
  const auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };

  Broker broker(o.bootstrap, std::string(HOOKD_SOURCE_DIR) + "/scripts/kafka", HOOKD_KAFKA_CLI);
  const kafka::ClientSettings kafka_settings{broker.bootstrap(), {}};
  const BenchTopics topics(unique_suffix());
  if (auto error = topics.create(kafka_settings, o.partitions))
    throw std::runtime_error("cannot create topics: " + *error);
  const std::string group = "bench-" + topics.suffix;  // kafka.group_id in BenchTopics::hookd_config

  test_support::TestCa ca;
  // The run's deliveries with a quarter to spare (a rollout's length depends on the workers'
  // start-up: 30 s a worker is generous).
  const int run_seconds = o.soak_s > 0 ? o.soak_s : o.steady_s + o.crash_s + 30 * o.workers;
  Timeline timeline{std::string(kEventPrefix),
                    static_cast<std::size_t>(1.25 * o.rate * o.webhooks * (run_seconds + 30))};
  std::vector<std::unique_ptr<test_support::HttpsReceiver>> receivers;
  for (int w = 0; w < o.webhooks; ++w) {
    receivers.push_back(std::make_unique<test_support::HttpsReceiver>(
        test_support::ReceiverOptions{.tls = true, .certificate = ca.localhost(), .threads = 2}));
    receivers.back()->set_handler([&timeline, w](const test_support::ReceivedRequest& request) {
      timeline.record(w, request);
      return test_support::Behaviour::respond(200);
    });
  }
  ReceiverJanitor janitor(receivers);

  kafka::Producer producer(kafka_settings);
  ProduceErrors setup_errors;
  publish_webhooks(producer, topics.webhooks, receivers, setup_errors);

  Workers workers(o.hookd, o.workers, "fleet-" + topics.suffix + "-",
                  [&](const std::string& id) { return topics.hookd_config(broker.bootstrap(), ca.ca_file(), "", id); },
                  o.keep_log);
  const auto log_tails = [&workers] {
    std::string out;
    for (int i = 0; i < workers.size(); ++i)
      out += "-- worker " + std::to_string(i) + "\n" + workers.at(i).log_tail(25);
    return out;
  };
  workers.start_all();
  if (!workers.wait_all_ready(120s) || !workers.wait_balanced(group, o.partitions, 60s)) {
    std::fprintf(stderr, "the workers did not become ready and share the partitions; their logs end:\n%s",
                 log_tails().c_str());
    return 1;
  }

  // Warm-up: every worker's first fetch, connections and handshakes, outside the phases.
  const auto warmup_start = Clock::now();
  publish_events(producer, topics.events, o.warmup, 0, std::string(kWarmupPrefix), "TODO_CREATED", setup_errors);
  const auto warmup_expected = static_cast<std::size_t>(o.warmup * o.webhooks);
  while (timeline.warmup() < warmup_expected && Clock::now() < warmup_start + 60s) std::this_thread::sleep_for(10ms);
  if (timeline.warmup() < warmup_expected) {
    std::fprintf(stderr, "warm-up deliveries missing; the workers' logs end:\n%s", log_tails().c_str());
    return 1;
  }
  std::printf("hookd-bench-fleet: %d workers (static members), %d partitions, %d webhooks, %.0f events/s "
              "(kafka: %s, %s)\n",
              o.workers, o.partitions, o.webhooks, o.rate, broker.bootstrap().c_str(), broker.source().c_str());
  std::printf("  ready and balanced +%.1f s; warm-up %ld events in %.2f s\n", since_start(warmup_start), o.warmup,
              seconds(Clock::now() - warmup_start));

  EventStream stream(producer, topics.events, std::string(kEventPrefix), o.rate, o.partitions);
  // Deliveries published but not yet seen by a receiver: what a signal can catch in flight.
  const auto in_flight = [&] {
    const auto published = static_cast<std::size_t>(stream.published()) * static_cast<std::size_t>(o.webhooks);
    const auto delivered = timeline.distinct();
    return published > delivered ? published - delivered : 0;
  };
  std::vector<Phase> phases;
  std::vector<int> rolling_exit_codes;
  phases.reserve(4);  // the phases below hold references to their elements

  stream.start();
  bool rss_flat = true;  // judged by a soak only
  if (o.soak_s > 0) {
    // The stream alone, for long: the workers' memory is what is measured.
    phases.push_back({.name = "soak", .start = Clock::now()});
    const RssSampler sampler = sample_workers_rss(workers, common::system_clock(), std::chrono::seconds(o.soak_s),
                                                  std::chrono::seconds(o.rss_interval_s));
    phases.back().end = Clock::now();
    rss_flat = print_rss_verdicts(sampler, o.warmup_rss_s);
  } else {
    // 1. steady
    phases.push_back({.name = "steady", .start = Clock::now()});
    std::this_thread::sleep_for(std::chrono::seconds(o.steady_s));
    phases.back().end = Clock::now();

    // 2. crash: kill -9 and restart at once, round robin.
    const std::chrono::milliseconds interval = std::chrono::seconds(o.interval_s);
    phases.push_back({.name = "crash", .start = Clock::now(), .gap_goal_s = kCrashGapGoalS, .duplicates_bound = 0,
                      .duplicates_goal = "in flight + 1 s of the killed partitions"});
    Phase& crash = phases.back();
    // The first kill comes half an interval in, so the stall it causes starts inside the phase.
    for (int k = 0; crash.start + interval / 2 + k * interval < crash.start + std::chrono::seconds(o.crash_s); ++k) {
      const auto kill_at = crash.start + interval / 2 + k * interval;
      std::this_thread::sleep_until(kill_at);
      const int i = k % o.workers;
      const int held = workers.partitions_held(i, group);
      const std::size_t caught = in_flight();
      const auto killed = Clock::now();
      workers.at(i).kill9();
      workers.at(i).start();  // same config file: same kafka.instance_id
      const auto next = kill_at + interval;
      const bool ready = workers.at(i).wait_ready(
          std::max(std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()), 100ms));
      // The contract's bound: what was in flight, plus a commit interval of the killed
      // worker's share of the stream.
      crash.duplicates_bound += static_cast<double>(caught) +
                                kCommitIntervalS * o.rate * o.webhooks * held / static_cast<double>(o.partitions);
      std::printf("  +%6.1f s  kill -9 worker %d (%d partitions, %zu deliveries in flight), restarted; %s %.1f s\n",
                  since_start(killed), i, held, caught, ready ? "ready after" : "NOT READY after",
                  seconds(Clock::now() - killed));
      std::fflush(stdout);
    }
    std::this_thread::sleep_until(crash.start + std::chrono::seconds(o.crash_s));
    crash.end = Clock::now();

    // 3. rolling: SIGTERM, start again, wait for /readyz, next.
    phases.push_back({.name = "rolling", .start = Clock::now(), .gap_goal_s = kRollingGapGoalS, .duplicates_bound = 0,
                      .duplicates_goal = "in flight at the SIGTERMs"});
    Phase& rolling = phases.back();
    for (int i = 0; i < o.workers; ++i) {
      const std::size_t caught = in_flight();
      rolling.duplicates_bound += static_cast<double>(caught);
      const auto signalled = Clock::now();
      const int code = workers.at(i).terminate(60s);
      rolling_exit_codes.push_back(code);
      const auto stopped = Clock::now();
      workers.at(i).start();
      const bool ready = workers.at(i).wait_ready(120s);
      std::printf("  +%6.1f s  SIGTERM worker %d (%zu deliveries in flight): exit %d after %.1f s; "
                  "restarted, %s %.1f s\n",
                  since_start(signalled), i, caught, code, seconds(stopped - signalled),
                  ready ? "ready after" : "NOT READY after", seconds(Clock::now() - stopped));
      std::fflush(stdout);
      if (!ready) break;
    }
    std::this_thread::sleep_for(interval);
    rolling.end = Clock::now();
  }

  // 4. drain: stop publishing, wait for every delivery.
  phases.push_back({.name = "drain", .start = Clock::now()});
  const bool flushed = stream.stop(60s);
  const long events = stream.published();
  const auto expected = static_cast<std::size_t>(events) * static_cast<std::size_t>(o.webhooks);
  const auto drain_deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  while (timeline.distinct() < expected && Clock::now() < drain_deadline) std::this_thread::sleep_for(50ms);
  phases.back().end = Clock::now();
  const auto exit_codes = workers.stop_all(60s);

  const auto missing = timeline.missing(events, o.webhooks);
  std::vector<int> partition_of_event(static_cast<std::size_t>(events));
  for (long n = 0; n < events; ++n) partition_of_event[n] = stream.partition_of(n);
  const auto partition_of = [&](long n) { return n >= 0 && n < events ? partition_of_event[n] : -1; };

  std::printf("\n  %-8s %7s %11s %13s  %-28s %-22s %s\n", "phase", "seconds", "deliveries", "deliveries/s",
              "longest gap, fleet (goal)", "longest partition gap", "duplicates (goal)");
  bool goals_met = rss_flat;
  for (const auto& p : phases) {
    const auto f = timeline.figures(p.start, p.end, partition_of);
    const double gap = seconds(f.longest.length);
    char gap_text[64];
    if (p.gap_goal_s > 0) {
      const bool met = gap <= p.gap_goal_s;
      goals_met = goals_met && met;
      std::snprintf(gap_text, sizeof gap_text, "%.2f s (<= %.0f s: %s)", gap, p.gap_goal_s, met ? "met" : "MISSED");
    } else {
      std::snprintf(gap_text, sizeof gap_text, "%.2f s", gap);
    }
    char partition_text[64];
    std::snprintf(partition_text, sizeof partition_text, "%.2f s (p%d at +%.1f s)", seconds(f.longest_partition.length),
                  f.longest_partition.partition, since_start(f.longest_partition.from));
    char duplicates_text[96];
    if (p.duplicates_bound >= 0) {
      const bool met = static_cast<double>(f.duplicates) <= p.duplicates_bound;
      goals_met = goals_met && met;
      std::snprintf(duplicates_text, sizeof duplicates_text, "%zu (<= %.0f, %s: %s)", f.duplicates, p.duplicates_bound,
                    p.duplicates_goal, met ? "met" : "MISSED");
    } else {
      std::snprintf(duplicates_text, sizeof duplicates_text, "%zu", f.duplicates);
    }
    std::printf("  %-8s %7.1f %11zu %13.1f  %-28s %-22s %s\n", p.name, f.seconds, f.deliveries,
                static_cast<double>(f.deliveries) / f.seconds, gap_text, partition_text, duplicates_text);
    if (p.gap_goal_s > 0 && f.longest.length > 0s)
      std::printf("  %-8s longest fleet gap from +%.2f s\n", "", since_start(f.longest.from));
  }
  const long produce_errors = stream.produce_errors() + setup_errors.count.load();
  std::printf("\n  events published %ld (%zu deliveries expected), produce errors %ld%s\n", events, expected,
              produce_errors, flushed ? "" : ", NOT ALL ACKNOWLEDGED");
  std::printf("  delivered %zu distinct, %zu unreadable; lost pairs (event x webhook never delivered): %zu "
              "(goal 0: %s)\n",
              timeline.distinct(), timeline.unreadable(), missing.size(), missing.empty() ? "met" : "MISSED");
  for (std::size_t k = 0; k < missing.size() && k < 10; ++k)
    std::printf("    lost: event %s%ld (partition %d) to webhook %d\n", std::string(kEventPrefix).c_str(),
                missing[k].first, partition_of(missing[k].first), missing[k].second);
  std::printf("  exit codes:");
  if (!rolling_exit_codes.empty()) {  // a soak has no rollout
    std::printf(" rolling SIGTERMs");
    for (int c : rolling_exit_codes) std::printf(" %d", c);
    std::printf(";");
  }
  std::printf(" final stop");
  for (int c : exit_codes) std::printf(" %d", c);
  std::printf("\n  goals %s; load average before %s, after %s; host %s, %u cpus\n", goals_met ? "met" : "MISSED",
              start_load.c_str(), loadavg().c_str(), boost::asio::ip::host_name().c_str(),
              std::thread::hardware_concurrency());
  if (o.keep_log) {
    for (int i = 0; i < workers.size(); ++i)
      std::printf("  worker %d (%s) log: %s\n", i, workers.instance_id(i).c_str(), workers.at(i).log_path().c_str());
  }
  return missing.empty() && produce_errors == 0 && flushed ? 0 : 1;
}

}  // namespace
}  // namespace hookd::bench

int main(int argc, char** argv) {
  return hookd::bench::run_or_report("hookd-bench-fleet",
                                     [&] { return hookd::bench::run(hookd::bench::read_options(argc, argv)); });
}
