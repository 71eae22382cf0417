// Evaluation of a compiled filter against one event (see filter.h for the semantics).
#include <re2/re2.h>

#include <algorithm>
#include <optional>

#include "subscriptions/filter.h"
#include "subscriptions/filter_document.h"

namespace hookd::subscriptions {
namespace {

using filter::Clause;
using filter::Op;
using filter::Scalar;
using filter::ScalarKind;
using filter::ScalarSet;
using Kind = EventDocument::Kind;
using Node = EventDocument::Node;

std::optional<filter::Number> number_of(const Node& node) {
  return filter::parse_number(std::string_view(node.text, node.size));
}

// Strict equality of an event scalar with an operand: never across types.
bool equals(EventDocument& document, const Node& node, const Scalar& value) {
  switch (value.kind) {
    case ScalarKind::null: return node.kind == Kind::null;
    case ScalarKind::boolean:
      return node.kind == (value.boolean ? Kind::true_value : Kind::false_value);
    case ScalarKind::number: {
      if (node.kind != Kind::number) return false;
      const auto number = number_of(node);
      return number && filter::compare(*number, value.number) == 0;
    }
    case ScalarKind::string:
      return node.kind == Kind::string && document.string_value(node) == value.string;
  }
  return false;
}

bool member_of(EventDocument& document, const Node& node, const ScalarSet& set) {
  switch (node.kind) {
    case Kind::null: return set.has_null;
    case Kind::true_value: return set.has_true;
    case Kind::false_value: return set.has_false;
    case Kind::string: {
      const std::string_view text = document.string_value(node);
      return std::binary_search(set.strings.begin(), set.strings.end(), text,
                                [](std::string_view a, std::string_view b) { return a < b; });
    }
    case Kind::number: {
      const auto number = number_of(node);
      return number && std::any_of(set.numbers.begin(), set.numbers.end(),
                                   [&](const filter::Number& n) { return filter::compare(*number, n) == 0; });
    }
    case Kind::object:
    case Kind::array:
      return false;
  }
  return false;
}

// $gt $gte $lt $lte: numbers with numbers, strings with strings (bytewise), nothing else.
bool ordered(EventDocument& document, const Node& node, Op op, const Scalar& value) {
  int order = 0;
  if (value.kind == ScalarKind::number && node.kind == Kind::number) {
    const auto number = number_of(node);
    if (!number) return false;
    order = filter::compare(*number, value.number);
  } else if (value.kind == ScalarKind::string && node.kind == Kind::string) {
    order = document.string_value(node).compare(value.string);
  } else {
    return false;
  }
  switch (op) {
    case Op::gt: return order > 0;
    case Op::gte: return order >= 0;
    case Op::lt: return order < 0;
    case Op::lte: return order <= 0;
    default: return false;
  }
}

// One comparison on one scalar (or container) value, positive form: $neq is tested as $eq
// and $nin as $in, then negated over all values by the caller.
bool holds(EventDocument& document, const Node& node, const Clause& clause) {
  switch (clause.op) {
    case Op::eq:
    case Op::neq:
      return equals(document, node, clause.value);
    case Op::in:
    case Op::nin:
      return member_of(document, node, clause.set);
    case Op::gt:
    case Op::gte:
    case Op::lt:
    case Op::lte:
      return ordered(document, node, clause.op, clause.value);
    case Op::regex: {
      if (node.kind != Kind::string) return false;
      const std::string_view text = document.string_value(node);
      return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *clause.regex);
    }
    case Op::exist:
      return true;
  }
  return false;
}

// A reached value, or for an array each of its elements (one level), holds.
bool value_holds(EventDocument& document, const Node* nodes, std::uint32_t index, const Clause& clause) {
  const Node& node = nodes[index];
  if (node.kind != Kind::array) return holds(document, node, clause);
  for (std::uint32_t element = index + 1; element < node.end; element = nodes[element].end) {
    if (holds(document, nodes[element], clause)) return true;
  }
  return false;
}

}  // namespace

bool Filter::matches(EventDocument& document) const { return evaluate(root_, document); }

bool Filter::evaluate(const filter::Expr& expr, EventDocument& document) const {
  switch (expr.kind) {
    case filter::Expr::Kind::all:
      for (const auto& child : expr.children) {
        if (!evaluate(child, document)) return false;
      }
      return true;
    case filter::Expr::Kind::any:
      for (const auto& child : expr.children) {
        if (evaluate(child, document)) return true;
      }
      return false;
    case filter::Expr::Kind::negate:
      return !evaluate(expr.children.front(), document);
    case filter::Expr::Kind::clause:
      return evaluate(clauses_[expr.clause], document);
  }
  return false;
}

bool Filter::evaluate(const filter::Clause& clause, EventDocument& document) const {
  switch (clause.op) {
    case Op::exist: {
      const bool present = document.find(clause.path, [](const Node*, std::uint32_t) { return true; });
      return present == clause.exist;
    }
    case Op::neq:
    case Op::nin: {
      // Present, and no reached value (no element of a reached array) equals.
      bool present = false;
      const bool some_equal = document.find(clause.path, [&](const Node* nodes, std::uint32_t index) {
        present = true;
        return value_holds(document, nodes, index, clause);
      });
      return present && !some_equal;
    }
    default:
      return document.find(clause.path,
                           [&](const Node* nodes, std::uint32_t index) { return value_holds(document, nodes, index, clause); });
  }
}

}  // namespace hookd::subscriptions
