// Reading retry records back (the retry consumers and replay). Off the per-event hot path,
// but the body must come back byte for byte, so simdjson's raw_json() is used for it.
#include "retry/records.h"

#include "events/rfc3339.h"

#include <simdjson.h>

namespace hookd::retry {
namespace {

namespace od = simdjson::ondemand;

bool get_string(od::object& o, const char* key, std::string& out) {
  std::string_view v;
  if (o.find_field_unordered(key).get_string().get(v) != simdjson::SUCCESS) return false;
  out.assign(v);
  return true;
}

bool get_int(od::object& o, const char* key, std::int64_t& out) {
  return o.find_field_unordered(key).get_int64().get(out) == simdjson::SUCCESS;
}

bool get_attempt(od::object o, AttemptRecord& a) {
  std::string at;
  if (!get_string(o, "result", a.result) || !get_string(o, "at", at)) return false;
  a.at_unix_ms = events::parse_rfc3339_unix_ms(at).value_or(0);
  std::int64_t status = 0;
  if (o.find_field_unordered("status").get_int64().get(status) == simdjson::SUCCESS) a.http_status = static_cast<int>(status);
  get_int(o, "durationMs", a.duration_ms);
  get_string(o, "error", a.error);
  get_string(o, "response", a.response);
  return true;
}

}  // namespace

std::optional<ParsedRetryRecord> parse_retry_record(std::string_view bytes) {
  thread_local od::parser parser;
  const simdjson::padded_string padded(bytes);
  od::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return std::nullopt;
  od::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return std::nullopt;

  ParsedRetryRecord p;
  std::int64_t attempts = 0, step = 0;
  auto& r = p.record;
  if (!get_string(root, "deliveryId", r.delivery_id) || !get_string(root, "webhookId", r.webhook_id) ||
      !get_string(root, "eventId", r.event_id) || !get_string(root, "event", r.event_type) ||
      !get_int(root, "attempts", attempts) || !get_int(root, "step", step)) {
    return std::nullopt;
  }
  od::object source;
  if (root.find_field_unordered("source").get_object().get(source) != simdjson::SUCCESS) return std::nullopt;
  std::int64_t partition = 0;
  if (!get_string(source, "topic", p.record.source.topic) || !get_int(source, "partition", partition) ||
      !get_int(source, "offset", p.record.source.offset)) {
    return std::nullopt;
  }
  p.record.source.partition = static_cast<std::int32_t>(partition);

  od::array history;
  if (root.find_field_unordered("history").get_array().get(history) != simdjson::SUCCESS) return std::nullopt;
  for (auto element : history) {
    od::object o;
    AttemptRecord a;
    if (element.get_object().get(o) != simdjson::SUCCESS || !get_attempt(std::move(o), a)) return std::nullopt;
    p.record.history.push_back(std::move(a));
  }

  od::value body;
  if (root.find_field_unordered("body").get(body) != simdjson::SUCCESS) return std::nullopt;
  if (!body.is_null()) {
    od::object body_object;
    std::string_view raw;
    if (body.get_object().get(body_object) != simdjson::SUCCESS || body_object.raw_json().get(raw) != simdjson::SUCCESS)
      return std::nullopt;
    p.body.assign(raw);
  }
  od::object envelope;
  std::string_view raw_envelope;
  if (root.find_field_unordered("envelope").get_object().get(envelope) != simdjson::SUCCESS ||
      envelope.raw_json().get(raw_envelope) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  p.envelope.assign(raw_envelope);

  p.record.attempts = static_cast<int>(attempts);
  p.record.step = static_cast<int>(step);
  return p;
}

}  // namespace hookd::retry
