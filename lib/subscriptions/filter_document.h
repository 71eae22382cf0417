// An event as record filters read it: the envelope's values as a flat, depth-first index.
//
// Most of it comes for free: events::EventParser indexes the object fields (currentValue,
// previousValue, company, project, user, ...) while it validates them (Event::values). The
// plain string fields it leaves out (id, event, occurredAt) and any field too large to
// index are scanned here, lazily, the first time a path names them, from the raw bytes the
// parser kept (TopLevelField::raw_value). The scanner trusts the validation already done
// but stays memory-safe on any bytes; malformed input reads as an absent field.
//
// One EventDocument per thread, reused: reset() per event keeps every buffer's capacity,
// so a warm document allocates nothing. Views point into the event's buffers: a document is
// valid only while the Event it was reset with is.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "events/envelope.h"
#include "subscriptions/filter.h"

namespace hookd::subscriptions {

class EventDocument {
 public:
  using Node = events::IndexedValue;
  using Kind = events::IndexedValue::Kind;

  // Starts reading `event`, forgetting the previous one. No allocation once warm.
  void reset(const events::Event& event);

  // Calls visit(nodes, index) for every value `path` reaches, in document order, until visit
  // returns true; returns whether it did. `nodes` is the array the value lives in: the
  // value's subtree is nodes[index .. nodes[index].end). A key applied to an array reaches
  // that key in each object element (one level); a "$" segment reaches each element.
  template <class Visit>
  bool find(const std::vector<filter::Segment>& path, Visit&& visit);

  // The string value of a string node, unescaped when it has escapes (the view then points
  // into a scratch buffer that the next call overwrites).
  std::string_view string_value(const Node& node);

 private:
  static constexpr std::int32_t kNotBuilt = -1;
  static constexpr std::int32_t kMalformed = -2;

  // The root in nodes_ of top-level field `field`, scanning it on first use; -1 if malformed.
  std::int32_t scanned_root(std::size_t field);
  // Appends the nodes of one JSON value; false if the bytes are not a single value.
  bool build(std::string_view json);

  // Inline: called for every member of every object a path passes through.
  bool key_equals(const Node& node, std::string_view key) {
    if (node.key_escaped) return escaped_key_equals(node, key);
    return node.key_size == key.size() && node.key != nullptr && filter::same_bytes(node.key, key.data(), key.size());
  }
  bool escaped_key_equals(const Node& node, std::string_view key);

  // Objects with many members (a record's currentValue has dozens) get a hash table of their
  // members the first time a path looks into them in an event, so the several clauses of
  // several filters that read the same object each cost one probe, not a scan of all members.
  static constexpr std::uint32_t kIndexedObjectMinMembers = 16;
  static constexpr std::uint32_t kEmptySlot = UINT32_MAX;
  struct MemberTable {
    const Node* nodes;
    std::uint32_t object;
    std::uint32_t offset;  // into slots_
    std::uint32_t size;    // a power of two; 0 = not indexed (an escaped key: scanned instead)
  };
  // The table of object `index` in `nodes`, building it on first use; null if not indexable.
  const MemberTable* member_table(const Node* nodes, std::uint32_t index);

  template <class Visit>
  bool walk(const Node* nodes, std::uint32_t index, const filter::Segment* segment, const filter::Segment* last,
            Visit& visit);

  const events::Event* event_ = nullptr;
  std::vector<Node> nodes_;                // the scanned fields' values
  std::vector<std::int32_t> field_roots_;  // per top-level field: root in nodes_, kNotBuilt or kMalformed
  std::vector<std::uint32_t> open_;        // containers open while scanning
  std::vector<MemberTable> tables_;   // this event's member tables (a handful)
  std::vector<std::uint32_t> slots_;  // their slots: node indices or kEmptySlot
  std::uint32_t slots_used_ = 0;      // slots_[0, slots_used_) belong to this event's tables
  std::string key_scratch_;
  std::string value_scratch_;
};

template <class Visit>
bool EventDocument::find(const std::vector<filter::Segment>& path, Visit&& visit) {
  if (path.empty() || path.front().any_element) return false;  // the envelope is an object
  const std::string_view first = path.front().key;
  const filter::Segment* rest = path.data() + 1;
  const filter::Segment* last = path.data() + path.size();
  const auto& fields = event_->fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    // Inline compare: string_view's == calls memcmp, a library call per field per clause.
    const std::string_view name = fields[i].name;
    if (name.size() != first.size() || !filter::same_bytes(name.data(), first.data(), first.size())) continue;
    // Top-level keys are unique (the parser refuses duplicates): the first is the only one.
    if (fields[i].first_value >= 0) {
      return walk(event_->values.data(), static_cast<std::uint32_t>(fields[i].first_value), rest, last, visit);
    }
    const std::int32_t root = scanned_root(i);
    return root >= 0 && walk(nodes_.data(), static_cast<std::uint32_t>(root), rest, last, visit);
  }
  return false;
}

template <class Visit>
bool EventDocument::walk(const Node* nodes, std::uint32_t index, const filter::Segment* segment,
                         const filter::Segment* last, Visit& visit) {
  if (segment == last) return visit(nodes, index);
  const Node& node = nodes[index];
  if (segment->any_element) {
    if (node.kind != Kind::array) return false;
    for (std::uint32_t child = index + 1; child < node.end; child = nodes[child].end) {
      if (walk(nodes, child, segment + 1, last, visit)) return true;
    }
    return false;
  }
  if (node.kind == Kind::object) {
    if (node.size >= kIndexedObjectMinMembers) {
      if (const MemberTable* table = member_table(nodes, index)) {
        // Copied out: walking deeper may add tables and move tables_ and slots_.
        const std::uint32_t offset = table->offset;
        const std::uint32_t mask = table->size - 1;
        // Probe the chain: every member with this key (a nested key may repeat).
        for (std::uint32_t slot = static_cast<std::uint32_t>(segment->hash) & mask;; slot = (slot + 1) & mask) {
          const std::uint32_t child = slots_[offset + slot];
          if (child == kEmptySlot) return false;
          if (key_equals(nodes[child], segment->key) && walk(nodes, child, segment + 1, last, visit)) return true;
        }
      }
    }
    for (std::uint32_t child = index + 1; child < node.end; child = nodes[child].end) {
      if (key_equals(nodes[child], segment->key) && walk(nodes, child, segment + 1, last, visit)) return true;
    }
    return false;
  }
  if (node.kind == Kind::array) {  // implicit: the key in every object element
    for (std::uint32_t element = index + 1; element < node.end; element = nodes[element].end) {
      const Node& e = nodes[element];
      if (e.kind != Kind::object) continue;
      for (std::uint32_t child = element + 1; child < e.end; child = nodes[child].end) {
        if (key_equals(nodes[child], segment->key) && walk(nodes, child, segment + 1, last, visit)) return true;
      }
    }
  }
  return false;
}

}  // namespace hookd::subscriptions
