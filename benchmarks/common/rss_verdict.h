// Whether a process's memory stayed flat over a long run: the soak goal of docs/benchmarks.md
// (fleet, Soak). Pure: it judges samples already taken, so a test can give it any series.
#pragma once

#include <optional>
#include <span>

namespace hookd::bench {

// One reading of a process's resident set size, `seconds` after sampling began.
struct RssSample {
  double seconds = 0;
  long kib = 0;
};

struct RssVerdict {
  RssSample baseline;          // the first sample at or after the warm-up
  long max_after_kib = 0;      // the largest sample after the baseline
  double growth_percent = 0;   // of max_after_kib over the baseline; negative when it shrank
  bool flat = false;           // growth_percent <= the tolerance
  // Whether what rose stayed: the median of the last third of the samples after the baseline
  // over the median of the first third, in %. Memory that accumulates raises it; short peaks
  // that are given back (a burst's connections) do not. Told beside the verdict, never instead
  // of it; nullopt with fewer than three samples after the baseline.
  std::optional<double> trend_percent;
};

// Compares every sample after the warm-up with the one taken when the warm-up ended: the first
// minute is left out because that is when allocators, connection pools and librdkafka's
// buffers grow to their working size. `samples` are in time order. nullopt when no sample
// comes at or after `warmup_seconds`, or none after that baseline: nothing to judge.
std::optional<RssVerdict> rss_verdict(std::span<const RssSample> samples, double warmup_seconds,
                                      double tolerance_percent);

}  // namespace hookd::bench
