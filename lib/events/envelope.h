// The event envelope as hookd sees it after validation, and the fixed words that name why
// an event was refused (dead-letter `hookd-reason` header and metric label values).
#pragma once

#include <cstddef>
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

// One value inside the envelope, as record filters read it (lib/subscriptions/filter*):
// Event::values lists them depth first, each container followed by its children, so the
// next sibling of values[i] is values[values[i].end]. Filled by the parser's validating walk
// at almost no cost (it already visits and unescapes every value), which spares filters a
// second pass over the bytes.
struct IndexedValue {
  enum class Kind : std::uint8_t { object, array, string, number, true_value, false_value, null };
  const char* key = nullptr;   // member name; null for array elements and field roots
  const char* text = nullptr;  // string: its contents; number: its token
  std::uint32_t key_size = 0;
  // string: bytes of text; number: bytes of its token; object: number of members; array:
  // number of elements (so a reader knows an object's size without walking its members).
  std::uint32_t size = 0;
  std::uint32_t end = 0;  // index one past the last value of this value's subtree
  Kind kind = Kind::null;
  // True when key/text are raw JSON with escapes still in them. The parser always stores
  // unescaped text (false); other producers of IndexedValue (the filters' own scanner) may not.
  bool key_escaped = false;
  bool text_escaped = false;
};

// One top-level member of the envelope, in input order.
struct TopLevelField {
  std::string_view key;        // the key's raw bytes as in the input, without the quotes
  std::string_view raw_value;  // the value's exact input bytes (no surrounding whitespace)
  std::string_view name;       // the key unescaped: what a JSON reader sees; compare on this
  // Index in Event::values of this field's value, or -1 when it is not indexed: the known
  // string fields (id, event, occurredAt) and any field whose subtree would take
  // Event::values past kMaxIndexedValues. Readers fall back to raw_value for those.
  std::int32_t first_value = -1;
};

// Bounds Event::values (and so the memory one hostile 1 MiB event can pin per parser).
inline constexpr std::size_t kMaxIndexedValues = 1 << 16;

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
  std::vector<IndexedValue> values;   // the values of the indexed top-level fields (see above)
};

}  // namespace hookd::events
