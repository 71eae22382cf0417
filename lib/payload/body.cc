#include "payload/body.h"

namespace hookd::payload {
namespace {

// The unescaped name; a hand-built field (tests, tools) may carry only its raw key.
std::string_view name_of(const events::TopLevelField& field) {
  return field.name.empty() && !field.key.empty() ? field.key : field.name;
}

bool is_written_first_or_reserved(std::string_view name) {
  return name == "id" || name == "event" || name == "occurredAt" || name == "webhook" || name == "eventId";
}

}  // namespace

void build_body(const events::Event& event, std::string_view webhook_json, std::string& out) {
  std::string_view type_raw, id_raw, occurred_at_raw;
  std::size_t passthrough_size = 0;
  for (const auto& field : event.fields) {
    const std::string_view name = name_of(field);
    if (name == "id") id_raw = field.raw_value;
    else if (name == "event") type_raw = field.raw_value;
    else if (name == "occurredAt") occurred_at_raw = field.raw_value;
    if (!is_written_first_or_reserved(name)) passthrough_size += field.key.size() + field.raw_value.size() + 4;
  }

  constexpr std::string_view kEvent = "{\"event\":", kEventId = ",\"eventId\":", kOccurredAt = ",\"occurredAt\":",
                             kWebhook = ",\"webhook\":";
  out.clear();
  out.reserve(kEvent.size() + type_raw.size() + kEventId.size() + id_raw.size() + kOccurredAt.size() +
              occurred_at_raw.size() + kWebhook.size() + webhook_json.size() + passthrough_size + 1);
  out.append(kEvent).append(type_raw);
  out.append(kEventId).append(id_raw);
  out.append(kOccurredAt).append(occurred_at_raw);
  out.append(kWebhook).append(webhook_json);
  for (const auto& field : event.fields) {
    if (is_written_first_or_reserved(name_of(field))) continue;
    out.append(",\"").append(field.key).append("\":").append(field.raw_value);
  }
  out.push_back('}');
}

}  // namespace hookd::payload
