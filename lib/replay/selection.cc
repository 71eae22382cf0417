#include "replay/selection.h"

#include "payload/delivery_id.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <limits>

namespace hookd::replay {

bool Filter::in_scope(const DeadLetterView& letter) const {
  if (letter.timestamp_ms < since_unix_ms) return false;
  if (until_unix_ms && letter.timestamp_ms >= *until_unix_ms) return false;
  if (webhook_id && letter.webhook_id != std::string_view(*webhook_id)) return false;
  if (reason && letter.reason != std::string_view(*reason)) return false;
  return true;
}

bool is_delivery_reason(std::string_view reason) {
  return std::find(kDeliveryReasons.begin(), kDeliveryReasons.end(), reason) != kDeliveryReasons.end();
}

std::string_view to_string(SkipReason reason) {
  switch (reason) {
    case SkipReason::invalid_event: return "invalid_event";
    case SkipReason::truncated: return "truncated";
    case SkipReason::malformed: return "malformed";
  }
  return "malformed";
}

namespace {

// Webhook ids are 1 to 128 of [A-Za-z0-9._:-] (docs/subscriptions.md). A dead letter whose
// hookd-webhook-id is anything else names no webhook that can exist: hookd never wrote it, and
// replaying it would write a retry record whose id the retry loop reads back differently
// (JSON keeps only valid UTF-8) or puts in a request header.
bool is_webhook_id(std::string_view text) {
  return !text.empty() && text.size() <= 128 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
  });
}

}  // namespace

std::optional<retry::SourcePosition> parse_source(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto& o = parsed.get_object();
  const auto* topic = o.if_contains("topic");
  const auto* partition = o.if_contains("partition");
  const auto* offset = o.if_contains("offset");
  if (topic == nullptr || !topic->is_string() || partition == nullptr || !partition->is_int64() ||
      offset == nullptr || !offset->is_int64()) {
    return std::nullopt;
  }
  const std::int64_t p = partition->get_int64();
  if (p < 0 || p > std::numeric_limits<std::int32_t>::max()) return std::nullopt;
  return retry::SourcePosition{std::string(topic->get_string()), static_cast<std::int32_t>(p), offset->get_int64()};
}

Decision decide(const DeadLetterView& letter, const Filter& filter, events::EventParser& parser) {
  if (!filter.in_scope(letter)) return NotInScope{};
  if (letter.kind == std::string_view("invalid_event")) return Skipped{SkipReason::invalid_event};
  if (letter.kind != std::string_view("delivery")) return Skipped{SkipReason::malformed};
  if (letter.truncated == std::string_view("true")) return Skipped{SkipReason::truncated};
  if (!letter.webhook_id || !is_webhook_id(*letter.webhook_id) || !letter.reason || !letter.source) {
    return Skipped{SkipReason::malformed};
  }
  auto source = parse_source(*letter.source);
  if (!source) return Skipped{SkipReason::malformed};

  events::Event event;
  if (parser.parse(letter.value, event)) return Skipped{SkipReason::malformed};

  Replay out;
  auto& r = out.record;
  r.delivery_id = payload::delivery_id(event.id, *letter.webhook_id);
  r.webhook_id.assign(*letter.webhook_id);
  r.event_id.assign(event.id);
  r.event_type.assign(event.type);
  r.attempts = 0;
  r.step = 0;
  r.source = std::move(*source);
  r.envelope = letter.value;  // body stays empty: serialized as null, rebuilt at retry time
  out.reason.assign(*letter.reason);
  return out;
}

}  // namespace hookd::replay
