// The retry consumers: one consumer group over every retry tier topic. Records not yet due are
// held and their partition paused (retry/due_queue.h); the loop keeps polling.
//
// At retry time the current snapshot decides: the webhook must still exist and match the
// event (tenant, types, projects, filter, enabled); its current URL and secret are used.
#pragma once

#include "events/parser.h"
#include "metrics/metrics.h"
#include "retry/due_queue.h"
#include "retry/policy.h"
#include "retry/tier_progress.h"
#include "subscriptions/store.h"
#include "worker/poll_loop.h"

namespace hookd::worker {

class RetryLoop final : public PollLoop {
 public:
  RetryLoop(kafka::GroupConsumer& consumer, std::string retry_prefix, const retry::RetryPolicy& policy,
            const subscriptions::SnapshotStore& snapshots, Deliverer& deliverer, metrics::Metrics& metrics,
            std::size_t max_event_bytes, PollLimits limits, std::shared_ptr<InFlightBytes> bytes,
            const common::Clock& clock);

  void on_revoke() override;
  void on_assign(const std::vector<kafka::TopicPartition>& assigned);
  // The retry group's statistics (served by poll on this loop's thread): sets each tier's
  // hookd_retry_backlog and hookd_retry_progress_timestamp_seconds.
  void on_statistics(std::string_view stats);

  // What this loop subscribes to: one pattern matching every tier topic of the prefix, those
  // of the current schedule and those dropped from it.
  static std::vector<std::string> topics(const std::string& retry_prefix, const retry::RetryPolicy& policy);

 private:
  // Not yet dispatched to the commit gate: it is marked when released, so a revoke waits only
  // for deliveries and a partition's window counts only what was dispatched.
  struct Held {
    kafka::Message message;
  };

  void handle(kafka::Message message) override;
  // Releases records that became due, unless at the global cap (then they wait, paused).
  void before_poll() override;
  bool holds(const kafka::TopicPartition& tp) const override { return held_.holds(tp); }
  void process(const kafka::Message& message, const kafka::RecordPosition& position, std::int64_t due_unix_ms);
  void drop(const kafka::RecordPosition& position, const char* reason, std::string_view webhook_id);
  // A record that cannot be read back (`error` says why) goes to the dead-letter topic whole.
  void dead_letter_unreadable(const kafka::Message& message, const kafka::RecordPosition& position,
                              std::string_view error);
  std::chrono::milliseconds delay_of(std::string_view topic) const;

  const retry::RetryPolicy& policy_;
  retry::TierProgress progress_;
  subscriptions::SnapshotReader snapshot_;
  metrics::Metrics& metrics_;
  events::EventParser parser_;
  events::Event event_;
  std::vector<const subscriptions::Subscription*> matches_;
  retry::DueQueue<kafka::TopicPartition, Held> held_;
};

}  // namespace hookd::worker
