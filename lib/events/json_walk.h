// Internal to lib/events (includes simdjson): walking On-Demand values so that every byte
// of a document is validated once, whether hookd reads the value or passes it through.
#pragma once

#include <simdjson.h>

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
bool walk_object(simdjson::ondemand::object& object, int depth, ValueIndex* index = nullptr);
bool walk_array(simdjson::ondemand::array& array, int depth, ValueIndex* index = nullptr);

}  // namespace hookd::events::detail
