// The retry consumers: one consumer group over every retry tier topic.
//
// A record is due exactly at its Kafka timestamp plus its tier's delay. A record not yet due
// is held and only its partition is paused until then; other partitions and tiers keep
// flowing, and the loop keeps polling. Tiers are first-in first-out by due time, so holding
// the head of a partition never holds back an earlier-due record.
//
// At retry time the current snapshot decides: the webhook must still exist and match the
// event (tenant, types, projects, filter, enabled); its current URL and secret are used.
//
// Progress, for the alert on a stuck tier: a partition makes progress when it releases a
// record or has nothing waiting. Records are first-in first-out by due time, so a partition
// that has had records waiting and released none for longer than its tier's delay holds a
// record that is overdue by the difference, whatever the cause (a partition left paused,
// in-flight cap, a stalled fetch).
#pragma once

#include "events/parser.h"
#include "retry/policy.h"
#include "subscriptions/store.h"
#include "worker/event_loop.h"

#include <deque>
#include <map>

namespace hookd::worker {

class RetryLoop final : public PollLoop {
 public:
  RetryLoop(kafka::GroupConsumer& consumer, std::string retry_prefix, const retry::RetryPolicy& policy,
            const subscriptions::SnapshotStore& snapshots, Deliverer& deliverer, metrics::Metrics& metrics,
            std::size_t max_event_bytes);

  void on_revoke() override;
  void on_assign(const std::vector<kafka::TopicPartition>& assigned);
  // The retry group's statistics (served by poll on this loop's thread): sets each tier's
  // hookd_retry_backlog and hookd_retry_progress_timestamp_seconds.
  void on_statistics(std::string_view stats);

  // The tier topics this loop consumes.
  static std::vector<std::string> topics(const std::string& retry_prefix, const retry::RetryPolicy& policy);

 private:
  struct Held {
    kafka::Message message;
    Completion position;
    std::int64_t due_unix_ms;
  };

  void handle(kafka::Message message) override;
  void before_poll() override;  // releases records that became due
  void process(const kafka::Message& message, const Completion& position, std::int64_t due_unix_ms);
  void drop(const Completion& position, const char* reason, std::string_view webhook_id);
  std::string_view tier_of(std::string_view topic) const;  // "hookd.retry.5m" -> "5m"
  std::chrono::milliseconds delay_of(std::string_view topic) const;

  std::string retry_prefix_;
  const retry::RetryPolicy& policy_;
  subscriptions::SnapshotReader snapshot_;
  metrics::Metrics& metrics_;
  events::EventParser parser_;
  events::Event event_;
  std::vector<const subscriptions::Subscription*> matches_;
  std::map<kafka::TopicPartition, std::deque<Held>> held_;  // per paused partition, in offset order
  std::map<kafka::TopicPartition, std::int64_t> progress_unix_ms_;  // per assigned partition
};

}  // namespace hookd::worker
