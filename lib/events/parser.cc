#include "events/parser.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

#include "events/json_walk.h"
#include "events/rfc3339.h"

namespace hookd::events {

namespace od = simdjson::ondemand;
using detail::trim_trailing_whitespace;
using detail::ValueIndex;
using detail::walk_value;
using Kind = IndexedValue::Kind;

namespace {

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMinParserCapacity = 64 * 1024;

// Outcome of reading one known field: a wrong type or format is recorded and the walk goes
// on (a later syntax error must still win), while a syntax error ends the parse at once.
enum class Check { ok, invalid, not_json };

bool is_event_type(std::string_view type) {
  return !type.empty() && std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Walks a value of the wrong type so its JSON is still validated.
Check wrong_type(od::value& value, int depth) {
  return walk_value(value, depth) ? Check::invalid : Check::not_json;
}

Check read_string(od::value& value, int depth, std::string_view& out) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return Check::not_json;
  if (type != od::json_type::string) return wrong_type(value, depth);
  // get_string unescapes into the parser's own string buffer: the view lives until the
  // next parse, like the views into the input.
  return value.get_string().get(out) == simdjson::SUCCESS ? Check::ok : Check::not_json;
}

// Records `id` as the member "id" of the object being indexed (read_string does not index).
void record_id(ValueIndex* index, std::string_view key, std::string_view id) {
  const std::uint32_t at = detail::record_value(index, key, /*is_member=*/true, Kind::string);
  detail::set_text(index, at, id);
  detail::close_value(index, at);
}

// `{"id": "<non-empty string>", ...}` (company, project, user). `null` is accepted as
// "absent" when allow_null. A second "id" inside is invalid: readers disagree on which one
// wins, and the tenant id must mean the same thing to everyone.
// The value is recorded in `index` as walk_value records the generic fields: filters read
// "user.id", "project.slug", ... and scanning these small objects again per event cost
// filtered events more (about 250 ns for two) than recording them costs every parse.
Check read_id_object(od::value& value, int depth, bool allow_null, std::string_view& id, bool& present,
                     ValueIndex* index) {
  present = false;
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return Check::not_json;
  if (type == od::json_type::null && allow_null) {
    bool is_null = false;
    if (value.is_null().get(is_null) != simdjson::SUCCESS || !is_null) return Check::not_json;
    detail::close_value(index, detail::record_value(index, {}, /*is_member=*/false, Kind::null));
    return Check::ok;
  }
  if (type != od::json_type::object) return wrong_type(value, depth);  // refused: not indexed
  od::object object;
  if (depth >= detail::kMaxDepth || value.get_object().get(object) != simdjson::SUCCESS) return Check::not_json;
  // Left open by the not_json returns below: the event is refused and its index cleared.
  const std::uint32_t at = detail::record_value(index, {}, /*is_member=*/false, Kind::object);
  std::uint32_t members = 0;

  Check result = Check::ok;
  bool seen_id = false;
  for (auto field_result : object) {
    od::field field;
    std::string_view name;
    if (std::move(field_result).get(field) != simdjson::SUCCESS || field.unescaped_key().get(name) != simdjson::SUCCESS) {
      return Check::not_json;
    }
    ++members;
    if (name != "id") {
      if (!walk_value(field.value(), depth + 1, index, name, true)) return Check::not_json;
      continue;
    }
    std::string_view candidate;
    const Check check = read_string(field.value(), depth + 1, candidate);
    if (check == Check::not_json) return check;
    if (check == Check::ok) record_id(index, name, candidate);
    if (check == Check::invalid || seen_id || candidate.empty()) result = Check::invalid;
    seen_id = true;
    id = candidate;
  }
  if (!seen_id) result = Check::invalid;
  detail::close_container(index, at, members);
  present = true;
  return result;
}

// The raw key between the quotes. unescaped_key() has already validated it, so the first
// quote not escaped by a backslash ends it.
std::string_view raw_key(const od::field& field) {
  const char* start = field.key().raw();
  std::size_t length = 0;
  while (start[length] != '"') length += start[length] == '\\' ? 2 : 1;
  return {start, length};
}

bool has_duplicate_names(const std::vector<TopLevelField>& fields, std::vector<std::string_view>& scratch) {
  if (fields.size() <= 16) {  // the usual envelope: pairwise is cheapest
    for (std::size_t i = 0; i < fields.size(); ++i) {
      for (std::size_t j = i + 1; j < fields.size(); ++j) {
        if (fields[i].name == fields[j].name) return true;
      }
    }
    return false;
  }
  // Thousands of keys in a hostile event must not cost n^2 comparisons.
  scratch.clear();
  for (const TopLevelField& field : fields) scratch.push_back(field.name);
  std::sort(scratch.begin(), scratch.end());
  return std::adjacent_find(scratch.begin(), scratch.end()) != scratch.end();
}

void reset(Event& out) {
  out.id = out.type = out.occurred_at = out.company_id = out.project_id = out.user_id = {};
  out.has_project = false;
  out.occurred_at_unix_ms = 0;
  out.fields.clear();  // keeps its capacity
  out.values.clear();
}

// A root that is not an object: not_object if it is valid JSON, else not_json.
std::optional<InvalidReason> classify_other_root(od::document& doc, od::json_type type, std::string_view input) {
  bool valid = false;
  if (type == od::json_type::array) {
    od::array array;
    const char* trailing = nullptr;
    valid = doc.get_array().get(array) == simdjson::SUCCESS && detail::walk_array(array, 1) &&
            doc.current_location().get(trailing) == simdjson::OUT_OF_BOUNDS;
    return valid ? InvalidReason::not_object : InvalidReason::not_json;
  }
  std::string_view token;
  if (doc.raw_json_token().get(token) != simdjson::SUCCESS) return InvalidReason::not_json;
  token = trim_trailing_whitespace(token);
  switch (type) {
    case od::json_type::string: {
      std::string_view text;
      valid = doc.get_string().get(text) == simdjson::SUCCESS;
      break;
    }
    case od::json_type::number:
      valid = detail::is_json_number(token);
      break;
    case od::json_type::boolean: {
      bool flag;
      valid = doc.get_bool().get(flag) == simdjson::SUCCESS;
      break;
    }
    case od::json_type::null: {
      bool is_null = false;
      valid = doc.is_null().get(is_null) == simdjson::SUCCESS && is_null;
      break;
    }
    default:
      break;
  }
  // A scalar root must be the only token: nothing but whitespace after it.
  const std::size_t token_end = static_cast<std::size_t>(token.data() + token.size() - input.data());
  valid = valid && trim_trailing_whitespace(input).size() == token_end;
  return valid ? InvalidReason::not_object : InvalidReason::not_json;
}

}  // namespace

struct EventParser::Impl {
  explicit Impl(std::size_t max_bytes) : max_event_bytes(max_bytes), parser(std::max<std::size_t>(max_bytes, 1)) {}

  std::optional<InvalidReason> parse(std::string_view bytes, Event& out);
  std::string_view load(std::string_view bytes);
  std::optional<InvalidReason> parse_loaded(std::string_view input, Event& out);

  std::size_t max_event_bytes;
  od::parser parser;
  std::unique_ptr<char[]> buffer;  // input copy followed by SIMDJSON_PADDING readable bytes
  std::size_t buffer_capacity = 0;
  std::vector<std::string_view> name_scratch;
};

std::optional<InvalidReason> EventParser::Impl::parse(std::string_view bytes, Event& out) {
  reset(out);
  if (bytes.size() > max_event_bytes) return InvalidReason::too_large;
  if (!simdjson::validate_utf8(bytes.data(), bytes.size())) return InvalidReason::invalid_utf8;
  const auto reason = parse_loaded(load(bytes), out);
  if (reason) reset(out);
  return reason;
}

// Copies the event into the padded buffer (a Kafka payload has no padding of its own) and
// makes sure simdjson's internal buffers fit it, growing both geometrically.
std::string_view EventParser::Impl::load(std::string_view bytes) {
  const std::size_t needed = bytes.size() + simdjson::SIMDJSON_PADDING;
  if (buffer_capacity < needed) {
    const std::size_t grown = std::min(2 * buffer_capacity, max_event_bytes + simdjson::SIMDJSON_PADDING);
    buffer_capacity = std::max(needed, grown);
    buffer = std::make_unique_for_overwrite<char[]>(buffer_capacity);
  }
  if (!bytes.empty()) std::memcpy(buffer.get(), bytes.data(), bytes.size());
  std::memset(buffer.get() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);

  if (parser.capacity() < bytes.size()) {
    const std::size_t grown = std::min(std::max(2 * parser.capacity(), kMinParserCapacity), max_event_bytes);
    if (parser.allocate(std::max(bytes.size(), grown)) != simdjson::SUCCESS) throw std::bad_alloc();
  }
  return {buffer.get(), bytes.size()};
}

std::optional<InvalidReason> EventParser::Impl::parse_loaded(std::string_view input, Event& out) {
  od::document doc;
  if (parser.iterate(input.data(), input.size(), buffer_capacity).get(doc) != simdjson::SUCCESS) {
    return InvalidReason::not_json;
  }
  od::json_type root_type;
  if (doc.type().get(root_type) != simdjson::SUCCESS) return InvalidReason::not_json;
  if (root_type != od::json_type::object) return classify_other_root(doc, root_type, input);
  od::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return InvalidReason::not_json;

  bool seen_id = false, seen_type = false, seen_occurred_at = false, seen_company = false;
  bool invalid = false;
  constexpr int kFieldDepth = 2;  // the root object is depth 1
  for (auto field_result : root) {
    od::field field;
    std::string_view name;
    if (std::move(field_result).get(field) != simdjson::SUCCESS) return InvalidReason::not_json;
    const std::string_view key = raw_key(field);
    if (field.unescaped_key().get(name) != simdjson::SUCCESS) return InvalidReason::not_json;
    od::value& value = field.value();
    const std::string_view token = value.raw_json_token();
    const bool is_container = !token.empty() && (token.front() == '{' || token.front() == '[');

    // Values go to the index (Event::values) during this walk, which spares record filters a
    // second pass over the bytes: the generic fields (currentValue, previousValue, ...) through
    // walk_value, company, project and user through their reader. id, event and occurredAt
    // are not: filters read a lone string from its raw bytes about as cheaply.
    const std::size_t first = out.values.size();
    ValueIndex index{&out.values};
    Check check = Check::ok;
    if (name == "id") {
      seen_id = true;
      check = read_string(value, kFieldDepth, out.id);
      if (check == Check::ok && (out.id.empty() || out.id.size() > kMaxIdBytes)) check = Check::invalid;
    } else if (name == "event") {
      seen_type = true;
      check = read_string(value, kFieldDepth, out.type);
      if (check == Check::ok && !is_event_type(out.type)) check = Check::invalid;
    } else if (name == "occurredAt") {
      seen_occurred_at = true;
      check = read_string(value, kFieldDepth, out.occurred_at);
      if (check == Check::ok) {
        const auto unix_ms = parse_rfc3339_unix_ms(out.occurred_at);
        if (unix_ms) out.occurred_at_unix_ms = *unix_ms;
        else check = Check::invalid;
      }
    } else if (name == "company") {
      bool present = false;
      check = read_id_object(value, kFieldDepth, /*allow_null=*/false, out.company_id, present, &index);
      seen_company = true;
    } else if (name == "project") {
      check = read_id_object(value, kFieldDepth, /*allow_null=*/true, out.project_id, out.has_project, &index);
    } else if (name == "user") {
      bool present = false;
      check = read_id_object(value, kFieldDepth, /*allow_null=*/true, out.user_id, present, &index);
    } else {
      check = walk_value(value, kFieldDepth, &index) ? Check::ok : Check::not_json;
    }
    std::int32_t first_value = -1;
    if (index.overflow) {
      out.values.resize(first);  // too many values: filters fall back to raw_value
    } else if (out.values.size() > first) {
      first_value = static_cast<std::int32_t>(first);
    }
    if (check == Check::not_json) return InvalidReason::not_json;
    invalid = invalid || check == Check::invalid;

    std::string_view raw_value = trim_trailing_whitespace(token);
    if (is_container) {
      // The container has been walked to its closing bracket: the iterator now stands on
      // the ',' or '}' that follows it, so the value's bytes end just before that.
      const char* next = nullptr;
      if (doc.current_location().get(next) != simdjson::SUCCESS) return InvalidReason::not_json;
      raw_value = trim_trailing_whitespace(std::string_view(token.data(), static_cast<std::size_t>(next - token.data())));
    }
    out.fields.push_back(TopLevelField{key, raw_value, name, first_value});
  }

  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) != simdjson::OUT_OF_BOUNDS) return InvalidReason::not_json;
  if (has_duplicate_names(out.fields, name_scratch)) return InvalidReason::duplicate_key;
  if (!seen_id || !seen_type || !seen_occurred_at || !seen_company) return InvalidReason::missing_field;
  if (invalid) return InvalidReason::invalid_field;
  return std::nullopt;
}

EventParser::EventParser(std::size_t max_event_bytes) : impl_(std::make_unique<Impl>(max_event_bytes)) {}
EventParser::~EventParser() = default;
EventParser::EventParser(EventParser&&) noexcept = default;
EventParser& EventParser::operator=(EventParser&&) noexcept = default;

std::optional<InvalidReason> EventParser::parse(std::string_view bytes, Event& out) {
  return impl_->parse(bytes, out);
}

}  // namespace hookd::events
