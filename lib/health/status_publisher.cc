#include "health/status_publisher.h"

#include "common/log.h"

namespace hookd::health {

StatusPublisher::StatusPublisher(kafka::RecordWriter* producer, metrics::Metrics& metrics, std::string topic,
                                 std::string worker)
    : producer_(producer), topic_(std::move(topic)), worker_(std::move(worker)) {
  for (const auto status : kAllStatuses) {
    webhooks_by_status_[static_cast<std::size_t>(status)] =
        &metrics.webhooks.Add({{"status", std::string(metric_word(status))}});
  }
  breaker_opened_ = &metrics::Metrics::with(metrics.breaker_transitions, "to", "open");
  breaker_closed_ = &metrics::Metrics::with(metrics.breaker_transitions, "to", "closed");
}

void StatusPublisher::on_transition(const Transition& t) {
  if (t.from) webhooks_by_status_[static_cast<std::size_t>(*t.from)]->Decrement();
  webhooks_by_status_[static_cast<std::size_t>(t.to)]->Increment();
  if (t.to == Status::unhealthy) breaker_opened_->Increment();
  if (t.from == Status::unhealthy) breaker_closed_->Increment();

  // Status changes are rare (at most a few per webhook per probe interval): not rate-limited,
  // except the first HEALTHY of each webhook after a start, which every webhook has.
  const auto level = !t.from && t.to == Status::healthy ? log::Level::debug : log::Level::info;
  log::write(level, "webhook status changed",
             {{"webhook_id", t.webhook_id},
              {"from", t.from ? to_string(*t.from) : std::string_view("none")},
              {"to", to_string(t.to)},
              {"consecutive_failures", t.consecutive_failures},
              {"last_result", t.last_result}});

  if (producer_ == nullptr || topic_.empty()) return;
  producer_->produce(topic_, t.webhook_id, status_record(t, worker_), {}, [](rd_kafka_resp_err_t err) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::limited(log::Level::warn, "status_publish", "webhook status record lost",
                   {{"error", rd_kafka_err2str(err)}});
    }
  });
}

void StatusPublisher::on_forget(std::string_view, Status last) {
  webhooks_by_status_[static_cast<std::size_t>(last)]->Decrement();
}

}  // namespace hookd::health
