#include "common/rss_verdict.h"

#include <algorithm>
#include <vector>

namespace hookd::bench {
namespace {

double median_kib(std::span<const RssSample> samples) {
  std::vector<long> kib;
  kib.reserve(samples.size());
  for (const RssSample& s : samples) kib.push_back(s.kib);
  const auto middle = kib.begin() + static_cast<std::ptrdiff_t>(kib.size() / 2);
  std::nth_element(kib.begin(), middle, kib.end());
  if (kib.size() % 2 == 1) return static_cast<double>(*middle);
  const long below = *std::max_element(kib.begin(), middle);
  return (static_cast<double>(below) + static_cast<double>(*middle)) / 2.0;
}

}  // namespace

std::optional<RssVerdict> rss_verdict(std::span<const RssSample> samples, double warmup_seconds,
                                      double tolerance_percent) {
  const auto baseline = std::find_if(samples.begin(), samples.end(),
                                     [warmup_seconds](const RssSample& s) { return s.seconds >= warmup_seconds; });
  if (baseline == samples.end() || baseline + 1 == samples.end() || baseline->kib <= 0) return std::nullopt;
  const auto largest = std::max_element(baseline + 1, samples.end(),
                                        [](const RssSample& a, const RssSample& b) { return a.kib < b.kib; });
  const double growth =
      100.0 * static_cast<double>(largest->kib - baseline->kib) / static_cast<double>(baseline->kib);
  RssVerdict verdict{.baseline = *baseline,
                     .max_after_kib = largest->kib,
                     .growth_percent = growth,
                     .flat = growth <= tolerance_percent,
                     .trend_percent = std::nullopt};
  const std::span<const RssSample> after(baseline + 1, samples.end());
  const std::size_t third = after.size() / 3;
  if (third > 0) {
    const double first = median_kib(after.first(third));
    verdict.trend_percent = 100.0 * (median_kib(after.last(third)) - first) / first;
  }
  return verdict;
}

}  // namespace hookd::bench
