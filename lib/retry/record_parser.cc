// Reading retry records back (the retry consumers and replay). Off the per-event hot path,
// but the body must come back byte for byte, so simdjson's raw_json() is used for it.
#include "retry/records.h"

#include "events/rfc3339.h"

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <optional>

namespace hookd::retry {
namespace {

namespace od = simdjson::ondemand;

// simdjson's error for a field, as a reason: absent, of the wrong type, or broken JSON.
RecordError reason_of(simdjson::error_code error) {
  switch (error) {
    case simdjson::NO_SUCH_FIELD: return RecordError::missing_field;
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE: return RecordError::invalid_field;
    default: return RecordError::not_json;
  }
}

std::optional<RecordError> get_string(od::object& o, const char* key, std::string& out) {
  std::string_view v;
  if (const auto error = o.find_field_unordered(key).get_string().get(v)) return reason_of(error);
  out.assign(v);
  return std::nullopt;
}

std::optional<RecordError> get_int(od::object& o, const char* key, std::int64_t& out) {
  if (const auto error = o.find_field_unordered(key).get_int64().get(out)) return reason_of(error);
  return std::nullopt;
}

// An optional field: absent or null is fine, anything else must be a string.
std::optional<RecordError> get_optional_string(od::object& o, const char* key, std::string& out) {
  od::value v;
  if (const auto error = o.find_field_unordered(key).get(v)) {
    return error == simdjson::NO_SUCH_FIELD ? std::nullopt : std::optional(reason_of(error));
  }
  bool is_null = false;  // never `if (v.is_null())`: that throws on broken JSON (see below)
  if (const auto error = v.is_null().get(is_null)) return reason_of(error);
  if (is_null) return std::nullopt;
  std::string_view text;
  if (const auto error = v.get_string().get(text)) return reason_of(error);
  out.assign(text);
  return std::nullopt;
}

std::optional<RecordError> get_attempt(od::object o, AttemptRecord& a) {
  std::string at;
  if (auto e = get_string(o, "result", a.result)) return e;
  if (auto e = get_string(o, "at", at)) return e;
  a.at_unix_ms = events::parse_rfc3339_unix_ms(at).value_or(0);
  std::int64_t status = 0;
  if (o.find_field_unordered("status").get_int64().get(status) == simdjson::SUCCESS) a.http_status = static_cast<int>(status);
  get_int(o, "durationMs", a.duration_ms);
  if (auto e = get_optional_string(o, "error", a.error)) return e;
  if (auto e = get_optional_string(o, "response", a.response)) return e;
  return std::nullopt;
}

}  // namespace

ParseResult parse_retry_record(std::string_view bytes) {
  const simdjson::padded_string padded(bytes);
  // On-demand parsing only validates what it visits, and after a structural error its
  // iterator must not be used again (simdjson 3.0.1 asserts in debug builds, and reads an
  // unspecified state in release ones). A record is input: validate the whole document
  // first with the DOM parser, then extract (the body and envelope need on-demand's raw_json).
  // Retry records are off the per-event path, so the second pass is affordable.
  thread_local simdjson::dom::parser validator;
  if (validator.parse(padded).error() != simdjson::SUCCESS) return RecordError::not_json;
  thread_local od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return RecordError::not_json;
  od::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return RecordError::not_json;

  ParsedRetryRecord p;
  std::int64_t attempts = 0, step = 0;
  auto& r = p.record;
  if (auto e = get_string(root, "deliveryId", r.delivery_id)) return *e;
  if (auto e = get_string(root, "webhookId", r.webhook_id)) return *e;
  if (auto e = get_string(root, "eventId", r.event_id)) return *e;
  if (auto e = get_string(root, "event", r.event_type)) return *e;
  if (auto e = get_int(root, "attempts", attempts)) return *e;
  if (auto e = get_int(root, "step", step)) return *e;
  // Both index the schedule and number the next attempt: a record is input (docs/retries.md).
  if (attempts < 0 || attempts > kMaxRecordAttempts || step < -1 || step > kMaxRecordStep) {
    return RecordError::out_of_range;
  }
  r.attempts = static_cast<int>(attempts);
  r.step = static_cast<int>(step);

  od::object source;
  if (const auto error = root.find_field_unordered("source").get_object().get(source)) return reason_of(error);
  std::int64_t partition = 0;
  if (auto e = get_string(source, "topic", r.source.topic)) return *e;
  if (auto e = get_int(source, "partition", partition)) return *e;
  if (auto e = get_int(source, "offset", r.source.offset)) return *e;
  if (partition < 0 || partition > std::numeric_limits<std::int32_t>::max()) return RecordError::out_of_range;
  r.source.partition = static_cast<std::int32_t>(partition);

  od::array history;
  if (const auto error = root.find_field_unordered("history").get_array().get(history)) return reason_of(error);
  for (auto element : history) {
    od::object o;
    AttemptRecord a;
    if (const auto error = element.get_object().get(o)) return reason_of(error);
    if (auto e = get_attempt(std::move(o), a)) return *e;
    r.history.push_back(std::move(a));
  }

  od::value body;
  if (const auto error = root.find_field_unordered("body").get(body)) return reason_of(error);
  // is_null() can fail on broken JSON, and converting its result to bool would throw: read
  // the error instead (simdjson 3.0.1; docs/architecture.md, library gaps).
  bool body_is_null = false;
  if (const auto error = body.is_null().get(body_is_null)) return reason_of(error);
  if (!body_is_null) {
    od::object body_object;
    std::string_view raw;
    if (const auto error = body.get_object().get(body_object)) return reason_of(error);
    if (const auto error = body_object.raw_json().get(raw)) return reason_of(error);
    p.body.assign(raw);
  }
  od::object envelope;
  std::string_view raw_envelope;
  if (const auto error = root.find_field_unordered("envelope").get_object().get(envelope)) return reason_of(error);
  if (const auto error = envelope.raw_json().get(raw_envelope)) return reason_of(error);
  p.envelope.assign(raw_envelope);
  return p;
}

}  // namespace hookd::retry
