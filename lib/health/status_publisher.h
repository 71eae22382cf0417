// Turns the tracker's transitions into status records on the compacted status topic
// (key = webhook id), metrics and a log line.
//
// Best effort, like the attempts log: a status change is rare and the next one overwrites it,
// so a failed produce is logged and never holds back a commit. Records are produced in the
// order the tracker calls (under its shard lock), so one webhook's records keep their order.
#pragma once

#include "health/tracker.h"
#include "kafka/record_writer.h"
#include "metrics/metrics.h"

#include <array>
#include <string>

namespace hookd::health {

class StatusPublisher final : public Listener {
 public:
  // `topic` empty: metrics and logs only. `worker` names this process in every record.
  StatusPublisher(kafka::RecordWriter* producer, metrics::Metrics& metrics, std::string topic, std::string worker);

  void on_transition(const Transition& transition) override;
  void on_forget(std::string_view webhook_id, Status last) override;

  const std::string& worker() const { return worker_; }

 private:
  kafka::RecordWriter* producer_;
  std::string topic_;
  std::string worker_;
  // Resolved once: gauges per status, breaker transitions per direction.
  std::array<prometheus::Gauge*, kAllStatuses.size()> webhooks_by_status_{};
  prometheus::Counter* breaker_opened_ = nullptr;
  prometheus::Counter* breaker_closed_ = nullptr;
};

}  // namespace hookd::health
