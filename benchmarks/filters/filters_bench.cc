// The cost of record filters on the per-event path, measured on the real modules.
//
// Issue 4's set-up: 10k subscriptions over 1k companies; the benchmark event's company holds
// 10 candidate webhooks (all pass tenant, type and project), 3 of which carry filters of 3, 4
// and 5 clauses (two hold, one fails on its last clause, so every clause runs). The baseline
// is the same table without filters, measured in the same run:
//   BM_ParseMatch/baseline   parse + match, no filters          ns_per_event
//   BM_ParseMatch/filtered   parse + match, 3 filtered of 10     ns_per_event
//   BM_ParseMatchInterleaved both, alternating batches of 64   overhead_pct (the figure to quote)
//   BM_FilterOnly            reset the document + 3 filters      ns_per_event, ns_per_filtered_candidate
// After the run a summary states the overhead, (filtered - baseline) / baseline, and whether
// it meets the goal. Quote a run with --benchmark_repetitions=5 (docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "events/parser.h"
#include "hotpath/fixture.h"
#include "subscriptions/filter_document.h"
#include "subscriptions/parse.h"
#include "subscriptions/snapshot.h"

namespace hookd::bench {
namespace {

constexpr int kFilteredPerCompany = 3;
constexpr std::size_t kMaxEventBytes = 1 << 20;

// Filters of 3, 4 and 5 clauses on the seed event: the first two hold, the third fails on
// its last clause.
const char* const kFilters[kFilteredPerCompany] = {
    R"({"currentValue.todoList.id": "clakt9v5t000kvt64f563l90l", "currentValue.done": false,
        "event": {"$in": ["TODO_CREATED", "TODO_MOVED"]}})",
    R"({"currentValue.title": {"$regex": "^G+$"}, "currentValue.archived": false,
        "user.id": {"$neq": "clb0000000000vt00000000"}, "project.slug": {"$nin": ["archive", "templates"]}})",
    R"({"$or": [{"currentValue.todoList.project.id": "clb4gay0y000qvtzs8smaays8"},
                {"currentValue.todoList.position": {"$gte": 100000}}],
        "currentValue.createdById": "claksl2ye0000vtas0h0ln71e", "previousValue.done": {"$exist": false},
        "currentValue.todoList.project.category": "ENGINEERING"})",
};

std::string webhook_json(const std::string& id, int company, const char* filter) {
  std::string json = R"({"id":")" + id + R"(","name":"Webhook","url":"https://hooks-)" + std::to_string(company) +
                     R"(.example.com/blue/)" + id + R"(","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",)"
                     R"("status":"HEALTHY","enabled":true,"companyId":")" + company_id(company) +
                     R"(","metadata":{"events":["TODO_CREATED","TODO_MOVED","COMMENT_CREATED"],)"
                     R"("projectIds":["clakt90vu000bvt64hhffqleq"]})";
  if (filter != nullptr) json += std::string(R"(,"filter":)") + filter;
  return json + "}";
}

std::shared_ptr<const subscriptions::Snapshot> build_snapshot(bool with_filters) {
  subscriptions::SubscriptionsById table;
  for (int c = 0; c < kCompanies; ++c) {
    for (int n = 0; n < kWebhooksPerCompany; ++n) {
      const std::string id = "clb4qaopy" + std::to_string(100000 + c) + "w" + std::to_string(n);
      const char* filter = with_filters && n < kFilteredPerCompany ? kFilters[n] : nullptr;
      auto parsed = subscriptions::parse_subscription(id, webhook_json(id, c, filter));
      if (auto* bad = std::get_if<subscriptions::Invalid>(&parsed)) {
        throw std::runtime_error("benchmark subscription refused: " + bad->detail);
      }
      table.insert(std::get<std::shared_ptr<const subscriptions::Subscription>>(std::move(parsed)));
    }
  }
  return std::make_shared<const subscriptions::Snapshot>(std::move(table));
}

struct World {
  World()
      : event_bytes(seed_event("evt_2b9c7f0000000001", benchmark_company())),
        baseline(build_snapshot(false)),
        filtered(build_snapshot(true)) {}
  std::string event_bytes;
  std::shared_ptr<const subscriptions::Snapshot> baseline;
  std::shared_ptr<const subscriptions::Snapshot> filtered;
};

World& world() {
  static World w;
  return w;
}

void per_event(benchmark::State& state, const char* name, double per_event_count) {
  state.counters[name] = benchmark::Counter(static_cast<double>(state.iterations()) * per_event_count * 1e-9,
                                            benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// range(0): 0 = baseline table, 1 = the table with filters.
void BM_ParseMatch(benchmark::State& state) {
  const bool filtered = state.range(0) == 1;
  const auto& snapshot = filtered ? *world().filtered : *world().baseline;
  events::EventParser parser(kMaxEventBytes);
  events::Event event;
  std::vector<const subscriptions::Subscription*> matches;
  for (auto _ : state) {
    if (parser.parse(world().event_bytes, event)) {
      state.SkipWithError("event refused");
      break;
    }
    matches.clear();
    snapshot.match(event, matches);
    benchmark::DoNotOptimize(matches.data());
  }
  const std::size_t expected = filtered ? kWebhooksPerCompany - 1 : kWebhooksPerCompany;
  if (matches.size() != expected) state.SkipWithError("the benchmark event matched the wrong webhooks");
  per_event(state, "ns_per_event", 1);
  state.counters["matches"] = static_cast<double>(matches.size());
  state.SetLabel(filtered ? "filtered" : "baseline");
}
BENCHMARK(BM_ParseMatch)->Arg(0)->Arg(1);

// This thread's CPU time: other processes on a shared machine do not count against either side.
std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Both tables in one loop, alternating batches of events and timing each batch on the
// thread's CPU clock, so that load drifting during the run (CI, shared hosts, frequency
// changes) weighs on both sides alike: the overhead_pct counter is the figure to quote.
// A batch (64 events, ~200 us) is long enough that the clock read (a system call) is noise.
void BM_ParseMatchInterleaved(benchmark::State& state) {
  constexpr int kBatch = 64;
  events::EventParser parser(kMaxEventBytes);
  events::Event event;
  std::vector<const subscriptions::Subscription*> matches;
  std::int64_t spent[2] = {};
  std::int64_t events_per_side = 0;
  for (auto _ : state) {
    for (int side = 0; side < 2; ++side) {
      const auto& snapshot = side == 1 ? *world().filtered : *world().baseline;
      const std::int64_t start = thread_cpu_ns();
      for (int i = 0; i < kBatch; ++i) {
        if (parser.parse(world().event_bytes, event)) state.SkipWithError("event refused");
        matches.clear();
        snapshot.match(event, matches);
        benchmark::DoNotOptimize(matches.data());
      }
      spent[side] += thread_cpu_ns() - start;
    }
    events_per_side += kBatch;
  }
  const auto ns = [&](int side) { return static_cast<double>(spent[side]) / static_cast<double>(events_per_side); };
  state.counters["baseline_ns_per_event"] = ns(0);
  state.counters["filtered_ns_per_event"] = ns(1);
  state.counters["ns_per_filtered_candidate"] = (ns(1) - ns(0)) / kFilteredPerCompany;
  state.counters["overhead_pct"] = 100.0 * (ns(1) - ns(0)) / ns(0);
}
BENCHMARK(BM_ParseMatchInterleaved);

// Only the filter work of one event: reset the thread's document, evaluate the 3 filters.
void BM_FilterOnly(benchmark::State& state) {
  events::EventParser parser(kMaxEventBytes);
  events::Event event;
  if (parser.parse(world().event_bytes, event)) throw std::runtime_error("event refused");
  std::vector<std::shared_ptr<const subscriptions::Filter>> filters;
  for (const char* text : kFilters) {
    filters.push_back(std::get<std::shared_ptr<const subscriptions::Filter>>(subscriptions::compile_filter(text)));
  }
  subscriptions::EventDocument document;
  int held = 0;
  for (auto _ : state) {
    document.reset(event);
    held = 0;
    for (const auto& filter : filters) held += filter->matches(document) ? 1 : 0;
    benchmark::DoNotOptimize(held);
  }
  if (held != kFilteredPerCompany - 1) state.SkipWithError("the filters did not evaluate as designed");
  per_event(state, "ns_per_event", 1);
  per_event(state, "ns_per_filtered_candidate", kFilteredPerCompany);
}
BENCHMARK(BM_FilterOnly);

// Prints the usual table, then a summary of the cost of filtering. The figures to quote are
// the interleaved ones (median over --benchmark_repetitions when given); the separately run
// BM_ParseMatch pair is printed too, but load drift between its two runs skews it.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred || run.iterations == 0) continue;
      const bool single = run.run_type != Run::RT_Aggregate;
      if (!single && run.aggregate_name != "median") continue;
      const std::string& name = run.run_name.function_name;
      if (name == "BM_ParseMatchInterleaved") {
        interleaved_ = run.counters;
        repetitions_ = single ? 1 : run.repetitions;
      }
      cpu_ns_[run.run_name.str()] = run.GetAdjustedCPUTime();  // default unit: ns
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    if (interleaved_.count("overhead_pct") != 0) {
      const double baseline = interleaved_["baseline_ns_per_event"].value;
      const double filtered = interleaved_["filtered_ns_per_event"].value;
      const double overhead = interleaved_["overhead_pct"].value;
      std::printf(
          "\nfilter cost (BM_ParseMatchInterleaved: thread CPU time, batches of 64 events alternating, %s)\n"
          "  baseline parse+match, no filters     %6.0f ns/event\n"
          "  filtered parse+match, 3 of 10        %6.0f ns/event\n"
          "  overhead                             %+6.1f %%  goal <= +25%%: %s\n"
          "  per filtered candidate               %6.0f ns\n",
          repetitions_ > 1 ? ("median of " + std::to_string(repetitions_) + " repetitions").c_str()
                           : "one run: add --benchmark_repetitions=5 for a median",
          baseline, filtered, overhead, overhead <= 25.0 ? "met" : "NOT MET",
          interleaved_["ns_per_filtered_candidate"].value);
    }
    const auto base = cpu_ns_.find("BM_ParseMatch/0");
    const auto with = cpu_ns_.find("BM_ParseMatch/1");
    if (base != cpu_ns_.end() && with != cpu_ns_.end()) {
      std::printf("  (run separately: baseline %.0f, filtered %.0f ns/event, %+.1f %%)\n", base->second, with->second,
                  100.0 * (with->second - base->second) / base->second);
    }
    const auto only = cpu_ns_.find("BM_FilterOnly");
    if (only != cpu_ns_.end()) {
      std::printf("  filters alone (BM_FilterOnly)        %6.0f ns/event, %.0f ns per filtered candidate\n",
                  only->second, only->second / kFilteredPerCompany);
    }
  }

 private:
  std::map<std::string, double> cpu_ns_;
  benchmark::UserCounters interleaved_;
  std::int64_t repetitions_ = 0;
};

}  // namespace
}  // namespace hookd::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  hookd::bench::world();  // build both tables before any timing
  hookd::bench::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
