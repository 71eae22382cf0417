#include "retry/records.h"

#include "common/log.h"
#include "common/timestamp.h"

#include <boost/throw_exception.hpp>

#include <chrono>
#include <stdexcept>

namespace hookd::retry {
namespace {

void append_source(std::string& out, const SourcePosition& source) {
  out += "{\"topic\":";
  log::append_json_string(out, source.topic);
  out += ",\"partition\":";
  out += std::to_string(source.partition);
  out += ",\"offset\":";
  out += std::to_string(source.offset);
  out += '}';
}

}  // namespace

std::string attempts_json(const std::vector<AttemptRecord>& attempts) {
  std::string out = "[";
  for (const auto& a : attempts) {
    if (out.size() > 1) out += ',';
    out += "{\"at\":";
    log::append_json_string(out, format_rfc3339_ms(a.at_unix_ms));
    out += ",\"result\":";
    log::append_json_string(out, a.result);
    out += ",\"status\":";
    out += a.http_status ? std::to_string(a.http_status) : "null";
    out += ",\"durationMs\":";
    out += std::to_string(a.duration_ms);
    out += ",\"error\":";
    if (a.error.empty()) {
      out += "null";
    } else {
      log::append_json_string(out, a.error);
    }
    out += ",\"response\":";
    log::append_json_string(out, a.response);
    out += '}';
  }
  out += ']';
  return out;
}

std::string serialize(const RetryRecord& r) {
  std::string out;
  out.reserve(r.body.size() + r.envelope.size() + 512);
  out += "{\"deliveryId\":";
  log::append_json_string(out, r.delivery_id);
  out += ",\"webhookId\":";
  log::append_json_string(out, r.webhook_id);
  out += ",\"eventId\":";
  log::append_json_string(out, r.event_id);
  out += ",\"event\":";
  log::append_json_string(out, r.event_type);
  out += ",\"attempts\":";
  out += std::to_string(r.attempts);
  out += ",\"step\":";
  out += std::to_string(r.step);
  out += ",\"source\":";
  append_source(out, r.source);
  out += ",\"history\":";
  out += attempts_json(r.history);
  out += ",\"body\":";
  out += r.body.empty() ? std::string_view("null") : r.body;
  out += ",\"envelope\":";
  out += r.envelope;
  out += '}';
  return out;
}

std::string attempt_log_entry(std::string_view delivery_id, std::string_view webhook_id, std::string_view event_id,
                              std::string_view event_type, int attempt_number, const AttemptRecord& attempt,
                              std::optional<std::int64_t> next_due_unix_ms) {
  std::string out;
  // One allocation: the names, quotes and punctuation take 124 bytes, the three numbers at most
  // 34 and the two timestamps 50; the strings usually need no escaping.
  out.reserve(224 + delivery_id.size() + webhook_id.size() + event_id.size() + event_type.size() +
              attempt.result.size());
  out += "{\"deliveryId\":";
  log::append_json_string(out, delivery_id);
  out += ",\"webhookId\":";
  log::append_json_string(out, webhook_id);
  out += ",\"eventId\":";
  log::append_json_string(out, event_id);
  out += ",\"event\":";
  log::append_json_string(out, event_type);
  out += ",\"attempt\":";
  out += std::to_string(attempt_number);
  out += ",\"result\":";
  log::append_json_string(out, attempt.result);
  out += ",\"status\":";
  out += attempt.http_status ? std::to_string(attempt.http_status) : "null";
  out += ",\"durationMs\":";
  out += std::to_string(attempt.duration_ms);
  // A timestamp needs no escaping: digits and "-T:.Z".
  out += ",\"at\":\"";
  append_rfc3339_ms(out, attempt.at_unix_ms);
  out += "\",\"nextDueAt\":";
  if (next_due_unix_ms) {
    out += '"';
    append_rfc3339_ms(out, *next_due_unix_ms);
    out += '"';
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

void append_history(std::vector<AttemptRecord>& history, AttemptRecord entry) {
  if (history.size() >= kMaxHistory) history.erase(history.begin(), history.end() - (kMaxHistory - 1));
  history.push_back(std::move(entry));
}

std::string tier_topic(std::string_view prefix, std::string_view delay) {
  std::string topic(prefix);
  topic += '.';
  topic += delay;
  return topic;
}

std::vector<std::string> distinct_tiers(const std::vector<std::string>& schedule) {
  std::vector<std::string> tiers;
  for (const auto& delay : schedule) {
    bool seen = false;
    for (const auto& t : tiers) seen = seen || t == delay;
    if (!seen) tiers.push_back(delay);
  }
  return tiers;
}

std::string_view to_string(DeadLetterKind kind) {
  switch (kind) {
    case DeadLetterKind::invalid_event: return "invalid_event";
    case DeadLetterKind::delivery: return "delivery";
    case DeadLetterKind::retry_record: return "retry_record";
  }
  return "invalid_event";
}

std::string_view to_string(RecordError error) {
  switch (error) {
    case RecordError::not_json: return "not_json";
    case RecordError::missing_field: return "missing_field";
    case RecordError::invalid_field: return "invalid_field";
    case RecordError::out_of_range: return "out_of_range";
  }
  return "not_json";
}

void throw_exception_from_error(RecordError error, const boost::source_location& where) {
  boost::throw_with_location(std::invalid_argument("not a retry record: " + std::string(to_string(error))), where);
}

DeadLetterMessage make_dead_letter(const DeadLetter& letter, std::string_view original_event) {
  DeadLetterMessage message;
  message.value = original_event;
  message.headers.emplace_back("hookd-kind", std::string(to_string(letter.kind)));
  message.headers.emplace_back("hookd-reason", letter.reason);
  std::string source;
  append_source(source, letter.source);
  message.headers.emplace_back("hookd-source", std::move(source));
  if (letter.kind == DeadLetterKind::delivery) {
    message.headers.emplace_back("hookd-webhook-id", letter.webhook_id);
    message.headers.emplace_back("hookd-attempts", attempts_json(letter.attempts));
  }
  if (original_event.size() > kMaxDeadLetterValue) {
    message.value = original_event.substr(0, kTruncatedDeadLetterValue);
    message.headers.emplace_back("hookd-truncated", "true");
  }
  return message;
}

}  // namespace hookd::retry
