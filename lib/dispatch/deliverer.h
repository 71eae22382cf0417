// Makes one HTTP attempt for a DeliveryJob and turns its outcome into a durable fact: a 2xx,
// a retry record on the tier the retry decision picks (retry/decision.h), or a dead letter.
//
// First attempts and retries take the same path. Both take a share of their company's budget
// of deliveries in flight first (dispatch/tenant_budget.h): a company at its budget has the
// delivery wait in its company's queue for one of its deliveries to finish, while that wait is
// expected to be short, or else deferred to a retry tier without an attempt
// (`tenant_over_budget`), so it cannot hold the global cap that pauses every partition. Then the webhook's circuit breaker
// (health/tracker.h): while it is open a delivery is deferred to a retry tier without an
// attempt, except one probe per interval. Then a webhook with a rate limit, or whose receiver
// asked for a pause (429, or 503 with Retry-After), takes its send slot
// (delivery/rate_limiter.h): the delivery waits for it on a timer, or, when the slot is too far
// off, is deferred to a retry tier without spending an attempt.
// Runs entirely on the delivery io_context threads; it never blocks a poll loop.
#pragma once

#include "common/clock.h"
#include "delivery/client.h"
#include "delivery/rate_limiter.h"
#include "health/tracker.h"
#include "kafka/record_writer.h"
#include "kafka/write_error.h"
#include "metrics/metrics.h"
#include "retry/decision.h"
#include "retry/policy.h"
#include "subscriptions/store.h"
#include "dispatch/delivery_job.h"
#include "dispatch/tenant_budget.h"

#include <boost/asio/io_context.hpp>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <string>

namespace hookd::dispatch {

struct DelivererSettings {
  std::string retry_prefix;       // tier topics are "<prefix>.<delay>"
  std::string dead_letter_topic;
  std::string attempts_topic;     // empty: no attempts log
  std::string user_agent;
  retry::ResponseRules rules;
  // delivery.max_in_flight_per_tenant, ..._bytes_per_tenant, max_queued_per_tenant,
  // max_queued_bytes_per_tenant, max_tenant_queue_wait
  TenantBudget::Limits tenant_budget;
};

// What the deliverer works with; all must outlive it.
struct DelivererParts {
  boost::asio::io_context& io;
  delivery::Sender& sender;
  kafka::RecordWriter& writer;
  metrics::Metrics& metrics;
  const retry::RetryPolicy& policy;
  health::Tracker& health;
  delivery::RateLimiter& rate_limiter;
  const common::Clock& clock;
  const subscriptions::SnapshotStore& snapshots;  // the current webhooks, for queued requests
};

class Deliverer {
 public:
  Deliverer(DelivererParts parts, DelivererSettings settings);

  // Takes the job's share of its company's budget, then signs and sends its request (or defers
  // it); the job's ticket is finished once the outcome is durable.
  void dispatch(std::shared_ptr<DeliveryJob> job);

  // Writes an invalid event's dead letter; finishes `ticket` once Kafka acknowledged it.
  void dead_letter_event(std::shared_ptr<EventTicket> ticket, std::string key, const retry::DeadLetter& letter);

  // Deliveries (and dead letters) dispatched and not yet durable, those waiting in their
  // company's queue included.
  std::int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  const TenantBudget& tenant_budget() const { return tenant_budget_; }
  // A write failed for a reason retrying alone cannot fix (ACLs, an unknown topic) and none has
  // succeeded since: the worker is unhealthy (kafka/write_error.h).
  bool writes_failing() const { return writes_failing_.load(std::memory_order_relaxed); }
  // The producer reported a fatal error: nothing more can be written; the worker must restart.
  bool writes_fatal() const { return writes_fatal_.load(std::memory_order_relaxed); }

 private:
  // Breaker, then rate limit or pause, then send (dispatch() without counting the job again).
  void admit(const std::shared_ptr<DeliveryJob>& job);
  // A request leaving its origin's queue: re-checks the webhook in the current snapshot and
  // re-signs the request with its current keys at the moment it goes out (Request::refresh).
  bool refresh(DeliveryJob& job, delivery::Request& request);
  // The job's webhook as the current snapshot has it, or null when it was deleted or disabled
  // meanwhile (job.subscription is then the disabled one, if any, for drop()).
  std::shared_ptr<const subscriptions::Subscription> current_webhook(DeliveryJob& job) const;
  // A job leaving its company's queue with its share: admitted as the webhook is now.
  void leave_tenant_queue(const std::shared_ptr<DeliveryJob>& job);
  // Ends a delivery whose webhook was deleted or disabled before it went out.
  void drop(const std::shared_ptr<DeliveryJob>& job);
  // True when the job may be sent now; otherwise it waits for its slot or has been deferred.
  bool pace(const std::shared_ptr<DeliveryJob>& job);
  // Signs the job's request (its timestamp is the moment it goes out) and posts it.
  void send(const std::shared_ptr<DeliveryJob>& job);
  void on_outcome(const std::shared_ptr<DeliveryJob>& job, const delivery::Outcome& outcome,
                  std::int64_t started_unix_ms);
  void defer_for_breaker(const std::shared_ptr<DeliveryJob>& job);
  void defer_for_tenant(const std::shared_ptr<DeliveryJob>& job);
  void defer_for_rate_limit(const std::shared_ptr<DeliveryJob>& job, const delivery::RateLimiter::Reservation& slot);
  void enqueue_retry(const std::shared_ptr<DeliveryJob>& job, const retry::Step& step, int attempts_made);
  void dead_letter(const std::shared_ptr<DeliveryJob>& job, retry::DeadLetterReason reason);
  void log_attempt(const DeliveryJob& job, const retry::AttemptRecord& attempt, std::optional<std::int64_t> next_due);
  // A record that finishes its job once Kafka acknowledges it.
  struct Write {
    std::string topic, key;
    std::shared_ptr<const std::string> value;
    std::vector<kafka::Header> headers;
    std::shared_ptr<DeliveryJob> job;
    prometheus::Counter* on_success = nullptr;
    bool retry_record = false;  // too large: the delivery is dead-lettered instead
    int failures = 0;
  };
  // Produces until Kafka acknowledges: committing the record without its successor would lose
  // the delivery. Each failure has the outcome of its kind (kafka/write_error.h).
  void write(std::shared_ptr<Write> record);
  void on_write_failed(const std::shared_ptr<Write>& record, rd_kafka_resp_err_t err);
  void finish(const std::shared_ptr<DeliveryJob>& job);

  DelivererParts parts_;
  DelivererSettings settings_;
  TenantBudget tenant_budget_;
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<bool> writes_failing_{false};
  std::atomic<bool> writes_fatal_{false};
  // Resolved once: one counter per attempt result (indexed by the enum), per tier, per reason.
  std::array<prometheus::Counter*, 12> attempts_by_result_{};
  std::map<std::string, prometheus::Counter*, std::less<>> retries_by_tier_;
  std::array<prometheus::Counter*, 4> dead_letters_by_reason_{};  // indexed by retry::DeadLetterReason
  std::array<prometheus::Counter*, 5> write_failures_by_kind_{};  // indexed by kafka::WriteError
  prometheus::Counter* deferred_by_breaker_ = nullptr;
  prometheus::Counter* deferred_by_rate_limit_ = nullptr;
  prometheus::Counter* deferred_by_receiver_ = nullptr;  // {reason="throttled"}
  prometheus::Counter* deferred_by_tenant_ = nullptr;    // {reason="tenant_queue"}
  prometheus::Counter* dropped_deleted_ = nullptr;       // hookd_retries_dropped_total{reason="deleted"}
  prometheus::Counter* dropped_disabled_ = nullptr;      // {reason="disabled"}
};

}  // namespace hookd::dispatch
