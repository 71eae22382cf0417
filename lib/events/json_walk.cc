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

bool walk_object(od::object& object, int depth, ValueIndex* index, std::uint32_t* members) {
  std::uint32_t count = 0;
  for (auto field_result : object) {
    od::field field;
    if (std::move(field_result).get(field) != simdjson::SUCCESS) return false;
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    if (!walk_value(field.value(), depth + 1, index, key, true)) return false;
    ++count;
  }
  if (members != nullptr) *members = count;
  return true;
}

bool walk_array(od::array& array, int depth, ValueIndex* index, std::uint32_t* elements) {
  std::uint32_t count = 0;
  for (auto element_result : array) {
    od::value element;
    if (std::move(element_result).get(element) != simdjson::SUCCESS) return false;
    if (!walk_value(element, depth + 1, index)) return false;
    ++count;
  }
  if (elements != nullptr) *elements = count;
  return true;
}

bool walk_value(od::value& value, int depth, ValueIndex* index, std::string_view key, bool is_member) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return false;
  using Kind = IndexedValue::Kind;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      const std::uint32_t at = record_value(index, key, is_member, Kind::object);
      std::uint32_t members = 0;
      const bool ok = depth < kMaxDepth && value.get_object().get(object) == simdjson::SUCCESS &&
                      walk_object(object, depth, index, &members);
      close_container(index, at, members);
      return ok;
    }
    case od::json_type::array: {
      od::array array;
      const std::uint32_t at = record_value(index, key, is_member, Kind::array);
      std::uint32_t elements = 0;
      const bool ok = depth < kMaxDepth && value.get_array().get(array) == simdjson::SUCCESS &&
                      walk_array(array, depth, index, &elements);
      close_container(index, at, elements);
      return ok;
    }
    case od::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return false;
      const std::uint32_t at = record_value(index, key, is_member, Kind::string);
      set_text(index, at, text);
      close_value(index, at);
      return true;
    }
    case od::json_type::number: {
      // Left unconsumed on purpose: the enclosing iterator skips a scalar it was not asked for.
      const std::string_view token = trim_trailing_whitespace(value.raw_json_token());
      if (!is_json_number(token)) return false;
      const std::uint32_t at = record_value(index, key, is_member, Kind::number);
      set_text(index, at, token);
      close_value(index, at);
      return true;
    }
    case od::json_type::boolean: {
      bool flag;
      if (value.get_bool().get(flag) != simdjson::SUCCESS) return false;
      close_value(index, record_value(index, key, is_member, flag ? Kind::true_value : Kind::false_value));
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;  // "nul" or "nulx" types as null but is not null
      if (value.is_null().get(is_null) != simdjson::SUCCESS || !is_null) return false;
      close_value(index, record_value(index, key, is_member, Kind::null));
      return true;
    }
  }
  return false;
}

}  // namespace hookd::events::detail
