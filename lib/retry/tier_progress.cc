#include "retry/tier_progress.h"

#include <algorithm>
#include <set>

namespace hookd::retry {

TierProgress::TierProgress(std::string retry_prefix, std::vector<std::string> tiers)
    : retry_prefix_(std::move(retry_prefix)), tiers_(std::move(tiers)) {}

std::string_view TierProgress::tier_of(std::string_view topic) const {
  if (topic.size() <= retry_prefix_.size() + 1 || !topic.starts_with(retry_prefix_) ||
      topic[retry_prefix_.size()] != '.') {
    return {};
  }
  return topic.substr(retry_prefix_.size() + 1);
}

void TierProgress::assigned(const std::vector<kafka::TopicPartition>& partitions, std::int64_t now_unix_ms) {
  for (const auto& tp : partitions) since_unix_ms_[tp] = now_unix_ms;
}

std::vector<TierProgress::Figures> TierProgress::report(
    const std::vector<Lag>& lags, const std::function<bool(const kafka::TopicPartition&)>& holds,
    std::int64_t now_unix_ms) {
  std::vector<Figures> figures;
  for (const auto& tier : tiers_) figures.push_back({tier, 0, now_unix_ms});  // nothing waits here yet
  auto figures_of = [&](std::string_view topic) -> Figures* {
    const auto tier = tier_of(topic);
    for (auto& f : figures)
      if (f.tier == tier) return &f;
    return nullptr;
  };
  std::set<kafka::TopicPartition> waiting;  // owned partitions with records not yet retried
  for (const auto& lag : lags) {
    auto* f = figures_of(lag.topic);
    kafka::TopicPartition tp{lag.topic, lag.partition};
    // Statistics may still list a revoked partition.
    if (f == nullptr || !since_unix_ms_.contains(tp)) continue;
    f->backlog += lag.lag;
    if (lag.lag > 0) waiting.insert(std::move(tp));
  }
  // Records wait on a partition when its lag says so or when it holds one. A lag is unknown
  // until the partition's first commit, so a held record is what shows a new partition's wait.
  // Anything else counts as progressing: the alert must never fire on an idle tier.
  for (auto& [tp, since] : since_unix_ms_) {
    if (!waiting.contains(tp) && !holds(tp)) since = now_unix_ms;
    if (auto* f = figures_of(tp.topic)) f->progress_unix_ms = std::min(f->progress_unix_ms, since);
  }
  return figures;
}

}  // namespace hookd::retry
