#include "dispatch/delivery_job.h"

#include "payload/body.h"
#include "payload/delivery_id.h"

namespace hookd::dispatch {
namespace {

std::shared_ptr<const std::string> body_for(const events::Event& event, const subscriptions::Subscription& webhook) {
  auto body = std::make_shared<std::string>();
  payload::build_body(event, webhook.webhook_json(), *body);
  return body;
}

}  // namespace

std::shared_ptr<DeliveryJob> DeliveryJob::first_attempt(std::shared_ptr<EventTicket> ticket,
                                                        const subscriptions::Subscription& webhook,
                                                        const events::Event& event) {
  const auto& position = ticket->pending.position();
  retry::SourcePosition origin{std::string(position.topic), position.partition, position.offset};
  auto job = for_event(std::move(ticket), webhook, event);
  job->origin = std::move(origin);
  job->body = body_for(event, webhook);
  return job;
}

std::shared_ptr<DeliveryJob> DeliveryJob::from_retry(std::shared_ptr<EventTicket> ticket,
                                                     const subscriptions::Subscription& webhook,
                                                     const retry::RetryRecord& record, const events::Event& event,
                                                     std::string body) {
  // The record is input: the ids that go out in headers come from the envelope, which the
  // event parser validated, as for a first attempt (for_event); the delivery id is the same
  // function of them, so it does not change between attempts.
  auto job = for_event(std::move(ticket), webhook, event);
  job->attempt = record.attempts + 1;
  job->step = record.step;
  job->origin = record.source;
  job->history = record.history;
  job->body = body.empty() ? body_for(event, webhook) : std::make_shared<const std::string>(std::move(body));
  return job;
}

std::shared_ptr<DeliveryJob> DeliveryJob::for_event(std::shared_ptr<EventTicket> ticket,
                                                    const subscriptions::Subscription& webhook,
                                                    const events::Event& event) {
  auto job = std::make_shared<DeliveryJob>();
  job->ticket = std::move(ticket);
  job->subscription = webhook.shared_from_this();
  job->delivery_id = payload::delivery_id(event.id, webhook.id());
  job->event_id.assign(event.id);
  job->event_type.assign(event.type);
  job->occurred_at_unix_ms = event.occurred_at_unix_ms;
  return job;
}

std::shared_ptr<DeliveryJob> DeliveryJob::ticket_only(std::shared_ptr<EventTicket> ticket) {
  auto job = std::make_shared<DeliveryJob>();
  job->ticket = std::move(ticket);
  return job;
}

}  // namespace hookd::dispatch
