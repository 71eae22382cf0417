#include "tenants.h"

#include <boost/asio/ip/host_name.hpp>

#include <array>
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
#include "common/flags.h"
#include "common/units.h"
#include "common/workload.h"
#include "kafka/producer.h"
#include "support/hookd_process.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

namespace hookd::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kHostileCompany = "hostile-company";
// Only the good company's webhooks subscribe to it: warm-up that never reaches the hostile ones.
constexpr std::string_view kWarmupType = "TODO_UPDATED";

struct Options : RunFlags {
  Options() {
    events = 1000;
    rate = 100;
    warmup = 20;
    timeout_s = 120;
    hookd = HOOKD_BINARY;
  }
  long good_webhooks = 5;
  long fanout = 50;
  // The receivers the hostile webhooks are spread over. Two: their queues defer by expected
  // wait before the company reaches its budget. 33 or more: their in-flight caps alone (64
  // each) exceed the global cap (2,048), which only the budget stops (docs/benchmarks.md).
  long hostile_origins = 2;
  double hostile_rate = 10;
  std::string slow_answer = "2s";
};

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr,
               "%s\nusage: hookd-bench-isolation --tenants [--events N] [--rate EVENTS_PER_S] [--warmup W]\n"
               "                             [--good-webhooks G] [--fanout F] [--hostile-rate EVENTS_PER_S]\n"
               "                             [--hostile-origins O] [--slow-answer D] [--partitions P]\n"
               "                             [--bootstrap HOST:PORT]\n"
               "                             [--timeout SECONDS] [--hookd PATH] [--keep-log]\n",
               error.c_str());
  std::exit(2);
}

Options read_options(int argc, char** argv) {
  Options o;
  parse_flags_or_usage(
      argc, argv, {"--tenants", "--keep-log"},
      [&o](const std::string& flag, const std::string& value) {
        if (flag == "--tenants") return true;
        if (flag == "--good-webhooks") o.good_webhooks = std::stol(value);
        else if (flag == "--fanout") o.fanout = std::stol(value);
        else if (flag == "--hostile-rate") o.hostile_rate = std::stod(value);
        else if (flag == "--hostile-origins") o.hostile_origins = std::stol(value);
        else if (flag == "--slow-answer") o.slow_answer = value;
        else return o.set(flag, value);
        return true;
      },
      "hookd tenant isolation benchmark", usage);
  if (!o.valid() || o.rate <= 0 || o.good_webhooks < 1 || o.fanout < 2 || o.hostile_rate <= 0 ||
      o.hostile_origins < 1 || o.hostile_origins > o.fanout) {
    usage("values must be positive (--rate too: the hostile load runs alongside the paced one), "
          "--hostile-origins at most --fanout");
  }
  if (!parse_duration(o.slow_answer)) usage("bad --slow-answer " + o.slow_answer);
  return o;
}

enum class Run { alone, budget, no_budget };

const char* name(Run run) {
  switch (run) {
    case Run::alone: return "alone";
    case Run::budget: return "budget";
    case Run::no_budget: return "no budget";
  }
  return "";
}

// The shared workload is of company "bench-company"; the hostile company's copies.
std::string as_company(std::string json, std::string_view company) {
  constexpr std::string_view from = "bench-company";
  for (auto at = json.find(from); at != std::string::npos; at = json.find(from, at + company.size())) {
    json.replace(at, from.size(), company);
  }
  return json;
}

struct RunResult {
  bool complete = false;
  std::size_t expected = 0;
  std::size_t delivered = 0;
  std::size_t duplicates = 0;
  double throughput = 0;  // the good company's deliveries/s
  LatencySummary latency;
  long hostile_events = 0;
  std::size_t hostile_answered = 0;  // requests the slow receivers read (answered or not yet)
  std::string metrics;
  int exit_code = 0;
};

RunResult run_once(const Options& o, const Broker& broker, Run run) {
  RunResult result;
  const kafka::ClientSettings kafka_settings{broker.bootstrap(), {}};
  const BenchTopics topics(unique_suffix() + "-tenants");
  if (auto error = topics.create(kafka_settings, o.partitions)) throw std::runtime_error("cannot create topics: " + *error);

  result.expected = static_cast<std::size_t>(o.events * o.good_webhooks);
  test_support::TestCa ca;
  const test_support::ReceiverOptions receiver{.tls = true, .certificate = ca.localhost(), .threads = 1};
  Arrivals good(result.expected);
  std::vector<std::unique_ptr<test_support::HttpsReceiver>> good_receivers;
  for (long w = 0; w < o.good_webhooks; ++w) {
    good_receivers.push_back(std::make_unique<test_support::HttpsReceiver>(receiver));
    good_receivers.back()->set_handler([&good](const test_support::ReceivedRequest& request) {
      good.record(request);
      return test_support::Behaviour::respond(200);
    });
  }
  // One company's slow receivers, on --hostile-origins origins (Options::hostile_origins).
  std::vector<std::unique_ptr<test_support::HttpsReceiver>> slow(static_cast<std::size_t>(o.hostile_origins));
  for (auto& r : slow) {
    r = std::make_unique<test_support::HttpsReceiver>(receiver);
    auto answer = test_support::Behaviour::respond(200);
    answer.delay = *parse_duration(o.slow_answer);
    r->set_default(answer);
  }

  kafka::Producer producer(kafka_settings);
  ProduceErrors produce_errors;
  for (long w = 0; w < o.good_webhooks; ++w) {
    const std::string id = "good-wh-" + std::to_string(w);
    producer.produce(topics.webhooks, id,
                     webhook_json(id, good_receivers[w]->url("/hook/" + id, "localhost"),
                                  R"(["TODO_CREATED","TODO_UPDATED"])"),
                     {}, produce_errors.on_ack());
  }
  if (run != Run::alone) {
    for (long w = 0; w < o.fanout; ++w) {
      const std::string id = "hostile-wh-" + std::to_string(w);
      const auto& origin = *slow[static_cast<std::size_t>(w % o.hostile_origins)];
      producer.produce(topics.webhooks, id,
                       as_company(webhook_json(id, origin.url("/hook/" + id, "localhost")), kHostileCompany), {},
                       produce_errors.on_ack());
    }
  }
  producer.flush(30s);

  // Equal to the global caps (2048, 256MiB): the budget is off.
  const std::string delivery =
      run == Run::no_budget ? "max_in_flight_per_tenant: 2048, max_in_flight_bytes_per_tenant: 256MiB" : "";
  test_support::HookdProcess hookd(o.hookd, topics.hookd_config(broker.bootstrap(), ca.ca_file(), delivery));
  if (o.keep_log) hookd.keep_files();
  hookd.start();
  if (!hookd.wait_ready(90s)) {
    std::fprintf(stderr, "hookd did not become ready; its log:\n%s", hookd.log_tail(40).c_str());
    return result;
  }
  const auto warmup_expected = static_cast<std::size_t>(o.warmup * o.good_webhooks);
  publish_events(producer, topics.events, o.warmup, 0, std::string(kWarmupPrefix), kWarmupType, produce_errors);
  const auto warmup_deadline = Clock::now() + 60s;
  while (good.warmup() < warmup_expected && Clock::now() < warmup_deadline && hookd.running())
    std::this_thread::sleep_for(5ms);
  if (good.warmup() < warmup_expected) {
    std::fprintf(stderr, "warm-up deliveries missing; hookd's log ends:\n%s", hookd.log_tail(30).c_str());
    return result;
  }

  // The hostile load runs beside the good one, over the same span, from its own producer.
  const double span_s = static_cast<double>(o.events) / o.rate;
  result.hostile_events = run == Run::alone ? 0 : static_cast<long>(o.hostile_rate * span_s);
  std::thread hostile([&] {
    if (result.hostile_events == 0) return;
    kafka::Producer hostile_producer(kafka_settings);
    const auto start = Clock::now();
    for (long n = 0; n < result.hostile_events; ++n) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(static_cast<double>(n) / o.hostile_rate)));
      const std::string id = "hostile-evt-" + std::to_string(n);
      hostile_producer.produce(topics.events, id, as_company(event_json(id, n), kHostileCompany), {},
                               produce_errors.on_ack());
    }
    hostile_producer.flush(60s);
  });
  const auto publish_start_wall = std::chrono::system_clock::now();
  const auto publish_start = Clock::now();
  publish_events(producer, topics.events, o.events, o.rate, "bench-evt-", "TODO_CREATED", produce_errors);
  hostile.join();

  const auto deadline = publish_start + std::chrono::seconds(o.timeout_s);
  while (good.distinct() < result.expected && Clock::now() < deadline && hookd.running()) {
    std::this_thread::sleep_for(100ms);
    for (auto& r : good_receivers) r->clear();
  }
  result.complete = good.distinct() >= result.expected && produce_errors.count.load() == 0;
  hookd.admin_get("/metrics", &result.metrics);
  for (const auto& r : slow) result.hostile_answered += r->request_count();
  result.exit_code = hookd.terminate(60s);
  if (result.exit_code != 0) {
    std::fprintf(stderr, "hookd exited with %d; its log ends:\n%s", result.exit_code, hookd.log_tail(30).c_str());
    result.complete = false;
  }
  if (!result.complete) std::fprintf(stderr, "incomplete; hookd's log ends:\n%s", hookd.log_tail(30).c_str());
  if (o.keep_log) std::printf("  hookd log (%s): %s\n", name(run), hookd.log_path().c_str());

  result.delivered = good.distinct();
  result.duplicates = good.duplicates();
  result.latency = good.latency();
  const double delivered_s = std::chrono::duration<double>(good.last_arrival() - publish_start_wall).count();
  result.throughput = delivered_s > 0 ? static_cast<double>(result.delivered) / delivered_s : 0;
  return result;
}

double metric(const RunResult& r, const char* series) {
  return test_support::metric_value(r.metrics, series).value_or(0);
}

void report(const Options& o, const Broker& broker, const std::array<RunResult, 3>& runs, const std::string& start_load) {
  std::printf("hookd-bench-isolation --tenants: the good company has %ld webhooks, %ld events paced at %.0f/s (kafka: %s, %s)\n",
              o.good_webhooks, o.events, o.rate, broker.bootstrap().c_str(), broker.source().c_str());
  std::printf("  the hostile company: %.0f events/s, each matching %ld webhooks on %ld origins that answer 200 after %s\n",
              o.hostile_rate, o.fanout, o.hostile_origins, o.slow_answer.c_str());
  std::printf("  %-40s %12s %12s %12s\n", "the good company", "alone", "budget", "no budget");
  const auto row = [&](const char* label, const char* format, auto field) {
    std::printf("  %-40s", label);
    for (const auto& r : runs) std::printf(format, field(r));
    std::printf("\n");
  };
  std::printf("  %-40s", "delivered");
  for (const auto& r : runs) std::printf(" %6zu/%-5zu", r.delivered, r.expected);
  std::printf("\n");
  row("throughput (deliveries/s)", " %12.0f", [](const RunResult& r) { return r.throughput; });
  row("latency p50 (ms)", " %12.1f", [](const RunResult& r) { return r.latency.p50_ms; });
  row("latency p99 (ms)", " %12.1f", [](const RunResult& r) { return r.latency.p99_ms; });
  row("latency max (ms)", " %12.1f", [](const RunResult& r) { return r.latency.max_ms; });
  row("duplicates", " %12zu", [](const RunResult& r) { return r.duplicates; });
  std::printf("  the hostile company\n");
  row("events published", " %12ld", [](const RunResult& r) { return r.hostile_events; });
  row("requests its receivers read", " %12zu", [](const RunResult& r) { return r.hostile_answered; });
  row("deferred: tenant_over_budget", " %12.0f", [](const RunResult& r) {
    return metric(r, R"(hookd_delivery_attempts_total{result="tenant_over_budget"})");
  });
  row("deferred: origin_queue_full", " %12.0f", [](const RunResult& r) {
    return metric(r, R"(hookd_delivery_attempts_total{result="origin_queue_full"})");
  });
  row("hookd exit code", " %12d", [](const RunResult& r) { return r.exit_code; });
  std::printf("  load average before %s, after %s; host %s, %u cpus\n", start_load.c_str(), loadavg().c_str(),
              boost::asio::ip::host_name().c_str(), std::thread::hardware_concurrency());
}

}  // namespace

int run_tenants(int argc, char** argv) {
  const Options o = read_options(argc, argv);
  const std::string start_load = loadavg();
  Broker broker(o.bootstrap, std::string(HOOKD_SOURCE_DIR) + "/scripts/kafka", HOOKD_KAFKA_CLI);
  std::array<RunResult, 3> runs;
  const std::array order = {Run::alone, Run::budget, Run::no_budget};
  for (std::size_t i = 0; i < order.size(); ++i) {
    runs[i] = run_once(o, broker, order[i]);
    std::printf("run %s: %zu/%zu delivered, %.0f deliveries/s, p99 %.1f ms\n", name(order[i]), runs[i].delivered,
                runs[i].expected, runs[i].throughput, runs[i].latency.p99_ms);
    std::fflush(stdout);
  }
  report(o, broker, runs, start_load);
  for (const auto& r : runs)
    if (!r.complete) return 1;
  return 0;
}

}  // namespace hookd::bench
