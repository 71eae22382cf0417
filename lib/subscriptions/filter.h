// Record filters: the compiled form of a webhook's "filter" object (docs/filters.md,
// schemas/filter.schema.json) and its evaluation against an event.
//
// A filter is compiled once, when its subscription is loaded: paths are split into
// segments, operators resolved, operand strings unescaped, $in sets sorted and regexes
// built (RE2: linear time, so no filter can stall a worker). Evaluation reads only this
// compiled form and the event, through a per-thread EventDocument, and never allocates once
// the document's buffers are warm.
//
// Semantics in brief (the doc has the full table):
//   - every key of an object must hold (implicit and); $and/$or take arrays of filters,
//     $not a filter;
//   - a path reaches zero or more values: a key applied to an array reaches that key in
//     each object element, "$" reaches every element;
//   - positive comparisons hold when any reached value (or, for an array, any element)
//     holds; $neq/$nin hold when the path is present and nothing reached equals;
//   - an absent path fails every comparison except {"$exist": false};
//   - types are strict ("1" is not 1); numbers compare numerically, strings bytewise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "subscriptions/filter_value.h"

namespace re2 {
class RE2;
}

namespace hookd::subscriptions {

class EventDocument;

namespace filter {

// The limits docs/filters.md documents. Over any of them the filter is refused (FilterError::too_large).
inline constexpr std::size_t kMaxDepth = 16;           // nesting of $and / $or / $not
inline constexpr std::size_t kMaxClauses = 64;         // comparisons, each on one path
inline constexpr std::size_t kMaxBytes = 16 * 1024;    // the filter's JSON text
inline constexpr std::size_t kMaxRegexBytes = 1024;    // one $regex pattern
inline constexpr std::size_t kMaxPathSegments = 32;    // dotted segments of one path

enum class Op : std::uint8_t { eq, neq, gt, gte, lt, lte, in, nin, exist, regex };

// One step of a path: a member name, or "$" (every element of an array).
struct Segment {
  std::string key;
  bool any_element = false;
  std::uint64_t hash = 0;  // key_hash(key): looked up in the document's per-object tables
};

// The hash member lookups use: computed once per path segment at compile time and once per
// member of an object the document indexes, so it reads at most 16 bytes of a key (its
// length and first and last bytes) rather than every byte. Fixed-size loads only: a
// variable-length memcpy would be a library call per key.
inline std::uint64_t key_hash(std::string_view key) {
  const char* p = key.data();
  const std::size_t n = key.size();
  std::uint64_t head = 0;
  std::uint64_t tail = 0;
  if (n >= 8) {
    std::memcpy(&head, p, 8);
    std::memcpy(&tail, p + n - 8, 8);
  } else if (n >= 4) {
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    std::memcpy(&first, p, 4);
    std::memcpy(&last, p + n - 4, 4);
    head = first;
    tail = last;
  } else if (n > 0) {
    head = static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) << 16 |
           static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
           static_cast<unsigned char>(p[n - 1]);
  }
  std::uint64_t hash = (head ^ (tail << 31 | tail >> 33) ^ n) * 0x9E3779B97F4A7C15ull;
  return hash ^ (hash >> 29);
}

// Equality of two byte ranges of length n, inline for the short keys paths are made of.
inline bool same_bytes(const char* a, const char* b, std::size_t n) {
  if (n >= 8 && n <= 16) {
    std::uint64_t a1, a2, b1, b2;
    std::memcpy(&a1, a, 8);
    std::memcpy(&b1, b, 8);
    std::memcpy(&a2, a + n - 8, 8);
    std::memcpy(&b2, b + n - 8, 8);
    return a1 == b1 && a2 == b2;
  }
  if (n >= 4 && n < 8) {
    std::uint32_t a1, a2, b1, b2;
    std::memcpy(&a1, a, 4);
    std::memcpy(&b1, b, 4);
    std::memcpy(&a2, a + n - 4, 4);
    std::memcpy(&b2, b + n - 4, 4);
    return a1 == b1 && a2 == b2;
  }
  if (n < 4) {
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  return std::memcmp(a, b, n) == 0;
}

enum class ScalarKind : std::uint8_t { null, boolean, number, string };

struct Scalar {
  ScalarKind kind = ScalarKind::null;
  bool boolean = false;
  Number number;
  std::string string;  // unescaped UTF-8
};

// The operand of $in / $nin, split by type so membership is a lookup, not a scan of mixed
// values: strings sorted for binary search.
struct ScalarSet {
  std::vector<std::string> strings;  // sorted, unique
  std::vector<Number> numbers;
  bool has_null = false;
  bool has_true = false;
  bool has_false = false;
};

struct Clause {
  std::vector<Segment> path;  // at least one segment; the first is a key
  Op op = Op::eq;
  Scalar value;                              // eq neq gt gte lt lte
  ScalarSet set;                             // in nin
  bool exist = true;                         // exist
  std::shared_ptr<const re2::RE2> regex;     // regex
  std::string text;                          // the path as written, for logs and tests
};

// The logical structure: all (implicit and, $and), any ($or), negate ($not), or one clause.
struct Expr {
  enum class Kind : std::uint8_t { all, any, negate, clause };
  Kind kind = Kind::all;
  std::uint32_t clause = 0;  // index into Filter::clauses when kind == clause
  std::vector<Expr> children;
};

}  // namespace filter

// An immutable compiled filter, shared by the subscriptions that carry it.
class Filter {
 public:
  Filter(filter::Expr root, std::vector<filter::Clause> clauses)
      : root_(std::move(root)), clauses_(std::move(clauses)) {}

  // True when the event `document` is reading passes this filter. Never throws on any
  // event (only std::bad_alloc while the document's buffers first grow).
  bool matches(EventDocument& document) const;

  const std::vector<filter::Clause>& clauses() const { return clauses_; }
  const filter::Expr& root() const { return root_; }

  // One node of the filter and whether it held on the event: `hookd explain` prints these,
  // clause by clause (docs/operations.md). `depth` is the nesting under $and/$or/$not.
  struct ExplainLine {
    std::size_t depth = 0;
    bool holds = false;
    std::string text;  // "all of:", "any of:", "not:", or "<path> <op> <operand>[ (path absent)]"
  };
  // Every node, depth first in the filter's order; the first line is the root and holds exactly
  // when matches() does. Evaluates every child (no short cut), so each clause gets a verdict.
  // For operators, not the data path: it allocates.
  std::vector<ExplainLine> explain(EventDocument& document) const;

 private:
  bool explain(const filter::Expr& expr, EventDocument& document, std::size_t depth,
               std::vector<ExplainLine>& out) const;
  bool evaluate(const filter::Expr& expr, EventDocument& document) const;
  bool evaluate(const filter::Clause& clause, EventDocument& document) const;

  filter::Expr root_;
  std::vector<filter::Clause> clauses_;
};

// Why a filter was refused; detail names the rule and the path, never an operand value.
struct FilterError {
  enum class Kind : std::uint8_t { invalid, too_large };
  Kind kind = Kind::invalid;
  std::string detail;
};

using FilterResult = std::variant<std::shared_ptr<const Filter>, FilterError>;

// Compiles a filter's JSON text. An empty object compiles to a filter that holds for every
// event (parse_subscription stores no filter at all for it). Never throws on bad input.
FilterResult compile_filter(std::string_view json);

}  // namespace hookd::subscriptions
