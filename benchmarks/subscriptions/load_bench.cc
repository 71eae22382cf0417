// What loading the subscriptions table costs in process, without Kafka: the CPU side of
// hookd-bench-subscriptions' "ready" figure (docs/benchmarks.md, "Subscription scale").
//
//   BM_ParseSubscription   one record parsed (parse_subscription), cycling over 100k records
//   BM_ApplyRecords/N      N records applied to an empty SubscriptionTable in topic order, as
//                          the subscriptions thread does on start-up, then one snapshot built
//
// Counter ns_per_subscription: CPU ns per record. The records are the fillers of
// hookd-bench-subscriptions (filler_records.h), made before the timed loop.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "subscriptions/filler_records.h"
#include "subscriptions/parse.h"
#include "subscriptions/table.h"

namespace hookd::bench {
namespace {

constexpr long kCompanies = 100'000;

struct Record {
  std::string key;
  std::string value;
};

std::vector<Record> make_records(long n) {
  std::vector<Record> records;
  records.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "sub-%09ld", i);
    records.push_back({id, filler_subscription(i, kCompanies)});
  }
  return records;
}

void BM_ParseSubscription(benchmark::State& state) {
  static const std::vector<Record> records = make_records(100'000);
  std::size_t i = 0;
  for (auto _ : state) {
    const Record& r = records[i];
    i = (i + 1) % records.size();
    auto parsed = subscriptions::parse_subscription(r.key, r.value);
    if (!std::holds_alternative<std::shared_ptr<const subscriptions::Subscription>>(parsed)) {
      state.SkipWithError("a filler record was refused");
      break;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.counters["ns_per_subscription"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ParseSubscription);

void BM_ApplyRecords(benchmark::State& state) {
  const std::vector<Record> records = make_records(state.range(0));
  for (auto _ : state) {
    subscriptions::SubscriptionTable table;
    for (const Record& r : records) {
      if (table.apply(r.key, r.value)) {
        state.SkipWithError("a filler record was refused");
        return;
      }
    }
    auto snapshot = table.build_snapshot();
    benchmark::DoNotOptimize(snapshot);
    state.PauseTiming();  // freeing the table is not part of loading it
    snapshot.reset();
    table = {};
    state.ResumeTiming();
  }
  state.counters["ns_per_subscription"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ApplyRecords)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hookd::bench

BENCHMARK_MAIN();
