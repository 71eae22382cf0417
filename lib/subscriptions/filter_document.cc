#include "subscriptions/filter_document.h"

#include <algorithm>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "subscriptions/filter_value.h"

namespace hookd::subscriptions {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool is_number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// A cursor over bytes that may be read only inside [p, end).
struct Cursor {
  const char* p;
  const char* end;

  void skip_space() {
    while (p < end && is_space(*p)) ++p;
  }
  bool at(char c) const { return p < end && *p == c; }

  // At an opening quote: moves past the closing one and returns the bytes between them.
  // Most strings in Blue events are ids and timestamps of 20-40 bytes: 16 bytes at a time
  // (SSE2 is part of x86-64's baseline) find the closing quote in one or two steps.
  bool string(std::string_view& out, bool& escaped) {
    const char* start = ++p;
    escaped = false;
    for (;;) {
#if defined(__SSE2__)
      while (end - p >= 16) {
        const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(
            _mm_cmpeq_epi8(block, _mm_set1_epi8('"')), _mm_cmpeq_epi8(block, _mm_set1_epi8('\\')))));
        if (mask != 0) {
          p += __builtin_ctz(mask);
          break;
        }
        p += 16;
      }
#endif
      while (p < end && *p != '"' && *p != '\\') ++p;
      if (p >= end) return false;
      if (*p == '"') {
        out = std::string_view(start, static_cast<std::size_t>(p - start));
        ++p;
        return true;
      }
      escaped = true;
      p += 2;  // the backslash and the character it escapes ("\u" digits are plain bytes)
    }
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end - p) < word.size() || std::memcmp(p, word.data(), word.size()) != 0) {
      return false;
    }
    p += word.size();
    return true;
  }
};

}  // namespace

void EventDocument::reset(const events::Event& event) {
  event_ = &event;
  nodes_.clear();
  tables_.clear();
  slots_used_ = 0;
  field_roots_.assign(event.fields.size(), kNotBuilt);
}

std::int32_t EventDocument::scanned_root(std::size_t field) {
  std::int32_t& root = field_roots_[field];
  if (root != kNotBuilt) return root;
  const std::size_t start = nodes_.size();
  // Offsets are 32-bit: an event is at most limits.max_event_bytes, far below 4 GiB.
  if (start >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) ||
      !build(event_->fields[field].raw_value)) {
    nodes_.resize(start);
    root = kMalformed;
    return -1;
  }
  root = static_cast<std::int32_t>(start);
  return root;
}

// An iterative scanner (an event may nest 1000 levels deep; recursion would spend stack on
// it). Every read is bounds-checked, so bytes that are not JSON end the build with false
// rather than reading past the field.
bool EventDocument::build(std::string_view json) {
  Cursor in{json.data(), json.data() + json.size()};
  open_.clear();
  const char* key = nullptr;
  std::uint32_t key_size = 0;
  bool key_escaped = false;

  // Fills the node in place: building a Node on the stack and copying it in made the copy's
  // 16-byte load straddle two smaller stores (a store-forwarding stall on every value).
  auto add = [&](Kind kind) {
    if (!open_.empty()) ++nodes_[open_.back()].size;  // one more member or element
    Node& node = nodes_.emplace_back();
    node.key = key;
    node.key_size = key_size;
    node.key_escaped = key_escaped;
    node.kind = kind;
    key = nullptr;
    key_size = 0;
    key_escaped = false;
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  };
  auto close_scalar = [&](std::uint32_t index) { nodes_[index].end = index + 1; };
  // After an object's '{' or ',': reads `"key":` into key/key_size.
  auto read_key = [&]() {
    in.skip_space();
    std::string_view name;
    if (!in.at('"') || !in.string(name, key_escaped)) return false;
    key = name.data();
    key_size = static_cast<std::uint32_t>(name.size());
    in.skip_space();
    if (!in.at(':')) return false;
    ++in.p;
    return true;
  };

  for (;;) {
    // A value starts here.
    in.skip_space();
    if (in.p >= in.end) return false;
    bool opened = false;
    switch (*in.p) {
      case '{': {
        const std::uint32_t index = add(Kind::object);
        ++in.p;
        in.skip_space();
        if (in.at('}')) {
          ++in.p;
          close_scalar(index);
        } else {
          open_.push_back(index);
          if (!read_key()) return false;
          opened = true;
        }
        break;
      }
      case '[': {
        const std::uint32_t index = add(Kind::array);
        ++in.p;
        in.skip_space();
        if (in.at(']')) {
          ++in.p;
          close_scalar(index);
        } else {
          open_.push_back(index);
          opened = true;
        }
        break;
      }
      case '"': {
        std::string_view text;
        bool escaped = false;
        if (!in.string(text, escaped)) return false;
        const std::uint32_t index = add(Kind::string);
        nodes_[index].text = text.data();
        nodes_[index].size = static_cast<std::uint32_t>(text.size());
        nodes_[index].text_escaped = escaped;
        close_scalar(index);
        break;
      }
      case 't':
        if (!in.literal("true")) return false;
        close_scalar(add(Kind::true_value));
        break;
      case 'f':
        if (!in.literal("false")) return false;
        close_scalar(add(Kind::false_value));
        break;
      case 'n':
        if (!in.literal("null")) return false;
        close_scalar(add(Kind::null));
        break;
      default: {
        const char* start = in.p;
        while (in.p < in.end && is_number_char(*in.p)) ++in.p;
        if (in.p == start) return false;
        const std::uint32_t index = add(Kind::number);
        nodes_[index].text = start;
        nodes_[index].size = static_cast<std::uint32_t>(in.p - start);
        close_scalar(index);
        break;
      }
    }
    if (opened) continue;

    // After a complete value: a separator or the end of one or more containers.
    for (;;) {
      in.skip_space();
      if (open_.empty()) return in.p == in.end;
      if (in.p >= in.end) return false;
      const std::uint32_t container = open_.back();
      const char c = *in.p++;
      if (c == ',') {
        if (nodes_[container].kind == Kind::object && !read_key()) return false;
        break;  // the next value
      }
      const char closer = nodes_[container].kind == Kind::object ? '}' : ']';
      if (c != closer) return false;
      nodes_[container].end = static_cast<std::uint32_t>(nodes_.size());
      open_.pop_back();
    }
  }
}

const EventDocument::MemberTable* EventDocument::member_table(const Node* nodes, std::uint32_t index) {
  for (const MemberTable& table : tables_) {
    if (table.nodes == nodes && table.object == index) return table.size == 0 ? nullptr : &table;
  }
  // Sized from the member count the index records, so one walk of the members fills it.
  const Node& object = nodes[index];
  MemberTable table{nodes, index, slots_used_, 8};
  while (table.size < 2 * object.size) table.size *= 2;  // load factor at most 1/2
  // slots_ only grows (resize is a library call per table even when the capacity is there);
  // slots_used_ marks the part this event's tables occupy.
  if (slots_.size() < slots_used_ + table.size) slots_.resize(slots_used_ + table.size);
  slots_used_ += table.size;
  std::uint32_t* slots = slots_.data() + table.offset;
  std::fill_n(slots, table.size, kEmptySlot);
  const std::uint32_t mask = table.size - 1;
  for (std::uint32_t child = index + 1; child < object.end; child = nodes[child].end) {
    const Node& member = nodes[child];
    if (member.key_escaped) {
      // Escaped keys would need unescaping to hash: such objects are scanned instead.
      slots_used_ = table.offset;
      table.size = 0;
      break;
    }
    std::uint32_t slot =
        static_cast<std::uint32_t>(filter::key_hash(std::string_view(member.key, member.key_size))) & mask;
    while (slots[slot] != kEmptySlot) slot = (slot + 1) & mask;
    slots[slot] = child;
  }
  tables_.push_back(table);
  return table.size == 0 ? nullptr : &tables_.back();
}

bool EventDocument::escaped_key_equals(const Node& node, std::string_view key) {
  key_scratch_.clear();
  filter::append_unescaped(std::string_view(node.key, node.key_size), key_scratch_);
  return key_scratch_ == key;
}

std::string_view EventDocument::string_value(const Node& node) {
  const std::string_view raw(node.text, node.size);
  if (!node.text_escaped) return raw;
  value_scratch_.clear();
  filter::append_unescaped(raw, value_scratch_);
  return value_scratch_;
}

}  // namespace hookd::subscriptions
