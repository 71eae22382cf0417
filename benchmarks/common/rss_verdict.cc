#include "common/rss_verdict.h"

#include <algorithm>

namespace hookd::bench {

std::optional<RssVerdict> rss_verdict(std::span<const RssSample> samples, double warmup_seconds,
                                      double tolerance_percent) {
  const auto baseline = std::find_if(samples.begin(), samples.end(),
                                     [warmup_seconds](const RssSample& s) { return s.seconds >= warmup_seconds; });
  if (baseline == samples.end() || baseline + 1 == samples.end() || baseline->kib <= 0) return std::nullopt;
  const auto largest = std::max_element(baseline + 1, samples.end(),
                                        [](const RssSample& a, const RssSample& b) { return a.kib < b.kib; });
  const double growth =
      100.0 * static_cast<double>(largest->kib - baseline->kib) / static_cast<double>(baseline->kib);
  return RssVerdict{
      .baseline = *baseline, .max_after_kib = largest->kib, .growth_percent = growth, .flat = growth <= tolerance_percent};
}

}  // namespace hookd::bench
