#include "worker/deliverer.h"

#include "common/log.h"
#include "signing/signature.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace hookd::worker {
namespace {

using delivery::AttemptResult;

constexpr std::array kAllResults = {
    AttemptResult::success_2xx, AttemptResult::status_3xx,   AttemptResult::status_4xx,
    AttemptResult::status_5xx,  AttemptResult::timeout,      AttemptResult::dns_error,
    AttemptResult::connect_error, AttemptResult::tls_error,  AttemptResult::protocol_error,
    AttemptResult::blocked,     AttemptResult::origin_queue_full,
};

std::int64_t unix_seconds_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Deliverer::Deliverer(boost::asio::io_context& io, delivery::Client& client, kafka::Producer& producer,
                     metrics::Metrics& metrics, DelivererSettings settings)
    : io_(io), client_(client), producer_(producer), metrics_(metrics), settings_(std::move(settings)) {
  static_assert(kAllResults.size() == std::tuple_size_v<decltype(attempts_by_result_)>);
  for (auto result : kAllResults) {
    attempts_by_result_[static_cast<std::size_t>(result)] =
        &metrics::Metrics::with(metrics_.delivery_attempts, "result", std::string(delivery::to_string(result)));
  }
  retries_first_tier_ = &metrics::Metrics::with(metrics_.retries_enqueued, "tier", settings_.first_retry_tier);
  dead_letters_blocked_ = &metrics::Metrics::with(metrics_.dead_letters, "reason", "blocked");
}

void Deliverer::dispatch(std::shared_ptr<DeliveryJob> job) {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  metrics_.inflight_deliveries.Increment();

  const auto& sub = *job->subscription;
  delivery::Request request;
  request.url = sub.url;
  request.body = job->body;
  auto& h = request.headers;
  h.reserve(9);
  h.emplace_back("content-type", "application/json");
  h.emplace_back("user-agent", settings_.user_agent);
  h.emplace_back("webhook-id", job->delivery_id);
  const std::int64_t timestamp = unix_seconds_now();
  h.emplace_back("webhook-timestamp", std::to_string(timestamp));
  if (!sub.signing_key.empty()) {
    h.emplace_back("webhook-signature",
                   signing::standard_webhooks_signature(sub.signing_key, job->delivery_id, timestamp, *job->body));
    h.emplace_back("x-signature", signing::blue_signature_hex(sub.signing_key, *job->body));
  }
  h.emplace_back("x-blue-event", job->event_type);
  h.emplace_back("x-blue-webhook-id", sub.id);
  h.emplace_back("x-blue-attempt", std::to_string(job->attempt));

  const std::int64_t started = retry::unix_ms_now();
  client_.post(std::move(request), [this, job, started](delivery::Outcome outcome) {
    on_outcome(job, outcome, started);
  });
}

void Deliverer::on_outcome(const std::shared_ptr<DeliveryJob>& job, const delivery::Outcome& outcome,
                           std::int64_t started_unix_ms) {
  attempts_by_result_[static_cast<std::size_t>(outcome.result)]->Increment();
  const double seconds = std::chrono::duration<double>(outcome.duration).count();
  if (outcome.result != AttemptResult::origin_queue_full && outcome.result != AttemptResult::blocked) {
    metrics_.delivery_duration.Observe(seconds);
  }

  retry::AttemptRecord attempt{started_unix_ms, std::string(delivery::to_string(outcome.result)),
                               outcome.http_status,
                               std::chrono::duration_cast<std::chrono::milliseconds>(outcome.duration).count(),
                               outcome.error};
  switch (outcome.result) {
    case AttemptResult::success_2xx: {
      const double latency = static_cast<double>(retry::unix_ms_now() - job->occurred_at_unix_ms) / 1000.0;
      (job->attempt == 1 ? metrics_.event_to_delivery_first : metrics_.event_to_delivery_retry)
          .Observe(latency < 0 ? 0 : latency);
      finish(job);
      return;
    }
    case AttemptResult::blocked:
      log::limited(log::Level::warn, "delivery_blocked", "delivery target refused by the network guard",
                   {{"webhook_id", job->subscription->id}, {"origin", job->subscription->origin},
                    {"error", outcome.error}});
      dead_letter(job, "blocked", std::move(attempt));
      return;
    case AttemptResult::status_3xx:
    case AttemptResult::status_4xx:
    case AttemptResult::status_5xx:
    case AttemptResult::timeout:
    case AttemptResult::dns_error:
    case AttemptResult::connect_error:
    case AttemptResult::tls_error:
    case AttemptResult::protocol_error:
    case AttemptResult::origin_queue_full:
      log::limited(log::Level::info, "delivery_failed", "delivery attempt failed, retry enqueued",
                   {{"webhook_id", job->subscription->id}, {"origin", job->subscription->origin},
                    {"result", attempt.result}, {"status", outcome.http_status}, {"error", outcome.error}});
      enqueue_retry(job, std::move(attempt));
      return;
  }
}

void Deliverer::enqueue_retry(const std::shared_ptr<DeliveryJob>& job, retry::AttemptRecord attempt) {
  retry::RetryRecord record;
  record.delivery_id = job->delivery_id;
  record.webhook_id = job->subscription->id;
  record.event_id = job->event_id;
  record.event_type = job->event_type;
  // A delivery deferred by a full origin queue has not spent an attempt.
  record.attempts = attempt.result == "origin_queue_full" ? job->attempt - 1 : job->attempt;
  record.source = {std::string(job->ticket->position.topic), job->ticket->position.partition,
                   job->ticket->position.offset};
  record.history.push_back(std::move(attempt));
  record.body = *job->body;
  record.envelope = job->ticket->envelope;
  auto value = std::make_shared<const std::string>(retry::serialize(record));
  produce_durably(settings_.first_retry_topic, job->subscription->id, std::move(value), {}, job,
                  retries_first_tier_);
}

void Deliverer::dead_letter(const std::shared_ptr<DeliveryJob>& job, std::string reason,
                            retry::AttemptRecord attempt) {
  retry::DeadLetter letter;
  letter.kind = retry::DeadLetterKind::delivery;
  letter.reason = std::move(reason);
  letter.source = {std::string(job->ticket->position.topic), job->ticket->position.partition,
                   job->ticket->position.offset};
  letter.webhook_id = job->subscription->id;
  letter.attempts.push_back(std::move(attempt));
  const auto message = retry::make_dead_letter(letter, job->ticket->envelope);
  std::vector<kafka::Header> headers;
  for (const auto& [name, value] : message.headers) headers.push_back({name, value});
  // The ticket keeps the envelope alive; the value views it, so copy it into the shared value.
  auto value = std::make_shared<const std::string>(message.value);
  produce_durably(settings_.dead_letter_topic, job->subscription->id, std::move(value), std::move(headers), job,
                  dead_letters_blocked_);
}

void Deliverer::produce_durably(std::string topic, std::string key, std::shared_ptr<const std::string> value,
                                std::vector<kafka::Header> headers, std::shared_ptr<DeliveryJob> job,
                                prometheus::Counter* on_success) {
  // The callback owns copies of everything it needs to produce again.
  auto retry_state = std::make_shared<std::tuple<std::string, std::string, std::vector<kafka::Header>>>(
      std::move(topic), std::move(key), std::move(headers));
  producer_.produce(std::get<0>(*retry_state), std::get<1>(*retry_state), *value, std::get<2>(*retry_state),
                    [this, retry_state, value, job, on_success](rd_kafka_resp_err_t err) {
                      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                        on_success->Increment();
                        finish(job);
                        return;
                      }
                      log::limited(log::Level::error, "produce_failed",
                                   "could not write a retry or dead-letter record; trying again",
                                   {{"topic", std::get<0>(*retry_state)}, {"error", rd_kafka_err2str(err)}});
                      auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::seconds(1));
                      timer->async_wait([this, timer, retry_state, value, job, on_success](auto) {
                        produce_durably(std::get<0>(*retry_state), std::get<1>(*retry_state), value,
                                        std::get<2>(*retry_state), job, on_success);
                      });
                    });
}

void Deliverer::finish(const std::shared_ptr<DeliveryJob>& job) {
  job->ticket->finish_one();
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  metrics_.inflight_deliveries.Decrement();
}

}  // namespace hookd::worker
