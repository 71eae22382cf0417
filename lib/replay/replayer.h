// `hookd replay`: puts delivery dead letters back on the first retry tier.
//
// Why through the retry tier and not a direct HTTP attempt: the running workers then deliver
// it with every rule a retry follows — the current snapshot decides (a deleted or no longer
// matching webhook drops it), the current URL and secret are used, the response rules and
// the schedule apply again, and the offset is committed only once the outcome is durable.
// Replay itself only reads the dead-letter topic and writes retry records; it sends no HTTP
// request and commits nothing, so running it twice enqueues twice (receivers deduplicate on
// `webhook-id`, which stays the same).
#pragma once

#include "config/config.h"
#include "kafka/types.h"
#include "replay/selection.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace hookd::replay {

struct ReplayOptions {
  Filter filter;
  bool dry_run = false;  // print what would be sent; send nothing
  // A progress line (stderr) after this many records scanned or this much time, whichever first.
  std::uint64_t progress_every = 10'000;
  std::chrono::milliseconds progress_interval{5'000};
  // Kafka unreachable (or silent) this long is a runtime error.
  std::chrono::milliseconds kafka_timeout{30'000};
};

struct ReplayStats {
  std::uint64_t scanned = 0;       // dead letters read
  std::uint64_t not_in_scope = 0;  // outside the time window or the --webhook/--reason filters
  std::uint64_t replayed = 0;      // retry records acknowledged by Kafka (dry run: would be sent)
  std::uint64_t failed = 0;        // retry records Kafka did not acknowledge
  std::array<std::uint64_t, kAllSkipReasons.size()> skipped{};  // by SkipReason

  std::uint64_t skipped_total() const;
};

struct ReplayResult {
  ReplayStats stats;
  kafka::MaybeError error;  // set: a runtime error (exit code 1), already described
};

// The summary line printed at the end, e.g. "replay summary: scanned=2 replayed=1 skipped=1
// (invalid_event=1 truncated=0 malformed=0) not_in_scope=0 failed=0".
std::string summary_line(const ReplayStats& stats, bool dry_run);

// Runs one replay. Dry-run lines and the summary go to `out`, progress lines to `progress`.
// Throws kafka::Error when a Kafka client refuses the configuration (a configuration error).
ReplayResult run(const config::Config& config, const ReplayOptions& options, std::ostream& out,
                 std::ostream& progress);

}  // namespace hookd::replay
