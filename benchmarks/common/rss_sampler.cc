#include "common/rss_sampler.h"

#include <chrono>

#include "common/proc_stats.h"

namespace hookd::bench {

RssSampler::RssSampler(const common::Clock& clock, std::size_t processes)
    : clock_(clock), start_(clock.steady_now()), processes_(processes) {}

RssRow RssSampler::sample(const std::vector<int>& pids) {
  RssRow row;
  row.seconds = std::chrono::duration<double>(clock_.steady_now() - start_).count();
  for (std::size_t i = 0; i < processes_; ++i)
    row.kib.push_back(i < pids.size() && pids[i] > 0 ? status_kib(pids[i], "VmRSS") : 0);
  rows_.push_back(std::move(row));
  return rows_.back();
}

std::vector<RssSample> RssSampler::series(std::size_t process) const {
  std::vector<RssSample> out;
  for (const auto& row : rows_)
    if (row.kib[process] > 0) out.push_back({row.seconds, row.kib[process]});
  return out;
}

}  // namespace hookd::bench
