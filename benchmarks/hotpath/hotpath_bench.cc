// The per-event CPU cost of hookd's delivery path, measured on the real modules:
// parse (events::EventParser) -> match (SnapshotReader + Snapshot::match over 10k webhooks,
// 1k companies) -> build (delivery id + body by raw passthrough) -> sign (Standard Webhooks
// + Blue's x-signature). Each stage alone, then the whole path as EventLoop::handle and
// Deliverer::dispatch run it (less the Kafka and HTTP I/O around them).
//
// Counters: ns_per_event (CPU ns per event, one event per iteration) and, where it applies,
// deliveries (matched webhooks per event) and ns_per_delivery. The benchmark event matches 8 of its company's
// 10 webhooks, so build and sign run 8 times per event.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "events/parser.h"
#include "hotpath/fixture.h"
#include "payload/body.h"
#include "payload/delivery_id.h"
#include "signing/signature.h"
#include "subscriptions/store.h"

namespace hookd::bench {
namespace {

using Matches = std::vector<const subscriptions::Subscription*>;

constexpr std::size_t kMaxEventBytes = 1 << 20;

// Built once per process: 10k subscriptions take a moment to parse and index.
struct World {
  World() : event_bytes(seed_event("evt_2b9c7f0000000001", benchmark_company())) {
    store.publish(build_snapshot());
  }
  std::string event_bytes;
  subscriptions::SnapshotStore store;
};

World& world() {
  static World w;
  return w;
}

// This thread's CPU time: the benchmark's own "CPU" column, but readable inside the function.
std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Measures the CPU time of the benchmark loop around it and reports it per event (one event
// per iteration) and, when the benchmark does per-delivery work, per delivery. The counters
// print as plain numbers ("44.1k" = 44,100 ns); --benchmark_format=json gives them raw.
class PerEvent {
 public:
  PerEvent() : started_(thread_cpu_ns()) {}
  void report(benchmark::State& state, std::size_t deliveries_per_event) const {
    const double ns = static_cast<double>(thread_cpu_ns() - started_);
    const double events = static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
    state.counters["ns_per_event"] = ns / events;
    if (deliveries_per_event > 0) {
      state.counters["deliveries"] = static_cast<double>(deliveries_per_event);
      state.counters["ns_per_delivery"] = ns / (events * static_cast<double>(deliveries_per_event));
    }
  }

 private:
  std::int64_t started_;
};

// A parsed event and its matches, for the stages that start after parse or match.
struct Prepared {
  Prepared() : parser(kMaxEventBytes), reader(world().store) {
    if (parser.parse(world().event_bytes, event)) throw std::runtime_error("benchmark event refused");
    reader.current().match(event, matches);
    if (matches.size() != kMatchingWebhooks) throw std::runtime_error("benchmark event matched the wrong webhooks");
  }
  events::EventParser parser;
  events::Event event;
  subscriptions::SnapshotReader reader;
  Matches matches;
};

std::int64_t now_unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void BM_Parse(benchmark::State& state) {
  events::EventParser parser(kMaxEventBytes);
  events::Event event;
  const std::string& bytes = world().event_bytes;
  const PerEvent clock;
  for (auto _ : state) {
    auto invalid = parser.parse(bytes, event);
    benchmark::DoNotOptimize(invalid);
    benchmark::DoNotOptimize(event.fields.data());
  }
  clock.report(state, 0);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_Parse);

void BM_Match(benchmark::State& state) {
  Prepared p;
  Matches out;
  const PerEvent clock;
  for (auto _ : state) {
    out.clear();
    p.reader.current().match(p.event, out);  // the generation check included, as per event
    benchmark::DoNotOptimize(out.data());
  }
  clock.report(state, out.size());
}
BENCHMARK(BM_Match);

// Per match: the delivery id and a fresh body string, as EventLoop::handle makes them (each
// job owns its body, shared with a possible retry record).
void BM_Build(benchmark::State& state) {
  Prepared p;
  const PerEvent clock;
  for (auto _ : state) {
    for (const auto* sub : p.matches) {
      std::string id = payload::delivery_id(p.event.id, sub->id());
      auto body = std::make_shared<std::string>();
      payload::build_body(p.event, sub->webhook_json(), *body);
      benchmark::DoNotOptimize(id.data());
      benchmark::DoNotOptimize(body->data());
    }
  }
  clock.report(state, p.matches.size());
}
BENCHMARK(BM_Build);

// Per match: both signature headers over a prebuilt body, as Deliverer::dispatch does.
void BM_Sign(benchmark::State& state) {
  Prepared p;
  std::vector<std::string> ids;
  std::vector<std::string> bodies;
  for (const auto* sub : p.matches) {
    ids.push_back(payload::delivery_id(p.event.id, sub->id()));
    bodies.emplace_back();
    payload::build_body(p.event, sub->webhook_json(), bodies.back());
  }
  const std::int64_t timestamp = now_unix_seconds();
  const PerEvent clock;
  for (auto _ : state) {
    for (std::size_t i = 0; i < p.matches.size(); ++i) {
      const signing::SigningKeyView key = p.matches[i]->signing_key();
      std::string standard = signing::standard_webhooks_signature(key, ids[i], timestamp, bodies[i]);
      std::string blue = signing::blue_signature_hex(key, bodies[i]);
      benchmark::DoNotOptimize(standard.data());
      benchmark::DoNotOptimize(blue.data());
    }
  }
  state.counters["body_bytes"] = static_cast<double>(bodies.front().size());
  clock.report(state, p.matches.size());
}
BENCHMARK(BM_Sign);

// The whole CPU path of one event: parse, match, and per match the id, body and signatures.
void BM_WholePath(benchmark::State& state) {
  events::EventParser parser(kMaxEventBytes);
  events::Event event;
  subscriptions::SnapshotReader reader(world().store);
  Matches matches;
  const std::string& bytes = world().event_bytes;
  std::size_t deliveries = 0;
  const PerEvent clock;
  for (auto _ : state) {
    if (parser.parse(bytes, event)) {
      state.SkipWithError("event refused");
      break;
    }
    matches.clear();
    reader.current().match(event, matches);
    const std::int64_t timestamp = now_unix_seconds();
    for (const auto* sub : matches) {
      std::string id = payload::delivery_id(event.id, sub->id());
      auto body = std::make_shared<std::string>();
      payload::build_body(event, sub->webhook_json(), *body);
      std::string standard = signing::standard_webhooks_signature(sub->signing_key(), id, timestamp, *body);
      std::string blue = signing::blue_signature_hex(sub->signing_key(), *body);
      benchmark::DoNotOptimize(standard.data());
      benchmark::DoNotOptimize(blue.data());
    }
    deliveries = matches.size();
  }
  clock.report(state, deliveries);
}
BENCHMARK(BM_WholePath);

}  // namespace
}  // namespace hookd::bench

BENCHMARK_MAIN();
