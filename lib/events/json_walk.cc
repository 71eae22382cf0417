#include "events/json_walk.h"

#include <cstdint>
#include <utility>

namespace hookd::events::detail {

namespace od = simdjson::ondemand;

bool is_json_number(std::string_view token) {
  std::size_t i = 0;
  const auto digit = [&](std::size_t at) { return at < token.size() && token[at] >= '0' && token[at] <= '9'; };
  if (i < token.size() && token[i] == '-') ++i;
  if (!digit(i)) return false;
  if (token[i] == '0') {
    ++i;  // no leading zeros
  } else {
    while (digit(i)) ++i;
  }
  if (i < token.size() && token[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < token.size() && (token[i] == '+' || token[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == token.size();
}

std::string_view trim_trailing_whitespace(std::string_view text) {
  while (!text.empty()) {
    const char c = text.back();
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    text.remove_suffix(1);
  }
  return text;
}

bool walk_object(od::object& object, int depth, ValueIndex* index) {
  for (auto field_result : object) {
    od::field field;
    if (std::move(field_result).get(field) != simdjson::SUCCESS) return false;
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    if (!walk_value(field.value(), depth + 1, index, key, true)) return false;
  }
  return true;
}

bool walk_array(od::array& array, int depth, ValueIndex* index) {
  for (auto element_result : array) {
    od::value element;
    if (std::move(element_result).get(element) != simdjson::SUCCESS) return false;
    if (!walk_value(element, depth + 1, index)) return false;
  }
  return true;
}

namespace {

// Appends a value to the index; kNone when there is no index or it is full.
constexpr std::uint32_t kNone = UINT32_MAX;

std::uint32_t record(ValueIndex* index, std::string_view key, bool is_member, IndexedValue::Kind kind) {
  if (index == nullptr || index->overflow) return kNone;
  if (index->values->size() >= kMaxIndexedValues) {
    index->overflow = true;
    return kNone;
  }
  IndexedValue& v = index->values->emplace_back();
  if (is_member) {
    v.key = key.data();
    v.key_size = static_cast<std::uint32_t>(key.size());
  }
  v.kind = kind;
  return static_cast<std::uint32_t>(index->values->size() - 1);
}

void set_text(ValueIndex* index, std::uint32_t at, std::string_view text) {
  if (at == kNone) return;
  IndexedValue& v = (*index->values)[at];
  v.text = text.data();
  v.text_size = static_cast<std::uint32_t>(text.size());
}

void close(ValueIndex* index, std::uint32_t at) {
  if (at != kNone) (*index->values)[at].end = static_cast<std::uint32_t>(index->values->size());
}

}  // namespace

bool walk_value(od::value& value, int depth, ValueIndex* index, std::string_view key, bool is_member) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return false;
  using Kind = IndexedValue::Kind;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      const std::uint32_t at = record(index, key, is_member, Kind::object);
      const bool ok = depth < kMaxDepth && value.get_object().get(object) == simdjson::SUCCESS &&
                      walk_object(object, depth, index);
      close(index, at);
      return ok;
    }
    case od::json_type::array: {
      od::array array;
      const std::uint32_t at = record(index, key, is_member, Kind::array);
      const bool ok = depth < kMaxDepth && value.get_array().get(array) == simdjson::SUCCESS &&
                      walk_array(array, depth, index);
      close(index, at);
      return ok;
    }
    case od::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return false;
      const std::uint32_t at = record(index, key, is_member, Kind::string);
      set_text(index, at, text);
      close(index, at);
      return true;
    }
    case od::json_type::number: {
      // Left unconsumed on purpose: the enclosing iterator skips a scalar it was not asked for.
      const std::string_view token = trim_trailing_whitespace(value.raw_json_token());
      if (!is_json_number(token)) return false;
      const std::uint32_t at = record(index, key, is_member, Kind::number);
      set_text(index, at, token);
      close(index, at);
      return true;
    }
    case od::json_type::boolean: {
      bool flag;
      if (value.get_bool().get(flag) != simdjson::SUCCESS) return false;
      close(index, record(index, key, is_member, flag ? Kind::true_value : Kind::false_value));
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;  // "nul" or "nulx" types as null but is not null
      if (value.is_null().get(is_null) != simdjson::SUCCESS || !is_null) return false;
      close(index, record(index, key, is_member, Kind::null));
      return true;
    }
  }
  return false;
}

}  // namespace hookd::events::detail
