// The deliverer's writes to Kafka: retry records, dead letters and the attempts log, and what a
// failed write becomes (kafka/write_error.h). An outcome counts as durable, and its event may
// commit, only once its record is acknowledged; the rest of the deliverer is in deliverer.cc.
#include "dispatch/deliverer.h"

#include "common/log.h"
#include "kafka/config.h"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>

namespace hookd::dispatch {
namespace {

// Back-off between writes of a record that failed `failures` times: 100 ms doubling to 30 s.
std::chrono::milliseconds write_backoff(int failures) {
  const std::chrono::milliseconds doubled(100LL << std::clamp(failures - 1, 0, 9));
  return std::min<std::chrono::milliseconds>(doubled, std::chrono::seconds(30));
}

std::vector<kafka::Header> to_kafka_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<kafka::Header> out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) out.push_back({name, value});
  return out;
}

}  // namespace

void Deliverer::enqueue_retry(const std::shared_ptr<DeliveryJob>& job, const retry::Step& step, int attempts_made) {
  retry::RetryRecord record;
  record.delivery_id = job->delivery_id;
  record.webhook_id = job->subscription->id();
  record.event_id = job->event_id;
  record.event_type = job->event_type;
  record.attempts = attempts_made;
  record.step = step.index;
  record.source = job->origin;
  record.history = job->history;
  record.body = *job->body;
  record.envelope = job->ticket->envelope;
  write(std::make_shared<Write>(Write{retry::tier_topic(settings_.retry_prefix, step.delay_text),
                                     std::string(job->subscription->id()),
                                     std::make_shared<const std::string>(retry::serialize(record)),
                                     {},
                                     job,
                                     retries_by_tier_.at(step.delay_text),
                                     true}));
}

void Deliverer::dead_letter(const std::shared_ptr<DeliveryJob>& job, retry::DeadLetterReason reason) {
  retry::DeadLetter letter;
  letter.kind = retry::DeadLetterKind::delivery;
  letter.reason = std::string(retry::to_string(reason));
  letter.source = job->origin;
  letter.webhook_id = job->subscription->id();
  letter.attempts = job->history;
  const auto message = retry::make_dead_letter(letter, job->ticket->envelope);
  write(std::make_shared<Write>(Write{settings_.dead_letter_topic, std::string(job->subscription->id()),
                                      std::make_shared<const std::string>(message.value),
                                      to_kafka_headers(message.headers), job,
                                      dead_letters_by_reason_[static_cast<std::size_t>(reason)]}));
}

void Deliverer::dead_letter_event(std::shared_ptr<EventTicket> ticket, std::string key,
                                  const retry::DeadLetter& letter) {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  parts_.metrics.inflight_deliveries.Increment();
  auto job = DeliveryJob::ticket_only(std::move(ticket));
  const auto message = retry::make_dead_letter(letter, job->ticket->envelope);
  auto* counter = &metrics::Metrics::with(parts_.metrics.dead_letters, "reason", letter.reason);
  write(std::make_shared<Write>(Write{settings_.dead_letter_topic, std::move(key),
                                      std::make_shared<const std::string>(message.value),
                                      to_kafka_headers(message.headers), std::move(job), counter}));
}

void Deliverer::log_attempt(const DeliveryJob& job, const retry::AttemptRecord& attempt,
                            std::optional<std::int64_t> next_due) {
  if (settings_.attempts_topic.empty()) return;
  const std::string value = retry::attempt_log_entry(job.delivery_id, job.subscription->id(), job.event_id,
                                                     job.event_type, job.attempt, attempt, next_due);
  // Best effort: a lost log line never holds back a commit, so the ack is not waited for.
  parts_.writer.produce(settings_.attempts_topic, job.subscription->id(), value, {}, [](rd_kafka_resp_err_t err) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::limited(log::Level::warn, "attempts_log", "attempts log record lost", {{"error", rd_kafka_err2str(err)}});
    }
  });
}

void Deliverer::write(std::shared_ptr<Write> record) {
  parts_.writer.produce(record->topic, record->key, *record->value, record->headers,
                        [this, record](rd_kafka_resp_err_t err) {
                          if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return on_write_failed(record, err);
                          if (writes_failing_.load(std::memory_order_relaxed)) writes_failing_ = false;
                          record->on_success->Increment();
                          finish(record->job);
                        });
}

void Deliverer::on_write_failed(const std::shared_ptr<Write>& record, rd_kafka_resp_err_t err) {
  auto kind = kafka::classify_write_error(err);
  if (kind == kafka::WriteError::too_large && !record->retry_record) {
    // A dead letter is already cut to its size limit: only the limit itself can be wrong.
    kind = kafka::WriteError::permanent;
  }
  write_failures_by_kind_[static_cast<std::size_t>(kind)]->Increment();
  const std::string error = kafka::describe(err);
  switch (kind) {
    case kafka::WriteError::shutdown: return;  // left uncommitted: redelivered after a restart
    case kafka::WriteError::fatal:
      // Nothing can be written any more: the worker stops (its offset stays uncommitted).
      writes_fatal_ = true;
      log::limited(log::Level::error, "write_fatal", "Kafka producer failed fatally; the worker stops", {{"topic", record->topic}, {"error", error}});
      return;
    case kafka::WriteError::too_large:
      log::limited(log::Level::warn, "write_too_large", "retry record over Kafka's size limit; dead letter written",
                   {{"topic", record->topic}, {"error", error}});
      return dead_letter(record->job, retry::DeadLetterReason::record_too_large);
    case kafka::WriteError::permanent:
      writes_failing_ = true;
      log::limited(log::Level::error, "write_permanent",
                   "cannot write a retry record or dead letter; worker unhealthy until one succeeds", {{"topic", record->topic}, {"error", error}});
      break;
    case kafka::WriteError::transient:
      log::limited(log::Level::warn, "write_transient", "could not write a retry record or dead letter; retrying",
                   {{"topic", record->topic}, {"error", error}});
      break;
  }
  // Waits on a timer, never on the calling thread; if the io_context stops first, the job stays
  // unfinished and its record uncommitted.
  auto timer = std::make_shared<boost::asio::steady_timer>(parts_.io, write_backoff(++record->failures));
  timer->async_wait([this, timer, record](const boost::system::error_code& ec) {
    if (!ec) write(record);
  });
}

}  // namespace hookd::dispatch
