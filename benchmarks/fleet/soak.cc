#include "fleet/soak.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "common/rss_verdict.h"

namespace hookd::bench {
namespace {

// The soak goal (docs/benchmarks.md, fleet, Soak): after the warm-up, RSS stays within this
// much of what it was when the warm-up ended.
constexpr double kRssGrowthGoalPercent = 5;

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

// "the first minute" for 60 s, else "the first N s": the goal's wording at the default.
std::string warmup_text(int seconds) {
  return seconds == 60 ? "the first minute" : "the first " + std::to_string(seconds) + " s";
}

}  // namespace

RssSampler sample_workers_rss(Workers& workers, const common::Clock& clock, std::chrono::seconds length,
                              std::chrono::seconds interval) {
  RssSampler sampler(clock, static_cast<std::size_t>(workers.size()));
  std::printf("\n  RSS of each worker (VmRSS, MiB), every %lld s:\n  %8s", static_cast<long long>(interval.count()),
              "time");
  for (int i = 0; i < workers.size(); ++i) std::printf(" %9s%-2d", "worker ", i);
  std::printf("\n");
  const auto start = clock.steady_now();
  const auto end = start + length;
  for (auto due = start;; due = std::min(due + interval, end)) {
    std::this_thread::sleep_for(due - clock.steady_now());
    std::vector<int> pids;
    for (int i = 0; i < workers.size(); ++i) pids.push_back(workers.at(i).pid());
    const RssRow row = sampler.sample(pids);
    std::printf("  %6.0f s", row.seconds);
    for (const long kib : row.kib) {
      if (kib > 0) std::printf(" %11.1f", mib(kib));
      else std::printf(" %11s", "-");  // not running
    }
    std::printf("\n");
    std::fflush(stdout);
    if (due == end) break;
  }
  return sampler;
}

bool print_rss_verdicts(const RssSampler& sampler, int warmup_seconds) {
  bool all_flat = true;
  const std::string warmup = warmup_text(warmup_seconds);
  for (std::size_t i = 0; i < sampler.processes(); ++i) {
    const auto verdict = rss_verdict(sampler.series(i), warmup_seconds, kRssGrowthGoalPercent);
    if (!verdict) {
      std::printf("  worker %zu: no sample after %s to judge; flat within %.0f%% after %s: not met\n", i,
                  warmup.c_str(), kRssGrowthGoalPercent, warmup.c_str());
      all_flat = false;
      continue;
    }
    std::printf("  worker %zu: %.1f MiB at +%.0f s (end of warm-up), max after it %.1f MiB, growth %+.1f%%; "
                "flat within %.0f%% after %s: %s\n",
                i, mib(verdict->baseline.kib), verdict->baseline.seconds, mib(verdict->max_after_kib),
                verdict->growth_percent, kRssGrowthGoalPercent, warmup.c_str(),
                verdict->flat ? "met" : "not met");
    if (verdict->trend_percent) {
      std::printf("  worker %zu: median of the last third after the warm-up against the first third: %+.1f%%\n", i,
                  *verdict->trend_percent);
    }
    all_flat = all_flat && verdict->flat;
  }
  std::fflush(stdout);
  return all_flat;
}

}  // namespace hookd::bench
