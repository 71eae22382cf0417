// The event envelope as hookd sees it after validation, and the fixed words that name why
// an event was refused (dead-letter `hookd-reason` header and metric label values).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace hookd::events {

// Checked in this order; the first that applies is reported.
enum class InvalidReason {
  too_large,      // more bytes than limits.max_event_bytes
  invalid_utf8,   // not UTF-8 anywhere in the bytes
  not_json,       // anything simdjson rejects, anywhere inside; trailing bytes; nesting > 1023
  not_object,     // valid JSON whose root is not an object
  duplicate_key,  // a top-level key appears twice (compared after unescaping)
  missing_field,  // id, event, occurredAt or company absent
  invalid_field,  // a known field present with the wrong type or format
};

// Exactly the enumerator's name ("too_large", "not_json", ...).
std::string_view to_string(InvalidReason reason);

// One top-level member of the envelope, in input order.
struct TopLevelField {
  std::string_view key;        // the key's raw bytes as in the input, without the quotes
  std::string_view raw_value;  // the value's exact input bytes (no surrounding whitespace)
  std::string_view name;       // the key unescaped: what a JSON reader sees; compare on this
};

// A validated envelope. LIFETIME: every view points into buffers owned by the EventParser
// that filled it (its padded copy of the input, or simdjson's string buffer for unescaped
// strings) and dies at that parser's next parse() or destruction. Copy out what you keep.
//
// String fields hold the unescaped value ("\u0061" reads as "a"); ids in Blue are plain
// [a-z0-9] so in practice they equal the raw bytes.
struct Event {
  std::string_view id;           // 1..128 bytes
  std::string_view type;         // the `event` field, [A-Z0-9_]+
  std::string_view occurred_at;  // RFC 3339 text as sent
  std::string_view company_id;   // non-empty
  std::string_view project_id;   // empty when !has_project
  std::string_view user_id;      // empty when the event has no (or a null) `user`
  bool has_project = false;      // `project` present and not null
  std::int64_t occurred_at_unix_ms = 0;
  std::vector<TopLevelField> fields;  // every top-level field, known or not, in input order
};

}  // namespace hookd::events
