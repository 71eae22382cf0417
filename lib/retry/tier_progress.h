// Each retry tier's backlog and the time of its last progress on this worker: the figures
// behind the alert on a stuck tier (docs/operations.md, HookdRetryTierStuck).
//
// A partition makes progress when it releases a record or has nothing waiting. Records are
// first-in first-out by due time, so a partition that has had records waiting and released
// none for longer than its tier's delay holds a record that is overdue by the difference,
// whatever the cause (a partition left paused, the in-flight cap, a stalled fetch).
#pragma once

#include "kafka/types.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::retry {

class TierProgress {
 public:
  struct Lag {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t lag = 0;  // records written and not yet retried (consumer lag)
  };
  struct Figures {
    std::string tier;
    std::int64_t backlog = 0;
    std::int64_t progress_unix_ms = 0;
  };

  TierProgress(std::string retry_prefix, std::vector<std::string> tiers);

  // "hookd.retry.5m" -> "5m"; empty when the topic is not a tier of this prefix.
  std::string_view tier_of(std::string_view topic) const;

  void assigned(const std::vector<kafka::TopicPartition>& partitions, std::int64_t now_unix_ms);
  void revoked() { since_unix_ms_.clear(); }
  void released(const kafka::TopicPartition& partition, std::int64_t now_unix_ms) {
    since_unix_ms_[partition] = now_unix_ms;
  }

  // From the retry group's statistics and what the loop holds: one Figures per tier, in
  // schedule order. Only owned partitions count, so that summing every worker's figures counts
  // each partition once.
  std::vector<Figures> report(const std::vector<Lag>& lags,
                              const std::function<bool(const kafka::TopicPartition&)>& holds,
                              std::int64_t now_unix_ms);

 private:
  std::string retry_prefix_;
  std::vector<std::string> tiers_;
  std::map<kafka::TopicPartition, std::int64_t> since_unix_ms_;  // per owned partition
};

}  // namespace hookd::retry
