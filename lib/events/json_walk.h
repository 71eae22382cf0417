// Internal to lib/events (includes simdjson): walking On-Demand values so that every byte
// of a document is validated once, whether hookd reads the value or passes it through.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "events/envelope.h"

namespace hookd::events::detail {

// simdjson's default maximum depth. A container is only entered below it (the root is
// depth 1, so at most 1023 nested levels); deeper nesting is refused as not JSON, which
// also bounds the recursion of walk_value on hostile input.
inline constexpr int kMaxDepth = 1024;

// True when `token` (trailing whitespace already trimmed) is a number in RFC 8259's grammar.
// Checked on the raw token rather than with get_double(), which refuses valid JSON numbers
// that do not fit a double (1e400) and would make such events not_json.
bool is_json_number(std::string_view token);

// Drops the spaces, tabs and line breaks that raw_json_token() keeps after a token.
std::string_view trim_trailing_whitespace(std::string_view text);

// Where a walk records the values it passes (Event::values), or null for no recording.
// `overflow` is set instead of growing `values` beyond kMaxIndexedValues.
struct ValueIndex {
  std::vector<IndexedValue>* values = nullptr;
  bool overflow = false;
};

// Consumes `value` (at nesting `depth`, the root being 1) and every value inside it,
// unescaping every string and key. False if anything in it is not valid JSON. With `index`,
// appends every value to it (`key` names the member `value` belongs to, if any).
bool walk_value(simdjson::ondemand::value& value, int depth, ValueIndex* index = nullptr,
                std::string_view key = {}, bool is_member = false);
// `members` / `elements`, when given, receive the number of members / elements walked.
bool walk_object(simdjson::ondemand::object& object, int depth, ValueIndex* index = nullptr,
                 std::uint32_t* members = nullptr);
bool walk_array(simdjson::ondemand::array& array, int depth, ValueIndex* index = nullptr,
                std::uint32_t* elements = nullptr);

// For readers that walk a value themselves and index it too (the parser's company, project
// and user): record_value appends one value (a member named `key` when is_member) and
// returns its position, or kNotRecorded when there is no index or it is full; set_text and
// close_value (a scalar) or close_container (after its children, with their number) complete
// it. Inline: they run for every value of every event (always_inline because GCC 12 kept
// record_value out of line in walk_value, a call per value that showed in profiles).
inline constexpr std::uint32_t kNotRecorded = UINT32_MAX;

[[gnu::always_inline]] inline std::uint32_t record_value(ValueIndex* index, std::string_view key, bool is_member,
                                                         IndexedValue::Kind kind) {
  if (index == nullptr || index->overflow) return kNotRecorded;
  if (index->values->size() >= kMaxIndexedValues) {
    index->overflow = true;
    return kNotRecorded;
  }
  IndexedValue& v = index->values->emplace_back();
  if (is_member) {
    v.key = key.data();
    v.key_size = static_cast<std::uint32_t>(key.size());
  }
  v.kind = kind;
  return static_cast<std::uint32_t>(index->values->size() - 1);
}

inline void set_text(ValueIndex* index, std::uint32_t at, std::string_view text) {
  if (at == kNotRecorded) return;
  IndexedValue& v = (*index->values)[at];
  v.text = text.data();
  v.size = static_cast<std::uint32_t>(text.size());
}

inline void close_value(ValueIndex* index, std::uint32_t at) {
  if (at != kNotRecorded) (*index->values)[at].end = static_cast<std::uint32_t>(index->values->size());
}

inline void close_container(ValueIndex* index, std::uint32_t at, std::uint32_t children) {
  if (at == kNotRecorded) return;
  IndexedValue& v = (*index->values)[at];
  v.end = static_cast<std::uint32_t>(index->values->size());
  v.size = children;
}

}  // namespace hookd::events::detail
