// The unit of work between the poll loops and the deliverer.
//
// An EventTicket stands for one consumed record (an event or a retry record): its offset may
// be committed only when every delivery made from it has a durable outcome (a 2xx, or a retry
// or dead-letter record acknowledged by Kafka; kafka/commit_gate.h). Each DeliveryJob holds
// the ticket and finishes it exactly once.
#pragma once

#include "events/envelope.h"
#include "kafka/commit_gate.h"
#include "retry/decision.h"
#include "retry/records.h"
#include "subscriptions/subscription.h"
#include "dispatch/tenant_budget.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hookd::dispatch {

struct EventTicket {
  EventTicket(kafka::RecordPosition position, int deliveries, kafka::CompletionQueue& completions,
              std::string envelope_bytes)
      : pending(position, deliveries, completions), envelope(std::move(envelope_bytes)) {}

  kafka::PendingRecord pending;
  std::string envelope;  // the original event bytes: dead letters and retry records carry them
};

struct DeliveryJob {
  // A matched event's first attempt; builds the body.
  static std::shared_ptr<DeliveryJob> first_attempt(std::shared_ptr<EventTicket> ticket,
                                                    const subscriptions::Subscription& webhook,
                                                    const events::Event& event);
  // The next attempt of the delivery a retry record carries. `body` empty: a replayed dead
  // letter, whose body is built from `event` as a first attempt's would be.
  static std::shared_ptr<DeliveryJob> from_retry(std::shared_ptr<EventTicket> ticket,
                                                 const subscriptions::Subscription& webhook,
                                                 const retry::RetryRecord& record, const events::Event& event,
                                                 std::string body);
  // No delivery: only the ticket, for an invalid event's dead letter.
  static std::shared_ptr<DeliveryJob> ticket_only(std::shared_ptr<EventTicket> ticket);

  retry::DeliveryState state() const { return {attempt, step}; }

 private:
  // What every delivery of an event shares: ticket, webhook, ids from the envelope.
  static std::shared_ptr<DeliveryJob> for_event(std::shared_ptr<EventTicket> ticket,
                                                const subscriptions::Subscription& webhook,
                                                const events::Event& event);

 public:

  std::shared_ptr<EventTicket> ticket;
  std::shared_ptr<const subscriptions::Subscription> subscription;  // as matched: a later snapshot never changes it
  std::string delivery_id;
  std::string event_id;
  std::string event_type;
  std::int64_t occurred_at_unix_ms = 0;
  std::shared_ptr<const std::string> body;  // built once; the request and a retry record share it
  int attempt = 1;                          // the number of the attempt about to be made
  int step = -1;                            // the schedule step last waited on; -1 before any retry
  bool breaker_probe = false;               // admitted as its breaker's probe: goes out whatever the breaker says
  // Why the attempt was withdrawn when it left its origin's queue (Request::refresh said no).
  enum class Withdrawn : std::uint8_t {
    breaker_open,  // deferred like any delivery that meets an open breaker
    webhook_gone,  // deleted or disabled meanwhile: dropped
    readmit,       // moved to another URL, or its receiver asked for a pause: admitted again
  };
  Withdrawn withdrawn = Withdrawn::breaker_open;
  std::int64_t sent_at_unix_ms = 0;  // when a request that queued went out (re-signed then); 0: at once
  std::int64_t signed_at_unix_ms = 0;  // the `now` its request's headers were built for
  // Its company's share of the deliveries in flight: held from admission until the outcome is
  // durable (Deliverer::finish), or until the job is dropped at shutdown.
  TenantBudget::Ticket budget;
  retry::SourcePosition origin;             // the event's position in the events topic
  std::vector<retry::AttemptRecord> history;  // earlier attempts (from the retry record)
};

}  // namespace hookd::dispatch
